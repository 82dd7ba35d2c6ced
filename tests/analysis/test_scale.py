"""Metres per pixel for gait: given, from a height, from world coordinates; step length and speed in metres."""

from __future__ import annotations

import json

import numpy as np
import pytest

from posekit.analysis import analyze
from posekit.analysis.scale import legs_px, scale_from_height, scale_from_world
from posekit.cli.main import main
from posekit.errors import InputError
from posekit.io.tracks import TrackWriter

from .synth import BP, L, body, one_person
from .test_gait import walk

LEG = 2 * L  # shank + thigh of the synthetic body, pixels
LEG_SHARE = 0.530 - 0.039  # hip minus ankle height, as shares of standing height (Winter 2009, fig. 4.1)


def squatting_and_turning(n: int = 120, seed: int = 0) -> np.ndarray:
    """A rigid body (segments exactly L) that squats, and turns towards the camera on some frames (its
    x squeezed: every segment seen shorter than it is), with 1 px of noise."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        kp = body(knee_flex=60 * (1 - np.cos(i / 10)), origin=(300, 600))
        if i % 3 == 0:  # turned: foreshortened, never lengthened
            kp[:, 0] = 300 + (kp[:, 0] - 300) * 0.5
        out.append(kp + rng.normal(0, 1.0, kp.shape))
    return np.stack(out)


def test_legs_are_measured_at_full_length_despite_foreshortening_and_noise():
    assert legs_px(squatting_and_turning(), "blazepose33") == pytest.approx(LEG, rel=0.02)


def test_scale_from_height():
    s = scale_from_height(squatting_and_turning(), "blazepose33", 1.80)
    assert s.source == "height"
    assert s.metres_per_pixel == pytest.approx(1.80 * LEG_SHARE / LEG, rel=0.02)
    with pytest.raises(InputError, match="metres"):
        scale_from_height(squatting_and_turning(), "blazepose33", 180.0)  # centimetres
    unseen = squatting_and_turning()
    unseen[:, BP.index("left_knee")] = unseen[:, BP.index("right_knee")] = np.nan
    with pytest.raises(InputError, match="fewer than 3 frames"):
        scale_from_height(unseen, "blazepose33", 1.8)


def test_scale_from_world():
    kp = squatting_and_turning()
    clean = squatting_and_turning(seed=1)
    world = np.concatenate([(clean - (300, 600)) * 0.004, np.zeros((*clean.shape[:2], 1))], axis=2)
    world[::3] = world[1::3][: len(world[::3])]  # in 3D the turned frames keep their full lengths
    s = scale_from_world(kp, world, "blazepose33")
    assert s.source == "world" and s.metres_per_pixel == pytest.approx(0.004, rel=0.02)


def walk_frames(fps: float = 60.0):
    kp, t = walk(fps=fps)
    return [(i, float(t[i]), one_person(kp[i], (1000, 2000))) for i in range(len(t))]


def test_analyze_gives_step_length_and_speed_in_metres():
    frames = walk_frames()
    plain = analyze(frames, angles=False, gait="position").summary["gait"]["1"]
    assert plain["step_length_m"] is None and plain["speed_m_per_s"] is None and plain["scale"] is None
    g = analyze(frames, angles=False, gait="position", metres_per_pixel=0.005).summary["gait"]["1"]
    assert g["scale"] == {"metres_per_pixel": 0.005, "from": "given", "legs_px": None}
    assert g["speed_m_per_s"] == pytest.approx(120 * 0.005, rel=0.02)  # the pelvis moves 120 px/s
    assert g["step_length_m"] == pytest.approx(g["speed_m_per_s"] * g["step_time_s"], rel=1e-6)
    h = analyze(frames, angles=False, gait="position", height_m=1.7).summary["gait"]["1"]
    assert h["scale"]["from"] == "height"
    # the synthetic walk's knee moves half as far as its ankle, so its segments stretch up to 4 %
    assert h["scale"]["metres_per_pixel"] == pytest.approx(1.7 * LEG_SHARE / LEG, rel=0.05)
    with pytest.raises(InputError, match="height"):
        analyze(frames, gait=True, height_m=170)
    with pytest.raises(InputError, match="metres per pixel"):
        analyze(frames, gait=True, metres_per_pixel=-1)


def test_world_coordinates_give_the_scale_when_nothing_is_given():
    frames = walk_frames()
    for _, _, p in frames:
        p.world = np.concatenate([p.keypoints * 0.003, np.zeros((1, 33, 1))], axis=2).astype(np.float32)
    g = analyze(frames, angles=False, gait="position").summary["gait"]["1"]
    assert g["scale"]["from"] == "world"
    assert g["speed_m_per_s"] == pytest.approx(120 * 0.003, rel=0.06)


def test_cli_height(tmp_path, capsys):
    path = tmp_path / "walk.jsonl"
    with TrackWriter(path) as w:
        for f, t, p in walk_frames(fps=30.0):
            w.write(f, t, p)
    out = tmp_path / "o"
    assert main(["analyze", str(path), "--out", str(out), "--gait", "--height", "1.75"]) == 0
    g = json.loads((out / "summary.json").read_text())["gait"]["1"]
    assert g["scale"]["from"] == "height" and g["speed_m_per_s"] > 0
    assert "m/s" in (out / "report.html").read_text()
    assert main(["analyze", str(path), "--out", str(out), "--height", "1.75"]) == 2
    assert "options of --gait" in capsys.readouterr().err
    assert (
        main(
            [
                "analyze",
                str(path),
                "--out",
                str(out),
                "--gait",
                "--height",
                "1.7",
                "--metres-per-pixel",
                "0.1",
            ]
        )
        == 2
    )
    assert "not both" in capsys.readouterr().err
