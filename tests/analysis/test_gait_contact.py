"""Foot-contact definitions (gait_contact.py) on a synthetic walk whose feet really rest during stance."""

from __future__ import annotations

import numpy as np
import pytest

from posekit.analysis.gait import DEFAULT_CONTACT, DEFAULT_SPEED_FRACTION, gait_events
from posekit.errors import InputError

from .synth import BP, body, one_person

STRIDE = 1.1  # s
SWING = 0.4  # share of the stride
SPEED = 240.0  # pelvis, px/s
LIFT = 20.0  # foot clearance in swing, px


def feet(t: np.ndarray, shift: float) -> tuple[np.ndarray, np.ndarray]:
    """Ground x and height of one foot: at rest in stance (heel strike at phase 0, toe off at 1 - SWING),
    then a raised-cosine speed profile over the swing, which covers a stride length."""
    length, tsw = SPEED * STRIDE, SWING * STRIDE
    cyc = t / STRIDE - shift
    n, phase = np.floor(cyc), cyc - np.floor(cyc)
    tau = np.clip((phase - (1 - SWING)) * STRIDE, 0, None)  # time into the swing
    x = length * (n + tau / tsw - np.sin(2 * np.pi * tau / tsw) / (2 * np.pi))
    h = LIFT * (1 - np.cos(2 * np.pi * tau / tsw)) / 2
    return x, h


def walk(fps: float) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(int(6 * fps)) / fps + 0.013  # events fall between frames
    kp = np.stack([body(origin=(0.0, 700.0)) for _ in t])
    for i in range(len(BP)):
        kp[:, i, 0] += SPEED * t + 100
    for side, shift in (("right", 0.0), ("left", 0.5)):
        x, h = feet(t, shift)
        for n, dx in (("heel", -10.0), ("foot_index", 30.0), ("ankle", 0.0)):
            kp[:, BP.index(f"{side}_{n}"), 0] = 100 + 0.5 * SPEED * STRIDE + x + dx
            kp[:, BP.index(f"{side}_{n}"), 1] = 700.0 - h
    return kp, t


def dense_events(side: str, kind: str, fraction: float) -> np.ndarray:
    """The same definition on the analytic trajectory at 10 kHz (speed crossing or vertical extreme)."""
    shift = 0.0 if side == "right" else 0.5
    t = np.arange(0, 7, 1e-4)
    x, h = feet(t, shift)
    out = []
    for n in range(7):
        t0 = (n + shift) * STRIDE  # heel strike; the swing is the SWING * STRIDE before it
        if t0 < SWING * STRIDE:
            continue
        sw = (t > t0 - SWING * STRIDE) & (t <= t0)
        ts, xs, hs = t[sw], x[sw], h[sw]
        if fraction > 0:
            s = np.hypot(np.gradient(xs, ts), np.gradient(hs, ts))
            below = s < fraction * s.max()
            k = np.argmax(s)
            out.append(ts[k + np.argmax(below[k:])] if kind == "hs" else ts[np.nonzero(below[:k])[0][-1]])
        else:  # fastest descent of the last half of the swing, fastest rise of the first half
            v = np.gradient(hs, ts)
            out.append(ts[np.argmin(v)] if kind == "hs" else ts[np.argmax(v)])
    return np.asarray(out)


def near(detected: np.ndarray, truth: np.ndarray) -> np.ndarray:
    return np.array([np.min(np.abs(truth - d)) for d in detected])


@pytest.mark.parametrize("fraction", [0.1, 0.3])
def test_velocity_contact_times_the_speed_crossing(fraction):
    kp, t = walk(fps=60.0)
    g = gait_events(kp, t, "blazepose33", contact="velocity", speed_fraction=fraction)
    for side in ("left", "right"):
        assert len(g.heel_strikes[side]) >= 4 and len(g.toe_offs[side]) >= 4
        assert near(g.heel_strikes[side], dense_events(side, "hs", fraction)).max() < 0.012
        assert near(g.toe_offs[side], dense_events(side, "to", fraction)).max() < 0.012


def test_velocity_contact_is_later_than_the_position_extreme():
    """The heel is farthest ahead of the pelvis while it still moves at the pelvis' speed: before it rests."""
    kp, t = walk(fps=60.0)
    pos = gait_events(kp, t, "blazepose33", contact="position")
    vel = gait_events(kp, t, "blazepose33", contact="velocity", speed_fraction=0.05)
    for side in ("left", "right"):
        hs_true = (np.arange(6) + (0.0 if side == "right" else 0.5)) * STRIDE
        assert np.median(near(vel.heel_strikes[side], hs_true)) < np.median(
            near(pos.heel_strikes[side], hs_true)
        )
    assert vel.cadence == pytest.approx(120 / STRIDE, rel=0.01)
    assert vel.to_dict()["contact"] == "velocity" and pos.to_dict()["contact"] == "position"


def test_foot_velocity_contact_finds_the_vertical_extremes():
    kp, t = walk(fps=60.0)
    g = gait_events(kp, t, "blazepose33", contact="foot_velocity")
    for side in ("left", "right"):
        assert len(g.heel_strikes[side]) >= 4 and len(g.toe_offs[side]) >= 4
        assert near(g.heel_strikes[side], dense_events(side, "hs", 0)).max() < 0.012
        assert near(g.toe_offs[side], dense_events(side, "to", 0)).max() < 0.012


def test_cadence_from_strides_and_bad_options():
    kp, t = walk(fps=30.0)
    steps = gait_events(kp, t, "blazepose33")
    strides = gait_events(kp, t, "blazepose33", cadence_from="strides")
    assert strides.cadence == pytest.approx(120 / STRIDE, rel=0.01)
    assert steps.cadence == pytest.approx(120 / STRIDE, rel=0.01)
    with pytest.raises(InputError, match="contact"):
        gait_events(kp, t, "blazepose33", contact="force")
    with pytest.raises(InputError, match="cadence_from"):
        gait_events(kp, t, "blazepose33", cadence_from="bouts")


def test_default_is_the_velocity_definition_at_30_percent():
    """The default chosen on the annotated walks (docs/analysis.md, Gait): velocity, threshold 30 %."""
    kp, t = walk(fps=30.0)
    default = gait_events(kp, t, "blazepose33")
    explicit = gait_events(kp, t, "blazepose33", contact="velocity", speed_fraction=0.3)
    assert (DEFAULT_CONTACT, DEFAULT_SPEED_FRACTION) == ("velocity", 0.3) and default.contact == "velocity"
    for side in ("left", "right"):
        np.testing.assert_array_equal(default.heel_strikes[side], explicit.heel_strikes[side])
        np.testing.assert_array_equal(default.toe_offs[side], explicit.toe_offs[side])


@pytest.mark.parametrize("contact", ["velocity", "position"])
def test_treadmill_walk_gives_the_overground_events(contact):
    """The same walk seen on a treadmill (pelvis in place, standing foot sliding back with the belt):
    treadmill=True measures the belt from the feet and finds the overground walk's events and speed;
    without it the pelvis, standing still, gives no lasting walking bout and steps are lost."""
    kp, t = walk(fps=30.0)
    belt = kp.copy()
    belt[..., 0] -= SPEED * (t - t[0])[:, None]
    ground = gait_events(kp, t, "blazepose33", contact=contact, metres_per_pixel=0.005)
    tread = gait_events(belt, t, "blazepose33", contact=contact, metres_per_pixel=0.005, treadmill=True)
    assert tread.belt_velocity == pytest.approx(-SPEED, rel=0.01) and ground.belt_velocity is None
    assert tread.speed == pytest.approx(SPEED * 0.005, rel=0.02)
    assert tread.cadence == pytest.approx(ground.cadence, rel=0.005)
    for side in ("left", "right"):
        assert len(tread.heel_strikes[side]) == len(ground.heel_strikes[side]) >= 4
        assert near(tread.heel_strikes[side], ground.heel_strikes[side]).max() < 0.005
        assert near(tread.toe_offs[side], ground.toe_offs[side]).max() < 0.005
    one_foot = belt.copy()
    one_foot[:, [BP.index("left_heel"), BP.index("left_foot_index")]] = np.nan  # the far foot hidden
    hidden = gait_events(one_foot, t, "blazepose33", contact=contact, treadmill=True)
    assert hidden.belt_velocity == pytest.approx(-SPEED, rel=0.01) and len(hidden.heel_strikes["right"]) >= 4
    lost = gait_events(belt, t, "blazepose33", contact=contact)
    assert sum(map(len, lost.heel_strikes.values())) < sum(map(len, tread.heel_strikes.values()))


def test_no_steps_from_the_jitter_of_a_person_standing_still():
    """Keypoint noise alone (2 px on a 200 px leg) gives no heel strikes, whatever the slow drift of the
    noisy pelvis makes of the walking bouts."""
    t = np.arange(300) / 30.0
    rng = np.random.default_rng(0)
    kp = np.stack([body() for _ in t]) + rng.normal(0, 2.0, (len(t), len(BP), 2))
    for contact in ("position", "velocity", "foot_velocity"):
        g = gait_events(kp, t, "blazepose33", contact=contact)
        assert all(len(v) == 0 for v in g.heel_strikes.values()), contact
        assert g.cadence is None


def write_walk(path, kp, t):
    from posekit.io.tracks import TrackWriter

    with TrackWriter(path) as w:
        for i in range(len(t)):
            w.write(i, float(t[i]), one_person(kp[i], (720, 1280)))
    return path


@pytest.mark.parametrize("contact", [None, "position"])
def test_analyze_cli_passes_the_contact_definition(tmp_path, contact):
    import json

    from posekit.analysis.gait_contact import CONTACT_METHODS
    from posekit.cli.analyze import CONTACT_METHODS as CLI_NAMES
    from posekit.cli.main import main

    assert CLI_NAMES == CONTACT_METHODS  # the CLI keeps the names only, to stay light
    kp, t = walk(30.0)
    path = write_walk(tmp_path / "walk.jsonl", kp, t)
    args = ["analyze", str(path), "--out", str(tmp_path / "out"), "--gait"] + ([contact] if contact else [])
    assert main(args) == 0
    g = json.loads((tmp_path / "out" / "summary.json").read_text())["gait"]["1"]
    assert g["contact"] == (contact or DEFAULT_CONTACT) and g["cadence_steps_per_min"] > 0
    with pytest.raises(SystemExit) as usage:  # argparse: one usage line, exit 2
        main(["analyze", str(path), "--out", str(tmp_path / "bad"), "--gait", "sideways"])
    assert usage.value.code == 2


def test_analyze_cli_treadmill(tmp_path, capsys):
    """`--treadmill` reaches gait_events (the belt is measured and reported); alone it is refused."""
    import json

    from posekit.cli.main import main

    kp, t = walk(30.0)
    kp[..., 0] -= SPEED * (t - t[0])[:, None]
    path = write_walk(tmp_path / "belt.jsonl", kp, t)
    assert main(["analyze", str(path), "--out", str(tmp_path / "out"), "--gait", "--treadmill"]) == 0
    g = json.loads((tmp_path / "out" / "summary.json").read_text())["gait"]["1"]
    assert g["belt_velocity_px_per_s"] == pytest.approx(-SPEED, rel=0.01) and g["cadence_steps_per_min"] > 0
    assert main(["analyze", str(path), "--out", str(tmp_path / "bad"), "--treadmill"]) != 0
    assert "--treadmill is an option of --gait" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()
