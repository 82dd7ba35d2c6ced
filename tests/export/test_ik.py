"""OpenSim scaling and inverse kinematics wrappers: inputs checked before OpenSim runs, nothing left
behind on failure; the real run only where a Python with `opensim` is given (POSEKIT_OPENSIM_PYTHON)."""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

from posekit.errors import InputError
from posekit.export.ik import run_ik, scale_model


def test_missing_inputs_are_named(tmp_path):
    trc = tmp_path / "m.trc"
    trc.write_text("x")
    with pytest.raises(InputError, match="no such model file"):
        run_ik(trc, tmp_path / "none.osim", tmp_path / "setup.xml", tmp_path / "o.mot")
    with pytest.raises(InputError, match="no such static TRC file"):
        scale_model(trc, trc, tmp_path / "static.trc", tmp_path / "o.osim")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.trc"]


def test_without_opensim_the_message_says_how_to_get_it(tmp_path, monkeypatch):
    if importlib.util.find_spec("opensim") is not None:
        pytest.skip("opensim is importable here")
    monkeypatch.delenv("POSEKIT_OPENSIM_PYTHON", raising=False)
    files = [tmp_path / n for n in ("m.trc", "m.osim", "s.xml")]
    for f in files:
        f.write_text("x")
    with pytest.raises(InputError, match="pip install opensim"):
        run_ik(*files, tmp_path / "o.mot")
    with pytest.raises(InputError, match="pip install opensim"):
        scale_model(files[2], files[1], files[0], tmp_path / "o.osim")
    assert not (tmp_path / "o.mot").exists() and not (tmp_path / "o.osim").exists()


def test_a_failing_opensim_run_leaves_no_file(tmp_path):
    files = [tmp_path / n for n in ("m.trc", "m.osim", "s.xml")]
    for f in files:
        f.write_text("not what OpenSim reads")
    # this interpreter stands in for OpenSim's: the script fails at `import opensim` (or on the files)
    with pytest.raises(InputError, match="OpenSim inverse kinematics failed"):
        run_ik(*files, tmp_path / "o.mot", python=sys.executable, timeout=120)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.osim", "m.trc", "s.xml"]


@pytest.mark.skipif(
    not os.environ.get("POSEKIT_OPENSIM_PYTHON"), reason="set POSEKIT_OPENSIM_PYTHON to run OpenSim"
)
def test_scale_then_ik_on_pose2sim_demo(tmp_path):
    from posekit.export.mot import read_mot
    from posekit.threed import demo_data

    try:
        p2s = demo_data.pose2sim_demo("0.4.15") / "Pose2Sim/Demo/opensim"
    except InputError as e:
        pytest.skip(f"Pose2Sim 0.4.15 demo not available: {e}")
    scaled = tmp_path / "scaled.osim"
    scale_model(
        p2s / "Scaling_Setup_Pose2Sim_Body25b.xml",
        p2s / "Model_Pose2Sim_Body25b.osim",
        p2s / "Standing_for_Scaling.trc",
        scaled,
    )
    assert scaled.stat().st_size > 1000
    out = tmp_path / "ik.mot"
    run_ik(p2s / "Balancing_for_IK.trc", scaled, p2s / "IK_Setup_Pose2Sim_Body25b.xml", out, end=0.2)
    times, cols = read_mot(out)
    assert len(times) == 12 and abs(times[-1] - 0.2) < 1e-6
    assert 0 < cols["knee_angle_r"].mean() < 90  # a standing/balancing knee, in degrees
