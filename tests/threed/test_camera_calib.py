from __future__ import annotations

import numpy as np
import pytest

from posekit.errors import InputError
from posekit.threed.calib_io import read_calibration, write_opencv, write_toml
from posekit.threed.demo_data import pose2sim_demo


def test_project_undistort_round_trip(rig):
    pts = np.random.default_rng(1).uniform([-1, -1, 0], [1, 1, 2], size=(50, 3))
    for cam in rig.cameras:
        px = cam.project(pts)
        norm = cam.undistort(px)
        c = pts @ cam.R.T + cam.translation
        np.testing.assert_allclose(norm, c[:, :2] / c[:, 2:], atol=1e-7)
    # half-pixel convention: the principal point projects to cx + 0.5 in posekit pixels
    cam = rig[0]
    on_axis = cam.center + 3 * cam.R[2]
    np.testing.assert_allclose(cam.project(on_axis[None])[0], cam.matrix[:2, 2] + 0.5, atol=1e-6)
    # behind the camera: no image
    assert np.isnan(cam.project((cam.center - cam.R[2])[None])).all()


def test_toml_and_opencv_round_trip(rig, tmp_path):
    write_toml(tmp_path / "c.toml", rig)
    back = read_calibration(tmp_path / "c.toml")
    assert back.names == rig.names
    for a, b in zip(rig.cameras, back.cameras):
        np.testing.assert_allclose(a.matrix, b.matrix)
        np.testing.assert_allclose(a.rotation, b.rotation)
        np.testing.assert_allclose(a.translation, b.translation)
        np.testing.assert_allclose(a.distortions, b.distortions)
        assert a.size == b.size
    write_opencv(tmp_path / "intri.yml", tmp_path / "extri.yml", rig)
    cv = read_calibration(tmp_path / "intri.yml", tmp_path / "extri.yml")
    for a, b in zip(rig.cameras, cv.cameras):
        np.testing.assert_allclose(a.R, b.R, atol=1e-9)
        np.testing.assert_allclose(a.translation, b.translation, atol=1e-9)
        assert a.size == b.size


def test_bad_calibration_files(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_calibration(tmp_path / "nope.toml")
    (tmp_path / "a.toml").write_text(
        '[cam_01]\nname = "c"\nsize = [10.0]\ndistortions = [0, 0, 0, 0]\n'
        "matrix = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]\n"
    )
    with pytest.raises(InputError, match="'size' must have 2 values"):
        read_calibration(tmp_path / "a.toml")
    (tmp_path / "a.toml").write_text('[cam_01]\nname = "c"\nsize = [10.0, 10.0]\n')
    with pytest.raises(InputError, match="missing 'distortions'"):
        read_calibration(tmp_path / "a.toml")
    (tmp_path / "b.toml").write_text("[metadata]\nerror = 0.0\n")
    with pytest.raises(InputError, match="no camera"):
        read_calibration(tmp_path / "b.toml")
    (tmp_path / "c.txt").write_text("x")
    with pytest.raises(InputError, match="unknown calibration format"):
        read_calibration(tmp_path / "c.txt")


def test_qca_conversion_matches_pose2sim_toml():
    try:
        root = pose2sim_demo("0.4.15") / "Pose2Sim/Demo/calibration"
    except InputError as exc:
        pytest.skip(f"Pose2Sim demo unavailable: {exc}")
    toml = read_calibration(root / "Calib_qualisys.toml")
    qca = read_calibration(root / "Calib.qca.txt")
    from posekit.threed.calib_io import read_qca

    compat = read_qca(root / "Calib.qca.txt", pose2sim_distortions=True)
    assert qca.names == toml.names
    for a, b in zip(toml.cameras, qca.cameras):
        np.testing.assert_allclose(a.matrix, b.matrix, rtol=1e-9)
        np.testing.assert_allclose(a.R, b.R, atol=1e-9)
        np.testing.assert_allclose(a.translation, b.translation, atol=1e-9)
        np.testing.assert_allclose(a.distortions * 64, b.distortions, rtol=1e-9)  # see read_qca
        np.testing.assert_allclose(
            a.distortions, compat.cameras[toml.names.index(a.name)].distortions, rtol=1e-9
        )
        assert a.size == b.size == (1088.0, 1920.0)
