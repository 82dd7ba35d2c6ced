"""`analyze` on 3D markers (.trc, as `posekit triangulate` writes them): 3D angles, gait in metres."""

from __future__ import annotations

import json

import numpy as np
import pytest

from posekit.analysis import analyze
from posekit.analysis.world_results import read_trc_frames, vertical_axis
from posekit.cli.main import main
from posekit.errors import InputError
from posekit.export.trc import write_trc
from posekit.layouts import get_layout

from .synth import BP
from .test_gait import walk

M_PER_PX = 0.005  # the synthetic walk's pixels become metres at this scale


def walk_3d(fps: float = 60.0) -> np.ndarray:
    """The synthetic side-view walk (120 px/s) as (T, 33, 3) metres in a Z-up world: x forward, y lateral."""
    kp, _ = walk(fps=fps)
    lateral = np.array(
        [0.1 if n.startswith("left") else -0.1 if n.startswith("right") else 0.0 for n in BP.keypoint_names]
    )
    return np.stack(
        [kp[..., 0] * M_PER_PX, np.broadcast_to(lateral, kp.shape[:2]), (1000 - kp[..., 1]) * M_PER_PX],
        axis=-1,
    )


def test_trc_is_analysed_in_3d_with_gait_in_metres(tmp_path):
    path = tmp_path / "walk.trc"
    write_trc(path, walk_3d(), BP.keypoint_names, 60.0, y_up=True)  # as posekit triangulate writes it
    frames = read_trc_frames(path)
    world = np.stack([p.world[0] for _, _, p in frames])
    assert vertical_axis(world, get_layout("blazepose33")) == (1, 1.0)  # Y up in the file
    res = analyze(path, gait="position", angles=True, out=tmp_path / "o")
    g = res.summary["gait"]["1"]
    assert g["scale"]["from"] == "world"
    assert g["speed_m_per_s"] == pytest.approx(120 * M_PER_PX, rel=0.06)
    assert g["cadence_steps_per_min"] == pytest.approx(60 / 0.55, rel=0.02)  # test_gait's STRIDE = 1.1 s
    assert "3d" in res.summary["angles"]["1"]
    assert "m/s" in (tmp_path / "o" / "report.html").read_text()


def test_trc_of_other_names_is_refused(tmp_path):
    path = tmp_path / "other.trc"
    write_trc(path, np.zeros((5, 3, 3)), ["RHip", "RKnee", "RAnkle"], 30.0)
    with pytest.raises(InputError, match="not named as a posekit layout"):
        analyze(path, gait=True)


def test_cli_trc(tmp_path, capsys):
    path = tmp_path / "walk.trc"
    write_trc(path, walk_3d(30.0), BP.keypoint_names, 30.0, y_up=True, units="mm")
    assert main(["analyze", str(path), "--out", str(tmp_path / "o"), "--gait", "--angles"]) == 0
    g = json.loads((tmp_path / "o" / "summary.json").read_text())["gait"]["1"]
    assert g["speed_m_per_s"] == pytest.approx(120 * M_PER_PX, rel=0.06)


def test_trc_without_shoulders_or_without_data(tmp_path):
    legs = [i for i, n in enumerate(BP.keypoint_names) if n.split("_")[-1] in ("hip", "knee", "ankle")]
    path = tmp_path / "legs.trc"
    write_trc(path, walk_3d()[:, legs], [BP.keypoint_names[i] for i in legs], 60.0)  # Z up, no shoulders
    world = np.stack([p.world[0] for _, _, p in read_trc_frames(path)])
    assert vertical_axis(world, get_layout("blazepose33")) == (2, 1.0)  # up found from the hips
    empty = tmp_path / "empty.trc"
    write_trc(empty, np.full((20, len(legs), 3), np.nan), [BP.keypoint_names[i] for i in legs], 30.0)
    with pytest.raises(InputError, match=r"empty.trc: the ankles are never seen"):
        analyze(empty, gait=True)
