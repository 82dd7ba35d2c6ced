"""The zoo record drives the pipelines: preprocessing and output names come from it, presets and
model names resolve to settings through a registry, and the contracts are Protocols."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from posekit.errors import ModelError
from posekit.pipeline import models as pipeline_models
from posekit.pipeline.base import Detections, Pipeline, RoiPipeline, RoiPoses
from posekit.pipeline.models import ZooModel, to_input
from posekit.pipeline.presets import build_pipeline, describe_presets, pipeline_settings, pose_model_names
from posekit.pipeline.registry import build, pipeline_names, settings_for_model
from posekit.pipeline.settings import (
    BlazePoseSettings,
    DetectorSettings,
    MultiPoseSettings,
    SinglePoseSettings,
    TopDownSettings,
)
from posekit.zoo import get_record
from posekit.zoo.records import RECORDS, Normalisation, Output

NANODET_NORM = get_record("nanodet").normalisation


def test_to_input_follows_the_normalisation():
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (4, 6, 3), dtype=np.uint8)
    x = to_input(pixels, NANODET_NORM)  # BGR, NCHW, (x - mean) / std
    assert x.shape == (1, 3, 4, 6) and x.dtype == np.float32 and x.flags.c_contiguous
    bgr = pixels[..., ::-1].astype(np.float32)
    expected = (bgr - np.array([103.53, 116.28, 123.675], np.float32)) / np.array(
        [57.375, 57.12, 58.395], np.float32
    )
    np.testing.assert_array_equal(x[0], expected.transpose(2, 0, 1))
    raw = to_input(pixels, get_record("movenet-thunder").normalisation)
    assert raw.dtype == np.int32 and raw.shape == (1, 4, 6, 3)
    np.testing.assert_array_equal(raw[0], pixels)
    unit = to_input(pixels, get_record("blazepose-full").normalisation)
    np.testing.assert_array_equal(unit[0], pixels.astype(np.float32) / 255.0)


def _tiny_onnx(path) -> None:
    """NCHW float input; outputs 'a' = x * 2 and 'b' = x + 1, each (1, 3, 2, 2)."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 2, 2])
    outs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3, 2, 2]) for n in ("a", "b")]
    two = helper.make_tensor("two", TensorProto.FLOAT, [], [2.0])
    one = helper.make_tensor("one", TensorProto.FLOAT, [], [1.0])
    nodes = [helper.make_node("Mul", ["x", "two"], ["a"]), helper.make_node("Add", ["x", "one"], ["b"])]
    graph = helper.make_graph(nodes, "tiny", [x], outs, initializer=[two, one])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))


def test_zoo_model_reads_preprocessing_and_output_names_from_the_record(tmp_path, monkeypatch):
    path = tmp_path / "tiny.onnx"
    _tiny_onnx(path)
    record = replace(
        get_record("nanodet"),
        name="tiny",
        input_size=(2, 2),
        normalisation=Normalisation(mean=(1.0, 2.0, 3.0), std=(2.0, 2.0, 2.0), channels="BGR", layout="NCHW"),
        outputs=(Output("double", "a", "x * 2"), Output("plus_one", "b", "x + 1")),
    )
    monkeypatch.setattr(pipeline_models, "get_record", lambda name: record)
    monkeypatch.setattr(pipeline_models, "model_path", lambda name: path)
    pixels = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    expected = ((pixels[..., ::-1] - np.array([1, 2, 3], np.float32)) / 2).transpose(2, 0, 1)[None]

    model = ZooModel("tiny", threads=1)
    assert model.size == (2, 2)
    out = model(pixels)
    assert set(out) == {"double", "plus_one"}
    np.testing.assert_allclose(out["double"], expected * 2)
    np.testing.assert_allclose(out["plus_one"], expected + 1)

    pruned = ZooModel("tiny", threads=1, roles=["plus_one"], prune=True)
    assert pruned.onnx.output_names == ["b"] and set(pruned(pixels)) == {"plus_one"}
    with pytest.raises(ModelError, match="no 'heatmaps' output"):
        ZooModel("tiny", roles=["heatmaps"])


def test_presets_are_settings_records():
    assert list(describe_presets())[:3] == ["default", "fast", "accurate"]
    default = pipeline_settings("default")
    assert default == pipeline_settings(None)
    assert isinstance(default, TopDownSettings)
    assert (
        default.detectors == (DetectorSettings("centernet", min_score=0.2),) and default.min_box_score == 0.2
    )
    assert pipeline_settings("accurate") == TopDownSettings(
        detectors=(DetectorSettings(min_score=0.05),), box_scale=(1.1, 1.25, 1.4)
    )
    assert pipeline_settings("fast") == MultiPoseSettings(long_side=384)
    assert pipeline_settings("blazepose-pip") == BlazePoseSettings(
        "mediapipe-pose-landmark-full", "mediapipe-pose-detector"
    )
    with pytest.raises(AttributeError):
        default.min_box_score = 0.5  # type: ignore[misc]  # frozen


def test_every_pose_model_names_a_registered_pipeline():
    assert set(pipeline_names()) >= {"topdown", "movenet-single", "movenet-multipose", "blazepose"}
    for record in RECORDS:
        if record.name in pose_model_names():
            settings = settings_for_model(record)
            assert settings.pipeline == record.pipeline
    assert pipeline_settings("movenet-lightning") == SinglePoseSettings(model="movenet-lightning")
    # a landmark model brings the detector its record names
    assert pipeline_settings("mediapipe-pose-landmark-full") == pipeline_settings("blazepose-pip")


def test_unknown_name_lists_presets_first_on_one_line():
    with pytest.raises(ModelError) as err:
        pipeline_settings("nonexistent")
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.index("Presets: default, fast, accurate") < msg.index("movenet-thunder")
    with pytest.raises(ModelError, match="Did you mean movenet-thunder"):
        pipeline_settings("movenet-thundr")
    with pytest.raises(ModelError, match=r"'centernet' is a person detector.*default, fast"):
        build_pipeline("centernet")


def test_settings_naming_the_wrong_kind_of_model_fail_before_loading():
    with pytest.raises(
        ModelError, match="'movenet-multipose' is a multi-pose model; this pipeline needs a single-pose model"
    ):
        build(TopDownSettings(pose="movenet-multipose"))
    with pytest.raises(ModelError, match="'blazepose-full' is not a person detector"):
        build(TopDownSettings(detectors=(DetectorSettings("blazepose-full"),)))


def test_multipose_padding_comes_from_the_record(monkeypatch):
    from posekit.pipeline import movenet

    record = get_record("movenet-multipose")
    assert record.input_size is None and record.input_multiple == 32
    with pytest.raises(ValueError, match="multiple of 32, got 400"):
        build(MultiPoseSettings(long_side=400))
    monkeypatch.setattr(movenet, "get_record", lambda name: replace(record, input_multiple=64))
    with pytest.raises(ValueError, match="multiple of 64, got 416"):
        build(MultiPoseSettings(long_side=416))


@pytest.mark.models
def test_pipelines_satisfy_the_protocols():
    from skimage import data

    image = data.astronaut()
    for name in ("default", "blazepose"):
        pipe = build_pipeline(name, threads=1)
        assert isinstance(pipe, RoiPipeline)
        result = pipe.run_rois(image, pipe.detect_rois(image))
        assert isinstance(result, RoiPoses) and len(result.poses) >= 1
        poses, next_rois = result  # still unpacks as the (poses, rois) pair video code expects
        assert len(next_rois) <= len(poses)
    fast = build_pipeline("fast", threads=1)
    assert isinstance(fast, Pipeline) and not isinstance(fast, RoiPipeline)
    detector = build_pipeline("default", threads=1).detectors[0]  # type: ignore[attr-defined]
    found = detector(image)
    assert isinstance(found, Detections) and found.boxes.shape == (len(found.scores), 4)
