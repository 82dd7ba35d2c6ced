from __future__ import annotations

import re

import numpy as np
import pytest
from multiview_rigs import make_rig, walking_person

from posekit.cli.main import main
from posekit.errors import InputError
from posekit.export.trc import read_trc, y_up_to_z_up
from posekit.io.openpose import write_openpose_folder
from posekit.layouts import get_layout
from posekit.threed.calib_io import write_toml


@pytest.fixture
def scene(tmp_path):
    """4 cameras, one COCO-18 person (with 1 px noise), OpenPose JSON folders, calibration TOML."""
    rig = make_rig(4)
    truth = walking_person(40, K=18, seed=5)
    rng = np.random.default_rng(0)
    folders = []
    for c, cam in enumerate(rig.cameras):
        kp = cam.project(truth)[:, None] + rng.normal(0, 1.0, (40, 1, 18, 2))
        sc = np.full((40, 1, 18), 0.9)
        write_openpose_folder(tmp_path / f"cam{c}", kp, sc)
        folders.append(str(tmp_path / f"cam{c}"))
    write_toml(tmp_path / "calib.toml", rig)
    return tmp_path, folders, truth


def test_triangulate_cli_end_to_end(scene, capsys):
    tmp, folders, truth = scene
    out = tmp / "out.trc"
    rc = main(
        [
            "triangulate",
            "--calib",
            str(tmp / "calib.toml"),
            *folders,
            "--fps",
            "30",
            "--out",
            str(out),
            "--report",
            str(tmp / "rep.json"),
            "--cutoff",
            "5",
        ]
    )
    assert rc == 0
    trc = read_trc(out)
    assert trc.marker_names == list(get_layout("coco18").keypoint_names) and trc.fps == 30
    err = np.linalg.norm(y_up_to_z_up(trc.positions) - truth, axis=-1)
    assert np.nanmean(err) < 0.01  # 1 px noise at ~4 m: millimetres
    text = capsys.readouterr().out
    assert "mean reprojection error" in text and "cam_01" in text
    assert (tmp / "rep.json").exists()
    rc = main(
        [
            "triangulate",
            "--calib",
            str(tmp / "calib.toml"),
            *folders,
            "--fps",
            "30",
            "--out",
            str(tmp / "out.parquet"),
            "--filter",
            "none",
        ]
    )
    assert rc == 0
    import pyarrow.parquet as pq

    t = pq.read_table(tmp / "out.parquet").to_pydict()
    assert len(t["x"]) == 40 * 18 and set(t["person"]) == {0}
    assert max(t["error_px"]) < 5 and min(t["n_cameras"]) == 4


def test_bad_inputs_give_errors_and_no_output(scene, capsys):
    tmp, folders, _ = scene
    out = tmp / "bad.trc"
    calib = str(tmp / "calib.toml")
    # too few inputs for the calibration
    assert main(["triangulate", "--calib", calib, *folders[:3], "--fps", "30", "--out", str(out)]) == 2
    assert "3 inputs for 4 cameras" in capsys.readouterr().err
    # no frame rate for JSON folders
    assert main(["triangulate", "--calib", calib, *folders, "--out", str(out)]) == 2
    assert "--fps" in capsys.readouterr().err
    # unknown output format
    assert main(["triangulate", "--calib", calib, *folders, "--fps", "30", "--out", str(tmp / "x.txt")]) == 2
    # missing calibration
    assert (
        main(["triangulate", "--calib", str(tmp / "no.toml"), *folders, "--fps", "30", "--out", str(out)])
        == 2
    )
    assert not out.exists()
    assert not list(tmp.glob(".bad*"))  # no temporary file left either


def test_degradations_are_documented_not_crashes(scene, capsys):
    tmp, folders, truth = scene
    # a camera with no detections and one with fewer frames: warnings, joints from the others
    empty = tmp / "empty"
    write_openpose_folder(empty, np.full((40, 1, 18, 2), np.nan), np.zeros((40, 1, 18)))
    (empty / "frame_000000000000_keypoints.json").write_text(
        '{"people": [{"pose_keypoints_2d": ' + str([0.0] * 54) + "}]}"
    )
    short = tmp / "short"
    short.mkdir()
    for f in sorted((tmp / "cam1").iterdir())[:30]:
        (short / f.name).write_text(f.read_text())
    out = tmp / "deg.trc"
    rc = main(
        [
            "triangulate",
            "--calib",
            str(tmp / "calib.toml"),
            folders[0],
            str(short),
            str(empty),
            folders[3],
            "--fps",
            "30",
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 0 and "different frame counts" in err and "no detections" in err
    trc = read_trc(out)
    assert trc.positions.shape[0] == 30
    assert np.nanmean(np.linalg.norm(y_up_to_z_up(trc.positions) - truth[:30], axis=-1)) < 0.02
    # only one usable camera: nothing to write, a clear error
    rc = main(
        [
            "triangulate",
            "--calib",
            str(tmp / "calib.toml"),
            folders[0],
            str(empty),
            str(empty),
            str(empty),
            "--fps",
            "30",
            "--out",
            str(tmp / "none.trc"),
        ]
    )
    assert rc == 2 and re.search("no person was seen by two cameras", capsys.readouterr().err)
    assert not (tmp / "none.trc").exists()


def test_input_errors_name_the_input(tmp_path):
    from posekit.threed.inputs import load_view

    with pytest.raises(InputError, match="no such file"):
        load_view(tmp_path / "missing")
    (tmp_path / "x.xyz").write_text("?")
    with pytest.raises(InputError, match="not an OpenPose JSON folder"):
        load_view(tmp_path / "x.xyz")


def test_pictures(scene):
    from PIL import Image

    tmp, folders, _ = scene
    assert (
        main(
            [
                "triangulate",
                "--calib",
                str(tmp / "calib.toml"),
                *folders,
                "--fps",
                "30",
                "--out",
                str(tmp / "o.csv"),
                "--render",
                str(tmp / "o.gif"),
            ]
        )
        == 0
    )
    im = Image.open(tmp / "o.gif")
    assert im.n_frames == 40 and im.size == (480, 480)
    assert (tmp / "o.csv").read_text().startswith("frame,time,person,joint,x,y,z")
    from posekit.threed.calib_io import read_calibration
    from posekit.threed.inputs import load_view
    from posekit.threed.pipeline import reconstruct
    from posekit.threed.viewer import render_html

    calib = read_calibration(tmp / "calib.toml")
    res = reconstruct(calib, [load_view(f) for f in folders], 30.0)
    render_html(tmp / "v.html", res)
    html = (tmp / "v.html").read_text()
    assert "<canvas" in html and '"frames":40' in html and "http" not in html.split("<script>")[1]


def test_track_file_input_offsets_and_one_euro(scene, tmp_path):
    """A posekit track file is an input too; frame offsets line cameras up; One Euro runs causally."""
    from posekit.io.tracks import TrackWriter
    from posekit.results import Poses
    from posekit.threed import ReconstructParams, load_view, read_calibration, reconstruct

    tmp, folders, truth = scene
    calib = read_calibration(tmp / "calib.toml")
    views = [load_view(f) for f in folders]
    # camera 2 as a track file that starts 3 frames early (3 empty frames first)
    track = tmp_path / "cam2.jsonl"
    v = views[1]
    with TrackWriter(track) as w:
        for f in range(3):
            w.write(
                f,
                f / 30,
                Poses(
                    np.zeros((0, 18, 2)),
                    np.zeros((0, 18)),
                    np.zeros((0, 4)),
                    np.zeros(0),
                    "coco18",
                    (1080, 1920),
                ),
            )
        for f in range(v.num_frames):
            kp = v.keypoints[f]
            w.write(
                f + 3,
                (f + 3) / 30,
                Poses(kp, v.scores[f], np.array([[0, 0, 10, 10]]), np.ones(1), "coco18", (1080, 1920)),
            )
    tv = load_view(track)
    assert tv.num_frames == 43 and tv.image_size == (1920, 1080)
    views[1] = tv
    res = reconstruct(calib, views, 30.0, ReconstructParams(filter="one_euro"), offsets=[0, 3, 0, 0])
    err = np.linalg.norm(res.positions[:, 0] - truth, axis=-1)
    assert res.positions.shape[0] == 40 and np.nanmean(err) < 0.025  # One Euro lags ~1.5 cm at 0.8 m/s
    assert (res.n_cameras[:, 0] == 4).mean() > 0.95


def test_image_size_mismatch_warns_or_fails(scene):
    from posekit.threed import View2D, read_calibration, reconstruct

    tmp, folders, _ = scene
    calib = read_calibration(tmp / "calib.toml")
    from posekit.threed import load_view

    views = [load_view(f) for f in folders]

    def sized(v, size):
        return View2D(v.keypoints, v.scores, v.layout, v.name, size)

    with pytest.warns(UserWarning, match="calibrated at 1920x1080"):
        reconstruct(calib, [sized(views[0], (1912, 1080))] + views[1:], 30.0)
    with pytest.raises(InputError, match="image is 640x480"):
        reconstruct(calib, [sized(views[0], (640, 480))] + views[1:], 30.0)
    with pytest.raises(InputError, match="different keypoint layouts"):
        from posekit.layouts import get_layout

        v = views[0]
        other = View2D(
            np.zeros(v.keypoints.shape[:2] + (17, 2)),
            np.zeros(v.scores.shape[:2] + (17,)),
            get_layout("coco17"),
            "x",
        )
        reconstruct(calib, [other] + views[1:], 30.0)


def test_triangulate_to_c3d_matches_trc(scene):
    """C3D output (millimetres, the calibration's Z-up frame) holds the same points as the TRC (metres, Y up)."""
    ezc3d = pytest.importorskip("ezc3d")
    tmp, folders, _ = scene
    common = ["triangulate", "--calib", str(tmp / "calib.toml"), *folders, "--fps", "30", "--filter", "none"]
    assert main([*common, "--out", str(tmp / "c.trc")]) == 0
    assert main([*common, "--out", str(tmp / "c.c3d")]) == 0
    trc = read_trc(tmp / "c.trc")
    c3d = ezc3d.c3d(str(tmp / "c.c3d"))
    points = c3d["data"]["points"][:3].transpose(2, 1, 0) / 1000.0  # (frames, markers, 3) metres
    assert c3d["parameters"]["POINT"]["LABELS"]["value"] == trc.marker_names
    np.testing.assert_allclose(points, y_up_to_z_up(trc.positions), atol=1e-5, equal_nan=True)
