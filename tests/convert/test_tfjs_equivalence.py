"""Our TF.js graph-model → ONNX conversion against TF.js itself, on real photos.

The reference is the pure-JS `@tensorflow/tfjs` 4.22.0 CPU backend in Node (tests/node/run_tfjs.mjs,
one Node process for all models); our side is the converted model in onnxruntime. Every output must
match within 1e-3 × (max − min of the TF.js output) (max |value| for a constant output such as a
single flag). The largest absolute and range-relative differences per model are printed and written
to out/conversion_equivalence.json.

Float32 noise floor: some outputs are ill-conditioned — BlazePose's segmentation is the sigmoid of
logits spanning ~2000, so float32 rounding alone moves it by ~1e-3 (onnxruntime with and without
graph optimisation, or with the input scaled by 1 + 1e-7, differ by as much). For every output we
also measure that noise floor in onnxruntime (the largest change from disabling graph
optimisations, and for float inputs from scaling the input by 1 + 1e-7); an output beyond 1e-3 × range
passes only when its difference is within 3× its own noise floor, and is listed as such.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from posekit.convert.tfjs import convert_tfjs, sanitize

ort = pytest.importorskip("onnxruntime")


REPO = Path(__file__).resolve().parents[2]
NODE_DIR = REPO / "tests" / "node"
OUT = REPO / "out" / "conversion_equivalence.json"
SHARED_IMAGES = REPO.parent / "shared" / "data" / "posebench-dev" / "images"
TOL = 1e-3

# name -> (height, width, dtype, value range, layout). MultiPose takes any multiple of 32:
# a non-square size checks that its H and W stay dynamic.
MODELS = {
    "blazepose-detector": (224, 224, "float32", (0.0, 1.0), "NHWC"),
    "blazepose-lite": (256, 256, "float32", (0.0, 1.0), "NHWC"),
    "blazepose-full": (256, 256, "float32", (0.0, 1.0), "NHWC"),
    "blazepose-heavy": (256, 256, "float32", (0.0, 1.0), "NHWC"),
    "movenet-lightning": (192, 192, "int32", (0, 255), "NHWC"),
    "movenet-thunder": (256, 256, "int32", (0, 255), "NHWC"),
    "movenet-multipose": (256, 320, "int32", (0, 255), "NHWC"),
    "centernet": (512, 512, "float32", (0.0, 255.0), "NHWC"),
    "nanodet": (416, 416, "float32", (-2.0, 2.0), "NCHW"),
}


def _node_ready() -> str | None:
    if not shutil.which("node") or not shutil.which("npm"):
        return "node/npm are not installed"
    if not (NODE_DIR / "node_modules" / "@tensorflow" / "tfjs").is_dir():
        return "tests/node/node_modules is not installed (run `npm ci --prefix tests/node`)"
    return None


def _images() -> list[tuple[str, np.ndarray]]:
    from skimage import data, io

    images = [("astronaut", data.astronaut())]
    if SHARED_IMAGES.is_dir():
        photos = sorted(SHARED_IMAGES.rglob("*.jpg"))
        if photos:
            img = io.imread(photos[0])
            img = np.stack([img] * 3, axis=-1) if img.ndim == 2 else img[..., :3]
            images.append((photos[0].name, img))
    else:
        images.append(("coffee", data.coffee()))
    return images


def _prepare(img: np.ndarray, h: int, w: int, dtype: str, rng: tuple, layout: str) -> np.ndarray:
    from PIL import Image

    x = np.asarray(Image.fromarray(img).resize((w, h), Image.BILINEAR), dtype=np.float32) / 255.0
    lo, hi = rng
    x = lo + (hi - lo) * x
    x = np.round(x).astype(np.int32) if dtype == "int32" else x.astype(np.float32)
    if layout == "NCHW":
        x = x.transpose(2, 0, 1)
    return np.ascontiguousarray(x[None])


def _noise_floor(model, sess, in_name, x, outs) -> dict[str, float]:
    """Per output: how far float32 rounding alone moves our result (see the module doc)."""
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    plain = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    runs = [plain.run(None, {in_name: x})]
    if x.dtype == np.float32:
        runs.append(sess.run(None, {in_name: (x * np.float32(1 + 1e-7)).astype(np.float32)}))
    return {
        n: max(
            (float(np.max(np.abs(r[i].astype(np.float64) - outs[n]))) if outs[n].size else 0.0) for r in runs
        )
        for i, n in enumerate(names)
    }


@pytest.mark.models
@pytest.mark.parametrize("name", ["blazepose-heavy", "movenet-multipose", "nanodet"])
def test_tfjs_conversion_is_deterministic(tfjs_model_json, name):
    """Converting the same files twice gives byte-identical models (their SHA-256 is recorded)."""
    src = Path(tfjs_model_json(name))
    first, second = (convert_tfjs(src).SerializeToString() for _ in range(2))
    assert first == second


@pytest.mark.node
@pytest.mark.models
def test_tfjs_models_match_tfjs(tfjs_model_json, tmp_path):
    reason = _node_ready()
    if reason:
        pytest.skip(reason)
    t_start = time.perf_counter()
    images = _images()
    jobs, ours = [], {}
    for i, (name, (h, w, dtype, rng, layout)) in enumerate(MODELS.items()):
        src = Path(tfjs_model_json(name))
        spec = json.loads(src.read_text())
        sig = spec.get("signature") or {}
        in_key = next(iter(sig["inputs"]))
        # One photo per model keeps pure-JS TF.js within the time budget; alternate the photos.
        img_name, img = images[i % len(images)]
        x = _prepare(img, h, w, dtype, rng, layout)
        xfile = tmp_path / f"{name}.in.bin"
        x.tofile(xfile)
        jobs.append(
            {
                "model": str(src),
                "out_dir": str(tmp_path / name),
                "inputs": [{"name": in_key, "file": str(xfile), "dtype": dtype, "shape": list(x.shape)}],
                "outputs": {k: v["name"] for k, v in sig["outputs"].items()},
            }
        )
        t0 = time.perf_counter()
        model = convert_tfjs(src)
        t_conv = time.perf_counter() - t0
        sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        (inp,) = sess.get_inputs()
        placeholder = spec["signature"]["inputs"][in_key]["name"].split(":")[0]
        assert inp.name == sanitize(placeholder)
        t0 = time.perf_counter()
        outs = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, {inp.name: x})))
        t_ort = time.perf_counter() - t0
        noise = _noise_floor(model, sess, inp.name, x, outs)
        n_transpose = sum(n.op_type == "Transpose" for n in model.graph.node)
        ours[name] = (outs, noise, img_name, t_conv, t_ort, n_transpose)

    jobs_file = tmp_path / "jobs.json"
    jobs_file.write_text(json.dumps(jobs))
    t0 = time.perf_counter()
    proc = subprocess.run(
        ["node", str(NODE_DIR / "run_tfjs.mjs"), str(jobs_file)],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    t_node = time.perf_counter() - t0
    assert proc.returncode == 0, f"TF.js run failed:\n{proc.stdout}\n{proc.stderr}"

    summary, failures = {}, []
    for job, name in zip(jobs, MODELS):
        meta = json.loads((Path(job["out_dir"]) / "outputs.json").read_text())
        outs, noise, img_name, t_conv, t_ort, n_transpose = ours[name]
        assert sorted(outs) == sorted(sanitize(k) for k in job["outputs"]), name
        per_out = {}
        for o in meta["outputs"]:
            ref = np.fromfile(o["file"], dtype=np.int32 if o["dtype"] == "int32" else np.float32).reshape(
                o["shape"]
            )
            got = outs[sanitize(o["key"])]
            assert got.shape == ref.shape, f"{name}/{o['key']}: shape {got.shape} != TF.js {ref.shape}"
            diff = float(np.max(np.abs(got.astype(np.float64) - ref))) if ref.size else 0.0
            span = float(ref.max() - ref.min()) if ref.size else 0.0
            scale = span if span > 0 else float(np.max(np.abs(ref))) if ref.size else 0.0
            rel = diff / scale if scale > 0 else diff
            floor = noise[sanitize(o["key"])]
            ok = diff <= TOL * scale or diff == 0.0
            per_out[sanitize(o["key"])] = {
                "max_abs_diff": diff,
                "tfjs_range": span,
                "rel_to_range": rel,
                "ort_noise_floor": floor,
                "shape": list(ref.shape),
                "within_tolerance": ok,
            }
            if not ok:
                per_out[sanitize(o["key"])]["noise_limited"] = diff <= 3 * floor
                if diff > 3 * floor:
                    failures.append(
                        f"{name}/{o['key']}: max |diff| {diff:.3g} > {TOL} × range {scale:.3g} "
                        f"(float32 noise floor {floor:.3g})"
                    )
        summary[name] = {
            "image": img_name,
            "max_abs_diff": max(v["max_abs_diff"] for v in per_out.values()),
            "max_rel_to_range": max(v["rel_to_range"] for v in per_out.values()),
            "outputs": per_out,
            "tfjs_ms": meta["run_ms"],
            "onnx_convert_s": round(t_conv, 3),
            "onnxruntime_s": round(t_ort, 3),
            "onnx_transposes": n_transpose,
        }
        print(
            f"{name:20s} max|diff| {summary[name]['max_abs_diff']:.3g}  "
            f"rel-to-range {summary[name]['max_rel_to_range']:.3g}  ({img_name})"
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "reference": f"@tensorflow/tfjs {meta.get('tfjs')} ({meta.get('backend')} backend, Node)",
                "tolerance": f"{TOL} x (max - min of the TF.js output)",
                "node_seconds": round(t_node, 1),
                "total_seconds": round(time.perf_counter() - t_start, 1),
                "models": summary,
            },
            indent=2,
        )
    )
    assert not failures, "\n".join(failures)
