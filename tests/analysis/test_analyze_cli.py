"""`posekit analyze` end to end on a synthetic track file, and the report in a real browser."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest

from posekit.cli.main import main
from posekit.io.tracks import TrackWriter
from posekit.results import Poses

from .synth import fall, squats


@pytest.fixture(scope="module")
def track_file(tmp_path_factory):
    """Track 1 squats 4 times; track 2 stands, then falls at about 2.6 s."""
    sq = squats(4)
    fl, _ = fall(before_s=2.0, after_s=8.0)
    fl = fl[: len(sq)] + (500, 0)
    path = tmp_path_factory.mktemp("tracks") / "tracks.jsonl"
    with TrackWriter(path) as w:
        for i in range(len(sq)):
            kp = np.stack([sq[i], fl[i]])
            p = Poses(
                kp,
                np.ones((2, 33)),
                np.array([[0, 0, 100, 100]] * 2),
                np.ones(2),
                "blazepose33",
                (1000, 1400),
                track_ids=np.array([1, 2]),
            )
            w.write(i, i / 30.0, p)
    return path


def test_analyze_cli_outputs(track_file, tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(
        [
            "analyze",
            str(track_file),
            "--out",
            str(out),
            "--angles",
            "--reps",
            "--ergonomics",
            "reba",
            "--falls",
            "--activity",
            "--gait",
        ]
    )
    assert rc == 0
    s = json.loads((out / "summary.json").read_text())
    assert set(s) >= {"angles", "repetitions", "ergonomics", "falls", "activity", "gait"}
    assert s["repetitions"]["1"]["count"] == 4
    assert [f["track_id"] for f in s["falls"]] == [2] and 2.0 <= s["falls"][0]["time"] <= 2.7
    assert s["activity"]["2"]["time_s"]["lying"] > 3
    assert s["angles"]["1"]["2d"]["right knee"]["range_of_motion"] == pytest.approx(100, abs=1)
    assert s["ergonomics"]["1"]["method"] == "reba" and s["ergonomics"]["1"]["max_score"] >= 2
    head = (out / "angles.csv").read_text().splitlines()[0].split(",")
    assert head[:3] == ["track_id", "time", "right ankle"]
    html = (out / "report.html").read_text()
    assert (
        "<svg" in html
        and "fell at" in html
        and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    )
    assert "4</b> repetitions" in html


def test_analyze_cli_errors(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "o")]) == 2
    assert "not found" in capsys.readouterr().err


def test_report_in_chromium(track_file, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip(
            "chromium is not installed (Debian: apt-get install -y chromium); the report is not browser-checked"
        )
    out = tmp_path / "out"
    assert (
        main(
            [
                "analyze",
                str(track_file),
                "--out",
                str(out),
                "--reps",
                "--angles",
                "--ergonomics",
                "rula",
                "--falls",
                "--activity",
            ]
        )
        == 0
    )
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=900,2400",
            f"--screenshot={shot}",
            (out / "report.html").as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    import cv2

    img = cv2.imread(str(shot))
    assert img is not None and img.shape[:2] == (2400, 900)
    # charts were drawn: enough coloured (non-grey) pixels from the lines and risk/activity bands
    b, g, r = (img[..., i].astype(int) for i in range(3))
    colourful = (np.maximum(np.maximum(abs(r - g), abs(g - b)), abs(r - b)) > 60).mean()
    assert colourful > 0.01
