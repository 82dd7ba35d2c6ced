"""Gait events on a synthetic side-view walk with known heel-strike and toe-off times."""

from __future__ import annotations

import numpy as np
import pytest

from posekit.analysis.gait import gait_events
from posekit.errors import InputError

from .synth import BP, body


def walk(fps: float = 60.0, stride_s: float = 1.1, seconds: float = 6.0, speed_px: float = 120.0):
    """Pelvis moves +x at `speed_px`/s; each foot swings sinusoidally about the pelvis, the feet in anti-phase.
    Heel most ahead (heel strike) at phase 1/4, toe most behind (toe off) at phase 3/4 of its own cycle."""
    t = np.arange(int(seconds * fps)) / fps
    out = []
    for ti in t:
        kp = body(origin=(100 + speed_px * ti, 700.0))
        for side, shift in (("right", 0.0), ("left", 0.5)):
            dx = 60 * np.sin(2 * np.pi * (ti / stride_s - shift))
            for n in ("ankle", "heel", "foot_index", "knee"):
                kp[BP.index(f"{side}_{n}"), 0] += dx * (0.5 if n == "knee" else 1.0)
        out.append(kp)
    return np.stack(out), t


def test_events_cadence_and_symmetry():
    kp, t = walk()
    g = gait_events(kp, t, "blazepose33", metres_per_pixel=0.01)
    stride = 1.1
    # right heel strike at t = stride * (k + 1/4), left half a stride later
    for side, shift in (("right", 0.0), ("left", 0.5)):
        expected = stride * (np.arange(-1, 10) + 0.25 + shift)
        for h in g.heel_strikes[side]:
            assert np.min(np.abs(expected - h)) <= 1 / 60 + 1e-9
        exp_to = stride * (np.arange(-1, 10) + 0.75 + shift)
        for o in g.toe_offs[side]:
            assert np.min(np.abs(exp_to - o)) <= 1 / 60 + 1e-9
        assert g.stance_time[side] == pytest.approx(stride / 2, abs=0.03)
    assert g.cadence == pytest.approx(2 * 60 / stride, rel=0.02)
    assert g.stride_time == pytest.approx(stride, abs=0.02)
    assert g.step_time_symmetry < 3
    assert g.speed == pytest.approx(1.2, rel=0.02)


def test_walking_left_and_bad_input():
    kp, t = walk()
    kp[..., 0] = 2000 - kp[..., 0]
    g = gait_events(kp, t, "blazepose33")
    assert g.cadence == pytest.approx(2 * 60 / 1.1, rel=0.02)
    with pytest.raises(InputError):
        gait_events(kp[:5], t[:5], "blazepose33")
