"""Angles on hand-built poses whose angles are known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from posekit.analysis.angles import ANGLES, compute_angles, compute_angles_3d, raw_angle
from posekit.errors import InputError
from posekit.layouts import get_layout

BP = get_layout("blazepose33")


def pose(**points: tuple[float, float]) -> np.ndarray:
    """One BlazePose frame facing right (+x): a standing person, feet flat, arms hanging; override points."""
    base = {
        "nose": (0, -160), "left_shoulder": (0, -100), "right_shoulder": (0, -100),
        "left_elbow": (0, -50), "right_elbow": (0, -50), "left_wrist": (0, 0), "right_wrist": (0, 0),
        "left_index": (0, 20), "right_index": (0, 20), "left_hip": (0, 0), "right_hip": (0, 0),
        "left_knee": (0, 100), "right_knee": (0, 100), "left_ankle": (0, 200), "right_ankle": (0, 200),
        "left_heel": (-10, 210), "right_heel": (-10, 210), "left_foot_index": (30, 210),
        "right_foot_index": (30, 210),
    }  # fmt: skip
    base.update(points)
    kp = np.full((1, len(BP), 2), np.nan)
    for name, xy in base.items():
        kp[0, BP.index(name)] = xy
    return kp + 500.0  # away from the origin, so "outside the image" is not triggered by accident


def angle(kp: np.ndarray, name: str, **kw) -> float:
    return float(compute_angles(kp, "blazepose33", **kw)[name][0])


def test_standing_pose_is_neutral():
    a = compute_angles(pose(), "blazepose33")
    for n in ("right knee", "left knee", "right hip", "right ankle", "right elbow", "right shoulder"):
        assert a[n][0] == pytest.approx(0, abs=1e-9), n
    assert a["trunk"][0] == pytest.approx(90)
    assert a["right thigh"][0] == pytest.approx(-90)
    assert a["right shank"][0] == pytest.approx(-90)
    assert a["right foot"][0] == pytest.approx(0, abs=1e-9)  # foot flat, toes forward


def test_knee_and_hip_flexion_90():
    kp = pose(right_knee=(100, 0), right_ankle=(100, 100), right_foot_index=(130, 110), right_heel=(90, 110))
    assert angle(kp, "right knee") == pytest.approx(90)
    assert angle(kp, "right hip") == pytest.approx(90)
    assert angle(kp, "right thigh") == pytest.approx(0)  # thigh pointing forward-horizontal
    assert angle(kp, "left knee") == pytest.approx(0, abs=1e-9)


def test_knee_flexion_45_and_hyperextension_sign():
    c = np.cos(np.radians(45)) * 100
    kp = pose(right_knee=(c, c))  # thigh 45 deg forward, shank vertical below the knee
    kp[0, BP.index("right_ankle")] = kp[0, BP.index("right_knee")] + (0, 100)
    assert angle(kp, "right knee") == pytest.approx(45)
    back = pose(right_knee=(-c, c))  # knee behind the hip-ankle line: negative flexion
    back[0, BP.index("right_ankle")] = back[0, BP.index("right_knee")] + (0, 100)
    assert angle(back, "right knee") == pytest.approx(-45)


def test_elbow_shoulder_and_ankle():
    kp = pose(
        right_elbow=(50, -100), right_wrist=(50, -150), right_index=(50, -170)
    )  # arm forward, forearm up
    assert angle(kp, "right shoulder") == pytest.approx(90)
    assert angle(kp, "right elbow") == pytest.approx(90)
    assert angle(kp, "right arm") == pytest.approx(0)
    assert angle(kp, "right forearm") == pytest.approx(90)
    # toes lifted 30 deg: dorsiflexion +30
    t = np.radians(30)
    kp = pose(right_foot_index=(-10 + 40 * np.cos(t), 210 - 40 * np.sin(t)))
    assert angle(kp, "right ankle") == pytest.approx(30)


def test_facing_left_is_mirrored_like_sports2d():
    right = pose(right_knee=(100, 0), right_ankle=(100, 100))
    left = right.copy()
    left[..., 0] = 1000 - left[..., 0]  # the same person facing -x
    a, b = compute_angles(right, "blazepose33"), compute_angles(left, "blazepose33")
    assert b.side[0] == "left" and a.side[0] == "right"
    np.testing.assert_allclose(a.values, b.values, atol=1e-9)


def test_untrustworthy_points_are_nan():
    kp = pose()
    scores = np.ones(kp.shape[:2])
    scores[0, BP.index("right_knee")] = 0.1
    a = compute_angles(kp, "blazepose33", scores=scores, min_score=0.3)
    assert np.isnan(a["right knee"][0]) and np.isnan(a["right hip"][0]) and np.isfinite(a["left knee"][0])
    out = compute_angles(
        kp, "blazepose33", image_size=(650, 1000)
    )  # ankles (y 700) are below a 650-high image
    assert np.isnan(out["right knee"][0]) and np.isfinite(out["trunk"][0])


def test_coco17_has_no_foot_angles_and_defaults_right():
    kp = pose()[:, [BP.index(n) for n in get_layout("coco17").keypoint_names]]
    a = compute_angles(kp, "coco17")
    assert "right ankle" not in a.names and "right knee" in a.names
    assert a["right knee"][0] == pytest.approx(0, abs=1e-9)


def test_bad_inputs_raise():
    with pytest.raises(InputError):
        compute_angles(np.zeros((3, 33)), "blazepose33")
    with pytest.raises(InputError):
        compute_angles(pose(), "blazepose33", names=("right nose",))


def test_raw_angle_matches_pose2sim_conventions():
    # 2 points: direction of a - b against +x, y down in images
    assert raw_angle([np.array([0.0, 1.0]), np.array([0.0, 0.0])]) == pytest.approx(90)
    # 3D angles are unsigned
    assert raw_angle([np.array([[1.0, 0, 0]]), np.zeros((1, 3)), np.array([[0, 1.0, 0]])])[
        0
    ] == pytest.approx(90)
    assert set(ANGLES) >= {"right knee", "trunk", "left forearm", "pelvis"}


def world_pose(**points) -> np.ndarray:
    """BlazePose world (y down, person facing the camera at -z); right side at -x."""
    base = {
        "left_hip": (0.1, 0, 0),
        "right_hip": (-0.1, 0, 0),
        "left_shoulder": (0.15, -0.5, 0),
        "right_shoulder": (-0.15, -0.5, 0),
        "left_knee": (0.1, 0.45, 0),
        "right_knee": (-0.1, 0.45, 0),
        "left_ankle": (0.1, 0.9, 0),
        "right_ankle": (-0.1, 0.9, 0),
        "left_elbow": (0.15, -0.2, 0),
        "right_elbow": (-0.15, -0.2, 0),
        "left_wrist": (0.15, 0.05, 0),
        "right_wrist": (-0.15, 0.05, 0),
    }
    base.update(points)
    w = np.zeros((1, len(BP), 3))
    for n, v in base.items():
        w[0, BP.index(n)] = v
    return w


def test_3d_flexion_and_abduction():
    a = compute_angles_3d(world_pose())
    for n in a.names:
        assert a[n][0] == pytest.approx(0, abs=1e-6), n
    # right thigh forward (towards the camera, -z) and knee bent 90: hip flexion 90, knee flexion 90
    w = world_pose(right_knee=(-0.1, 0, -0.45), right_ankle=(-0.1, 0.45, -0.45))
    a = compute_angles_3d(w)
    assert a["right hip flexion"][0] == pytest.approx(90)
    assert a["right knee flexion"][0] == pytest.approx(90)
    # left arm raised sideways to horizontal: abduction 90
    a = compute_angles_3d(world_pose(left_elbow=(0.45, -0.5, 0), left_wrist=(0.7, -0.5, 0)))
    assert a["left shoulder abduction"][0] == pytest.approx(90)
    assert a["left shoulder flexion"][0] == pytest.approx(0, abs=1e-6)
    # trunk leaning forward 30 deg
    t = np.radians(30)
    lean = (0.5 * np.sin(t), -0.5 * np.cos(t))
    a = compute_angles_3d(
        world_pose(left_shoulder=(0.15, lean[1], -lean[0]), right_shoulder=(-0.15, lean[1], -lean[0]))
    )
    assert a["trunk flexion"][0] == pytest.approx(30)


def test_summary_range_of_motion():
    kp = np.concatenate([pose(), pose(right_knee=(100, 0), right_ankle=(100, 100))])
    s = compute_angles(kp, "blazepose33").summary()["right knee"]
    assert s["range_of_motion"] == pytest.approx(90) and s["valid"] == 1.0
