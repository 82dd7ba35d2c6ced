"""User models end to end: tiny ONNX files built here with the real exports' input/output names, shapes
and dtypes → `posekit models add` → `--model NAME` with predict and track, verify and remove.

Each tiny model outputs a fixed tensor rendered from a known pose in its input's pixels (plus 0 × the
input's mean, so the output is computed from the input); the keypoints posekit reports must be that
pose mapped back through the pipeline's crop or letterbox, so the whole chain is checked exactly.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import cv2
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from skimage import data
from user_onnx_models import ALL, STANDING_POSE, tiny_onnx

from posekit.cli.main import main
from posekit.decode import heatmap, openpose, simcc, yolo_pose
from posekit.zoo import get_record, model_names

REAL_CACHE = Path(os.environ.get("POSEKIT_CACHE") or Path.home() / ".cache" / "posekit")

# a standing person in a 192×256 crop (COCO-17 order), used for the top-down kinds
CROP_POSE = STANDING_POSE + 0.3


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """An empty model cache of its own, with the real cache's CenterNet in it when it is there."""
    root = tmp_path / "cache"
    (root / "models").mkdir(parents=True)
    for ext in ("onnx", "json"):
        src = REAL_CACHE / "models" / f"centernet.{ext}"
        if src.exists():  # a hard link or a copy: the cache refuses symlinks that lead out of it
            try:
                os.link(src, root / "models" / f"centernet.{ext}")
            except OSError:
                shutil.copyfile(src, root / "models" / f"centernet.{ext}")
    monkeypatch.setenv("POSEKIT_CACHE", str(root))
    return root


@pytest.fixture
def astronaut(tmp_path) -> Path:
    path = tmp_path / "astronaut.png"
    cv2.imwrite(str(path), cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    return path


def _predict(image: Path, model: str, out: Path) -> list[dict]:
    assert main(["predict", str(image), "--model", model, "--out", str(out)]) == 0
    return json.loads(out.read_text())


def _image_kps(result: dict) -> np.ndarray:
    return (
        np.array(result["keypoints"], np.float64).reshape(17, 3)[:, :2] + 0.5
    )  # COCO pixel indices → posekit


def test_yolo_pose_end_to_end(tmp_path, cache, astronaut):
    # the person in the 640×640 letterboxed input; astronaut is 512×512, so input = 1.25 × image
    kps_in = np.array([[320 + 10 * np.cos(i), 200 + 20 * i] for i in range(17)], np.float64)
    box = np.array([250, 150, 400, 560], np.float64)
    out = yolo_pose.render_yolo_pose(box[None], kps_in[None], ALL[None], num_anchors=8400)
    f = tiny_onnx(tmp_path / "yolo11n-pose.onnx", "images", [1, 3, 640, 640], {"output0": out})
    assert (
        main(["models", "add", str(f), "--name", "my-yolo", "--kind", "yolo-pose", "--licence", "AGPL-3.0"])
        == 0
    )
    rec = get_record("my-yolo")
    assert rec.input_size == (640, 640) and rec.output("output") == "output0" and rec.licence == "AGPL-3.0"
    assert "my-yolo" in model_names()
    res = _predict(astronaut, "my-yolo", tmp_path / "p.json")
    assert len(res) == 1  # the two jittered duplicates are suppressed
    np.testing.assert_allclose(_image_kps(res[0]), kps_in / 1.25, atol=1e-3)
    assert main(["track", str(astronaut), "--model", "my-yolo", "--out", str(tmp_path / "t.csv")]) == 0
    assert len((tmp_path / "t.csv").read_text().splitlines()) == 2  # a header and the one person


def test_openpose_end_to_end_and_track(tmp_path, cache, astronaut):
    people = (CROP_POSE * 1.3 + [60, 20])[None]  # a standing person in the 368×368 input
    maps = openpose.render_openpose(people, ALL[None], (368, 368), openpose.BODY25)
    assert maps.shape == (1, 78, 46, 46)
    f = tiny_onnx(tmp_path / "body25.onnx", "image", [1, 3, 368, 368], {"net_output": maps})
    assert main(["models", "add", str(f), "--name", "op25", "--kind", "openpose"]) == 0
    rec = get_record("op25")
    assert rec.net_layout == "body25" and rec.normalisation.channels == "BGR"  # type: ignore[attr-defined]
    res = _predict(astronaut, "op25", tmp_path / "p.json")
    assert len(res) == 1
    np.testing.assert_allclose(_image_kps(res[0]), people[0] * 512 / 368, atol=1.5)  # 1.5 px: stride-8 maps

    frames = tmp_path / "frames"
    frames.mkdir()
    for i in range(3):
        cv2.imwrite(str(frames / f"{i:03d}.png"), cv2.imread(str(astronaut)))
    assert main(["track", str(frames), "--model", "op25", "--out", str(tmp_path / "t.json")]) == 0
    assert (tmp_path / "t.json").stat().st_size > 0


@pytest.mark.parametrize("kind", ["heatmap", "simcc"])
def test_topdown_kinds_end_to_end_and_track(tmp_path, cache, astronaut, kind):
    if not (cache / "models" / "centernet.onnx").exists():
        pytest.skip(f"the person detector is not in {REAL_CACHE} (run `posekit models fetch centernet`)")
    if kind == "heatmap":
        hm = heatmap.render_heatmaps(CROP_POSE, ALL, (192, 256), (48, 64))[None]
        f = tiny_onnx(tmp_path / "hrnet.onnx", "input", [1, 3, 256, 192], {"output": hm})
    else:
        sx, sy = simcc.render_simcc(CROP_POSE, ALL, (192, 256))
        f = tiny_onnx(
            tmp_path / "rtmpose.onnx", "input", [1, 3, 256, 192], {"simcc_x": sx[None], "simcc_y": sy[None]}
        )
    assert main(["models", "add", str(f), "--name", f"my-{kind}", "--kind", kind]) == 0
    res = _predict(astronaut, f"my-{kind}", tmp_path / "p.json")
    assert res, "the detector finds the astronaut"
    for r in res:
        got = _image_kps(r)
        # the crop is an axis-aligned scale + shift of the image: fit it and check the pose fits exactly
        a = np.c_[CROP_POSE.ravel(), np.tile([1.0, 0.0], 17), np.tile([0.0, 1.0], 17)]
        sol, *_ = np.linalg.lstsq(a, got.ravel(), rcond=None)
        assert sol[0] > 0
        assert (
            np.abs(a @ sol - got.ravel()).max() < 0.25 * sol[0]
        )  # a quarter of an input pixel (DARK near borders)
    assert main(["track", str(astronaut), "--model", f"my-{kind}", "--out", str(tmp_path / "t.jsonl")]) == 0


def test_verify_remove_and_clear_errors(tmp_path, cache, capsys):
    sx, sy = simcc.render_simcc(CROP_POSE, ALL, (192, 256))
    good = tiny_onnx(
        tmp_path / "rtm.onnx", "input", [1, 3, 256, 192], {"simcc_x": sx[None], "simcc_y": sy[None]}
    )
    # outputs that do not fit the kind: one line naming the file and what is wrong, exit 2, nothing recorded
    assert main(["models", "add", str(good), "--name", "wrong", "--kind", "heatmap"]) == 2
    err = capsys.readouterr().err
    assert "rtm.onnx" in err and "(1, 17, h, w)" in err and err.count("\n") == 1
    assert (
        main(["models", "add", str(good), "--name", "wrong", "--kind", "simcc", "--input-size", "288", "384"])
        == 2
    )
    assert "fixed at 192×256" in capsys.readouterr().err
    assert main(["models", "add", str(good), "--name", "default", "--kind", "simcc"]) == 2  # a preset's name
    assert main(["models", "add", str(tmp_path / "none.onnx"), "--name", "x", "--kind", "simcc"]) == 2
    (tmp_path / "bad.onnx").write_bytes(b"not onnx")
    assert main(["models", "add", str(tmp_path / "bad.onnx"), "--name", "x", "--kind", "simcc"]) == 2
    assert "not a readable ONNX model" in capsys.readouterr().err
    assert "wrong" not in model_names()

    assert main(["models", "add", str(good), "--name", "rtm", "--kind", "simcc"]) == 0
    assert main(["models", "add", str(good), "--name", "rtm", "--kind", "simcc"]) == 2  # taken
    capsys.readouterr()
    assert main(["models", "list", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert {"name": "rtm", "state": "added"}.items() <= next(
        m for m in listing["models"] if m["name"] == "rtm"
    ).items()
    assert main(["models", "verify"]) == 0
    onnx_file = cache / "models" / "rtm.onnx"
    onnx_file.write_bytes(onnx_file.read_bytes() + b"\0")
    assert main(["models", "verify"]) == 1
    assert "rtm.onnx: corrupt" in capsys.readouterr().out
    assert main(["predict", str(tmp_path / "none.png"), "--model", "rtm"]) == 2  # corrupt: refused
    assert main(["models", "remove", "rtm", "--source"]) == 0
    assert "rtm" not in model_names() and not onnx_file.exists()


def test_openpose_dynamic_input_size_and_wrong_outputs(tmp_path, cache, astronaut, capsys):
    # a graph with free height and width: stride-8 average pooling, then a 1×1 convolution to 57 channels
    w = np.zeros((57, 3, 1, 1), np.float32)
    nodes = [
        helper.make_node("AveragePool", ["image"], ["pooled"], kernel_shape=[8, 8], strides=[8, 8]),
        helper.make_node("Conv", ["pooled", "w"], ["net_output"]),
    ]
    graph = helper.make_graph(
        nodes,
        "openpose-dynamic",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, "height", "width"])],
        [helper.make_tensor_value_info("net_output", TensorProto.FLOAT, [1, 57, "h8", "w8"])],
        [numpy_helper.from_array(w, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(tmp_path / "coco.onnx"))
    assert main(["models", "add", str(tmp_path / "coco.onnx"), "--name", "op18", "--kind", "openpose"]) == 0
    rec = get_record("op18")
    assert rec.input_size is None and rec.net_layout == "coco18"  # type: ignore[attr-defined]
    assert _predict(astronaut, "op18", tmp_path / "p.json") == []  # runs at 368×368; empty maps: nobody
    capsys.readouterr()
    # a model of another kind is refused with what it has
    assert main(["models", "add", str(tmp_path / "coco.onnx"), "--name", "x", "--kind", "yolo-pose"]) == 2
    assert "(1, 56, anchors)" in capsys.readouterr().err
    hm = heatmap.render_heatmaps(CROP_POSE, ALL, (192, 256), (48, 64))[None]
    f = tiny_onnx(tmp_path / "hrnet.onnx", "input", [1, 3, 256, 192], {"output": hm})
    assert main(["models", "add", str(f), "--name", "x", "--kind", "openpose"]) == 2
    assert "78 or 57" in capsys.readouterr().err
    assert main(["models", "add", str(f), "--name", "x", "--kind", "heatmap", "--layout", "body25"]) == 2
