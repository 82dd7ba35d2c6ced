"""Pose2Sim's own demo (pose2sim==0.4.15, fetched into the cache): same 2D in, compare with its TRC."""

from __future__ import annotations

import re

import numpy as np
import pytest

from posekit.errors import InputError
from posekit.export.trc import read_trc, y_up_to_z_up


@pytest.fixture(scope="module")
def demo():
    from posekit.threed.demo_data import pose2sim_demo

    try:
        return pose2sim_demo("0.4.15") / "Pose2Sim/Demo"
    except InputError as exc:
        pytest.skip(f"Pose2Sim demo unavailable (needs `pip download pose2sim==0.4.15`): {exc}")


def pose2sim_to_posekit(name: str) -> str:
    """Pose2Sim's BODY_25B marker names (RHip, Neck, Head, ...) → our joint names."""
    special = {"Neck": "neck", "Head": "head_top", "Nose": "nose"}
    if name in special:
        return special[name]
    side = {"R": "right_", "L": "left_"}[name[0]]
    return side + re.sub(r"(?<!^)([A-Z])", r"_\1", name[1:]).lower()


def test_same_2d_agrees_with_pose2sim_trc(demo, tmp_path):
    from posekit.cli.main import main

    out = tmp_path / "x.trc"
    json = [str(demo / f"pose/cam{c}_json") for c in range(1, 5)]
    assert (
        main(
            [
                "triangulate",
                "--calib",
                str(demo / "calibration/Calib_qualisys.toml"),
                *json,
                "--fps",
                "60",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    ours, ref = read_trc(out), read_trc(demo / "opensim/Balancing_for_IK.trc")
    assert ours.positions.shape[0] == ref.positions.shape[0] == 100
    idx = [ours.marker_names.index(pose2sim_to_posekit(n)) for n in ref.marker_names]
    # Both files are Y up (OpenSim): compare directly, also after going back to the world's Z up.
    d = np.linalg.norm(ours.positions[:, idx] - ref.positions, axis=-1)
    assert np.isfinite(d).all()
    assert d.mean() < 0.010, f"mean distance to Pose2Sim {1000 * d.mean():.1f} mm"
    assert np.allclose(y_up_to_z_up(ref.positions)[..., 2].mean(), ref.positions[..., 1].mean())
