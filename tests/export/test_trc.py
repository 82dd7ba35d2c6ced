from __future__ import annotations

import numpy as np
import pytest

from posekit.errors import InputError
from posekit.export.trc import read_trc, write_trc, y_up_to_z_up, z_up_to_y_up


def test_round_trip_with_gaps_and_units(tmp_path):
    rng = np.random.default_rng(0)
    pos = rng.normal(size=(7, 3, 3))
    pos[2, 1] = np.nan
    names = ["right_hip", "left_hip", "nose"]
    for units in ("m", "mm"):
        out = tmp_path / f"a_{units}.trc"
        write_trc(out, pos, names, 60.0, units=units)
        got = read_trc(out)
        assert got.units == units and got.fps == 60.0 and got.marker_names == names
        assert got.positions.shape == (7, 3, 3)
        assert np.isnan(got.positions[2, 1]).all() and np.isfinite(got.positions[2, 0]).all()
        np.testing.assert_allclose(got.positions, pos, atol=2e-6 if units == "m" else 1e-9, equal_nan=True)
        np.testing.assert_allclose(got.times, np.arange(7) / 60.0, atol=1e-6)
        assert got.frame_numbers.tolist() == list(range(1, 8))
        np.testing.assert_allclose(got.marker("nose"), pos[:, 2], atol=2e-6, equal_nan=True)


def test_y_up_rotation_is_a_rotation(tmp_path):
    p = np.array([[[1.0, 2.0, 3.0]]])
    q = z_up_to_y_up(p)
    assert q.tolist() == [[[2.0, 3.0, 1.0]]]  # world up (z) becomes TRC's y
    np.testing.assert_array_equal(y_up_to_z_up(q), p)
    perm = np.eye(3)[[1, 2, 0]]
    assert np.isclose(np.linalg.det(perm), 1.0)
    write_trc(tmp_path / "y.trc", p, ["a"], 30, y_up=True)
    np.testing.assert_allclose(read_trc(tmp_path / "y.trc").positions, q, atol=1e-6)


def test_bad_input_leaves_no_file(tmp_path):
    out = tmp_path / "bad.trc"
    with pytest.raises(InputError):
        write_trc(out, np.zeros((2, 3, 3)), ["a", "b"], 60)
    with pytest.raises(InputError):
        write_trc(out, np.zeros((2, 2, 3)), ["a", "a"], 60)
    with pytest.raises(InputError):
        write_trc(out, np.zeros((2, 2, 3)), ["a", "b"], 0)
    assert not out.exists() and not list(tmp_path.iterdir())
    (tmp_path / "x.trc").write_text("hello\n")
    with pytest.raises(InputError):
        read_trc(tmp_path / "x.trc")
    with pytest.raises(InputError):
        read_trc(tmp_path / "missing.trc")


def test_reads_pose2sim_trc():
    from posekit.threed.demo_data import pose2sim_demo

    try:
        root = pose2sim_demo("0.4.15")
    except InputError as exc:
        pytest.skip(f"Pose2Sim demo unavailable: {exc}")
    trc = read_trc(root / "Pose2Sim/Demo/opensim/Balancing_for_IK.trc")
    assert trc.positions.shape == (100, 21, 3) and trc.fps == 60
    assert trc.marker_names[:3] == ["RHip", "RKnee", "RAnkle"]
    assert np.isfinite(trc.positions).all()
    # Y up: the hips are about 0.9 m above the heels
    assert 0.6 < np.mean(trc.marker("RHip")[:, 1] - trc.marker("RHeel")[:, 1]) < 1.1
