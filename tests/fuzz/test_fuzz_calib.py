"""Fuzzed calibration files: Pose2Sim/anipose TOML, Qualisys .qca.txt and OpenCV YAML (EasyMocap)."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import tomli_w
import tomllib
from fuzz_harness import FUZZ, check, mutated_bytes, mutated_tree, scratch
from hypothesis import assume, example, given
from hypothesis import strategies as st

from posekit.threed.calib_io import read_calibration, write_opencv, write_toml
from posekit.threed.camera import Calibration, Camera


def calibration() -> Calibration:
    cams = [
        Camera(
            f"cam_0{i}",
            (640, 480),
            np.array([[500.0, 0, 320], [0, 500, 240], [0, 0, 1]]),
            np.array([0.01, -0.02, 0.001, 0.0]),
            np.array([0.1 * i, 0.2, 0.0]),
            np.array([0.0, 0.0, 3.0 + i]),
        )
        for i in (1, 2)
    ]
    return Calibration(cams, {"adjusted": False, "error": 0.0})


def _valid() -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as d:
        write_toml(Path(d) / "c.toml", calibration())
        write_opencv(Path(d) / "intri.yml", Path(d) / "extri.yml", calibration())
        return {
            ".toml": (Path(d) / "c.toml").read_bytes(),
            ".yml": (Path(d) / "intri.yml").read_bytes(),
            "extri": (Path(d) / "extri.yml").read_bytes(),
        }


VALID = _valid()
# A Qualisys calibration as their software writes it (two Miqus cameras; intrinsics in 1/64 px).
QCA = b"""<?xml version="1.0" encoding="UTF-8"?>
<calibration source="fuzz" created="2024-01-01">
  <cameras>
    <camera active="1" serial="101" model="Miqus Video">
      <fov_video left="0" top="0" right="1919" bottom="1087"/>
      <transform x="1000.5" y="-200.0" z="1500.0" r11="1" r12="0" r13="0" r21="0" r22="1" r23="0"
        r31="0" r32="0" r33="1"/>
      <intrinsic focalLengthU="102400" focalLengthV="102400" centerPointU="61440" centerPointV="34816"
        radialDistortion1="-0.05" radialDistortion2="0.14" tangentalDistortion1="0" tangentalDistortion2="0"/>
    </camera>
    <camera active="1" serial="102" model="Miqus Video">
      <fov_video left="0" top="0" right="1919" bottom="1087"/>
      <transform x="-1000.5" y="-200.0" z="1500.0" r11="0" r12="-1" r13="0" r21="1" r22="0" r23="0"
        r31="0" r32="0" r33="1"/>
      <intrinsic focalLengthU="102400" focalLengthV="102400" centerPointU="61440" centerPointV="34816"
        radialDistortion1="-0.05" radialDistortion2="0.14" tangentalDistortion1="0" tangentalDistortion2="0"/>
    </camera>
  </cameras>
</calibration>
"""
VALID[".qca.txt"] = QCA


def _read(blob: bytes, suffix: str, extri: bytes | None = None) -> None:
    with scratch() as d:
        path = d / f"calib{suffix}"
        path.write_bytes(blob)
        ext = None
        if extri is not None:
            ext = d / "extri.yml"
            ext.write_bytes(extri)
        names = (path.name,) if ext is None else (path.name, ext.name)
        calib = check("calibration " + suffix, names, lambda: read_calibration(path, ext))
        if calib is not None:
            assert isinstance(calib, Calibration) and len(calib) > 0
            for cam in calib.cameras:
                assert cam.matrix.shape == (3, 3) and cam.rotation.shape == (3,)


def _cases() -> st.SearchStrategy[tuple[str, bytes]]:
    kinds = [".toml", ".yml", ".qca.txt"]
    return st.sampled_from(kinds).flatmap(lambda s: st.tuples(st.just(s), mutated_bytes(VALID[s])))


@FUZZ
@given(case=_cases())
@example(case=(".yml", b"%YAML:1.0\n---\n- 1\n"))  # bug: cv2.error (a sequence at the top, not a map)
@example(case=(".yml", b"%YAML:1.0\n---\nnames: [\n"))  # bug: SystemError from cv2.FileStorage
@example(case=(".qca.txt", QCA.replace(b'encoding="UTF-8"', b'encoding="x"')))  # bug: LookupError
def test_mutated_bytes(case: tuple[str, bytes]) -> None:
    suffix, blob = case
    _read(blob, suffix, VALID["extri"] if suffix == ".yml" else None)


TOML_DOC = tomllib.loads(VALID[".toml"].decode())
# TOML has no null: the bad values it can hold
TOML_BAD = ["x", "", -1, 0, 1e308, math.nan, math.inf, -math.inf, 2**62, True, [], {}, [[1.0]]]


@FUZZ
@given(doc=mutated_tree(TOML_DOC, TOML_BAD))
@example(doc={**TOML_DOC, "cam_01": {**TOML_DOC["cam_01"], "matrix": [[0.0] * 3] * 3}})  # bug: unnamed file
@example(doc={**TOML_DOC, "cam_01": {**TOML_DOC["cam_01"], "fisheye": {}}})
def test_mutated_toml_fields(doc: dict) -> None:
    assume(isinstance(doc, dict))  # a TOML document is a table
    _read(tomli_w.dumps(doc).encode(), ".toml")


QCA_BAD = ["", "x", "nan", "inf", "-1", "0", "1e400", "1e308"]


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(QCA_BAD)), min_size=1, max_size=3))
def test_mutated_qca_attributes(edits: list[tuple[int, str]]) -> None:
    text = QCA.decode()
    spans = [(i, text.index('"', i + 1)) for i in range(len(text)) if text[i] == '"' and text[i - 1] == "="]
    for k, bad in edits:
        start, end = spans[k % len(spans)]
        text = text[: start + 1] + bad + text[end:]
        spans = [
            (i, text.index('"', i + 1)) for i in range(len(text)) if text[i] == '"' and text[i - 1] == "="
        ]
    _read(text.encode(), ".qca.txt")


@FUZZ
@given(extri=mutated_bytes(VALID["extri"]))
def test_mutated_opencv_extrinsics(extri: bytes) -> None:
    _read(VALID[".yml"], ".yml", extri)
