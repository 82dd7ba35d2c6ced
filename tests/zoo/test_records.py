"""The zoo records: typed, complete, and the single source the pipelines read."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace

import pytest

from posekit.errors import ModelError
from posekit.zoo import get_record, model_names
from posekit.zoo.records import RECORDS, ModelRecord, Normalisation, SourcePackage

SHA256 = re.compile(r"[0-9a-f]{64}")


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.name)
def test_record_is_complete(record: ModelRecord):
    assert SHA256.fullmatch(record.onnx_sha256), "the ONNX hash is written in the record"
    assert all(SHA256.fullmatch(f.sha256) for f in record.files)
    if record.input_size is None:
        assert record.input_multiple > 1
    else:
        w, h = record.input_size
        assert w > 0 and h > 0
    assert record.outputs and len(set(record.roles)) == len(record.roles)
    if record.task in ("pose-landmarks", "single-pose", "multi-pose"):
        assert record.pipeline and record.keypoint_layout
    if record.task == "pose-landmarks":
        assert get_record(record.detector or "").task == "pose-detector"
    if record.task == "pose-detector":
        assert record.pipeline is None


def test_fixed_value_fields_are_checked():
    rec = get_record("movenet-thunder")
    with pytest.raises(ValueError, match="task 'single_pose' is not one of"):
        replace(rec, task="single_pose")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="format"):
        replace(rec, format="caffe")  # type: ignore[arg-type]  (onnx is valid: user models)
    with pytest.raises(ValueError, match="client"):
        replace(rec.source, client="conda")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="layout"):
        Normalisation(layout="NHCW")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="int32 input takes the raw pixel values"):
        Normalisation(dtype="int32", std=(255.0, 255.0, 255.0))
    assert isinstance(rec.source, SourcePackage)


def test_outputs_by_role():
    rec = get_record("mediapipe-pose-landmark-full")
    assert rec.output("landmarks") == "Identity" and rec.output("world") == "Identity_4"
    assert get_record("blazepose-full").output("landmarks") == "ld_3d"
    with pytest.raises(ModelError, match=r"no 'boxes' output .*landmarks, world"):
        rec.output("boxes")


def test_model_names_are_the_records():
    assert model_names() == [r.name for r in RECORDS]
    with pytest.raises(ModelError, match="Did you mean movenet-thunder"):
        get_record("movenet-thundr")


def test_import_zoo_stays_light():
    """Listing or fetching models must not load OpenCV, Pillow, video code or the runtime."""
    code = (
        "import sys, posekit.zoo, posekit.zoo.store; "
        "print(sorted(m for m in ('cv2', 'PIL', 'av', 'onnxruntime', 'posekit.io') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_models_list_json_shows_what_the_pipelines_read(tmp_path):
    import json
    import os

    env = {**os.environ, "POSEKIT_CACHE": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-m", "posekit", "models", "list", "--json"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    rows = {m["name"]: m for m in json.loads(out.stdout)["models"]}
    nanodet = rows["nanodet"]
    assert nanodet["pipeline"] == "nanodet" and nanodet["input"] == "416x416"
    assert nanodet["normalisation"]["channels"] == "BGR" and nanodet["normalisation"]["layout"] == "NCHW"
    assert rows["mediapipe-pose-landmark-full"]["outputs"]["world"] == "Identity_4"
