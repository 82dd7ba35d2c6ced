"""Triangulated results to NWB with ndx-pose's MultiCameraPoseEstimation and the calibrated cameras."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pynwb")
pytest.importorskip("ndx_pose")

from posekit.errors import InputError
from posekit.export import export_results
from posekit.export.nwb import validate_nwb
from posekit.export.nwb_multiview import read_multiview_nwb
from posekit.export.trc import write_trc
from posekit.layouts import get_layout
from posekit.threed.calib_io import write_toml
from tests.threed.multiview_rigs import make_rig, walking_person

NAMES = list(get_layout("coco17").keypoint_names)
FPS = 30.0


def _table(path, people: list[np.ndarray]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows: dict[str, list] = {k: [] for k in ("frame", "time", "person", "joint", "x", "y", "z")}
    for pid, pos in enumerate(people):
        for f in range(len(pos)):
            for k, name in enumerate(NAMES):
                for key, v in zip(("frame", "time", "person", "joint"), (f, f / FPS, pid, name)):
                    rows[key].append(v)
                for a in range(3):
                    rows["xyz"[a]].append(float(pos[f, k, a]))
    pq.write_table(pa.table(rows), path)


def test_triangulation_table_to_multicamera_nwb(tmp_path):
    calib = make_rig(4)
    toml = tmp_path / "calib.toml"
    write_toml(toml, calib)
    people = [walking_person(12, len(NAMES), seed=1), walking_person(12, len(NAMES), seed=2, offset=(0, 1))]
    people[1][3:5, 4] = np.nan  # a joint missing in two frames
    table = tmp_path / "tri.parquet"
    _table(table, people)
    out = tmp_path / "tri.nwb"
    export_results(table, "nwb", out, calibration=toml)
    assert validate_nwb(out) == []
    got, cams = read_multiview_nwb(out)
    assert sorted(got) == ["MultiCameraPoseEstimation_person0", "MultiCameraPoseEstimation_person1"]
    for pid, pos in enumerate(people):
        d = got[f"MultiCameraPoseEstimation_person{pid}"]
        back = np.stack([d[n] for n in NAMES], 1)
        np.testing.assert_allclose(back, pos, atol=1e-9, equal_nan=True)
        np.testing.assert_allclose(d["timestamps"], np.arange(12) / FPS, atol=1e-9)
        conf = np.stack([d[f"{n}/confidence"] for n in NAMES], 1)
        np.testing.assert_array_equal(conf, np.isfinite(pos).all(-1).astype(float))
    assert sorted(cams) == calib.names
    for cam in calib.cameras:
        c = cams[cam.name]
        np.testing.assert_allclose(c["intrinsic_matrix"], cam.matrix)
        np.testing.assert_allclose(c["rotation_matrix"], cam.R)
        np.testing.assert_allclose(c["translation_vector"], cam.translation)
        np.testing.assert_allclose(c["distortion_coefficients"], cam.distortions)
        assert sorted(c["views"]) == sorted(got)  # each person's view of this camera links it
        # the stored calibration reprojects the stored 3D like the original one
        X = np.stack([got["MultiCameraPoseEstimation_person0"][n] for n in NAMES], 1)
        cam_pts = X @ c["rotation_matrix"].T + c["translation_vector"]
        uv = cam_pts @ c["intrinsic_matrix"].T
        assert (cam_pts[..., 2] > 0).all() and np.isfinite(uv).all()


def test_trc_is_turned_back_to_the_calibration_frame(tmp_path):
    calib = make_rig(3, dist=False)
    pos = walking_person(8, len(NAMES), seed=3)
    trc = tmp_path / "p.trc"
    write_trc(trc, pos, NAMES, FPS, y_up=True)
    out = tmp_path / "p.nwb"
    export_results(trc, "nwb", out, calibration=calib)
    assert validate_nwb(out) == []
    got, cams = read_multiview_nwb(out)
    back = np.stack([got["MultiCameraPoseEstimation_person0"][n] for n in NAMES], 1)
    np.testing.assert_allclose(back, pos, atol=1e-5)  # TRC text precision
    assert len(cams) == 3


def test_wrong_calibration_gives_an_error_and_no_file(tmp_path):
    calib = make_rig(2)
    pos = walking_person(5, len(NAMES)) + np.array([0.0, 0.0, 0.0])
    table = tmp_path / "t.parquet"
    _table(table, [pos * np.array([1.0, 1.0, -1.0]) + np.array([30.0, 0, 0])])  # far behind the rig
    out = tmp_path / "t.nwb"
    with pytest.raises(InputError, match="calibration does not match"):
        export_results(table, "nwb", out, calibration=calib)
    assert not out.exists()
    with pytest.raises(InputError, match="NWB export only"):
        export_results(table, "c3d", tmp_path / "t.c3d", calibration=calib)
    assert list(tmp_path.iterdir()) == [table]


def test_multiview_result_to_nwb(tmp_path):
    from posekit.export.nwb_multiview import write_result_nwb
    from posekit.threed.pipeline import MultiViewResult

    calib = make_rig(3)
    pos = walking_person(6, len(NAMES), seed=4)[:, None]  # (F, T=1, K, 3)
    F, T, K = pos.shape[:3]
    result = MultiViewResult(
        positions=pos,
        raw_positions=pos,
        errors=np.zeros((F, T, K)),
        n_cameras=np.full((F, T, K), 2),
        camera_errors=np.zeros((F, T, 2, K)),
        used=np.ones((F, T, 2, K), bool),
        views=np.zeros((F, T, 2), int),
        track_ids=np.array([7]),
        layout=get_layout("coco17"),
        fps=FPS,
        camera_names=[calib.names[2], calib.names[0]],  # two of the three cameras, in another order
    )
    out = tmp_path / "r.nwb"
    write_result_nwb(out, result, calib)
    assert validate_nwb(out) == []
    got, cams = read_multiview_nwb(out)
    back = np.stack([got["MultiCameraPoseEstimation_person7"][n] for n in NAMES], 1)
    np.testing.assert_allclose(back, pos[:, 0])
    assert sorted(cams) == sorted(result.camera_names)
    np.testing.assert_allclose(cams[calib.names[2]]["intrinsic_matrix"], calib.cameras[2].matrix)
