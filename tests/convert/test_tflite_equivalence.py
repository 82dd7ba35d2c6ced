"""Our TFLite → ONNX conversion of the MediaPipe pose models against LiteRT, on real photos.

Every output must match LiteRT within 1e-3 × (max − min of LiteRT's output); the largest absolute and
range-relative differences are written to out/conversion_equivalence_tflite.json and printed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from posekit.convert.tflite import convert_tflite, sanitize

litert = pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert (LiteRT) is not installed")
ort = pytest.importorskip("onnxruntime")

pytestmark = pytest.mark.models

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "out" / "conversion_equivalence_tflite.json"
SHARED_IMAGES = REPO.parent / "shared" / "data" / "posebench-dev" / "images"
TOL = 1e-3

# name -> (input size, input value range)
MODELS = {
    "mediapipe-pose-detector": (224, (-1.0, 1.0)),
    "mediapipe-pose-landmark-full": (256, (0.0, 1.0)),
}


def _tflite_source(name: str) -> Path:
    from posekit.zoo import source_path

    return Path(source_path(name))


def _images() -> dict[str, np.ndarray]:
    from skimage import data, io

    images = {"astronaut": data.astronaut()}
    if SHARED_IMAGES.is_dir():
        photos = sorted(SHARED_IMAGES.rglob("*.jpg"))
        if photos:
            img = io.imread(photos[0])
            if img.ndim == 2:
                img = np.stack([img] * 3, axis=-1)
            images[photos[0].name] = img[..., :3]
    return images


def _prepare(img: np.ndarray, size: int, lo: float, hi: float) -> np.ndarray:
    from skimage.transform import resize

    x = resize(img, (size, size), anti_aliasing=True, preserve_range=False).astype(np.float32)  # [0, 1]
    return (lo + (hi - lo) * x)[None].astype(np.float32)


def _run_litert(path: Path, x: np.ndarray) -> dict[str, np.ndarray]:
    interp = litert.Interpreter(model_path=str(path))
    interp.allocate_tensors()
    (inp,) = interp.get_input_details()
    interp.set_tensor(inp["index"], x)
    interp.invoke()
    return {sanitize(d["name"]): interp.get_tensor(d["index"]).copy() for d in interp.get_output_details()}


def _scale(ref: np.ndarray) -> float:
    """LiteRT's output range (for a constant or one-element output: its magnitude, at least 1)."""
    rng = float(ref.max() - ref.min())
    return rng if rng > 0 else max(float(np.abs(ref).max()), 1.0)


@pytest.fixture(scope="module")
def report():
    results: dict = {}
    yield results
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


@pytest.mark.parametrize("name", sorted(MODELS))
def test_matches_litert(name, report):
    size, (lo, hi) = MODELS[name]
    path = _tflite_source(name)
    model = convert_tflite(path)
    assert model.SerializeToString() == convert_tflite(path).SerializeToString(), (
        "conversion is not deterministic"
    )
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["source_format"] == "tflite" and meta["converter_version"]

    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    (inp,) = sess.get_inputs()
    assert inp.shape[1:] == [size, size, 3]
    out_names = [o.name for o in sess.get_outputs()]

    images = _images()
    batch = np.concatenate([_prepare(img, size, lo, hi) for img in images.values()])
    # The whole batch in one ONNX run (symbolic batch), each image separately in LiteRT.
    ours_batch = dict(zip(out_names, sess.run(None, {inp.name: batch})))

    stats: dict = {}
    failures = []
    for b, image_name in enumerate(images):
        ref = _run_litert(path, batch[b : b + 1])
        assert sorted(ref) == sorted(out_names)
        for out in out_names:
            got, want = ours_batch[out][b : b + 1], ref[out]
            assert got.shape == want.shape, (out, got.shape, want.shape)
            scale = _scale(want)
            diff = float(np.abs(got.astype(np.float64) - want).max())
            s = stats.setdefault(out, {"max_abs_diff": 0.0, "max_rel_diff": 0.0, "litert_range": 0.0})
            s["max_abs_diff"] = max(s["max_abs_diff"], diff)
            s["max_rel_diff"] = max(s["max_rel_diff"], diff / scale)
            s["litert_range"] = max(s["litert_range"], float(want.max() - want.min()))
            if diff > TOL * scale:
                failures.append(f"{out} on {image_name}: max |diff| {diff:.3g} > {TOL} × {scale:.3g}")
    report[name] = {"source": path.name, "images": list(images), "tolerance_rel": TOL, "outputs": stats}
    for out, s in stats.items():
        print(
            f"{name}/{out}: max abs diff {s['max_abs_diff']:.3g}, "
            f"range-relative {s['max_rel_diff']:.3g} (LiteRT range {s['litert_range']:.3g})"
        )
    assert not failures, "; ".join(failures)
