"""Gait events on synthetic side-view walks with known heel-strike and toe-off times."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from posekit.analysis.gait import gait_events, lowpass, refine_peaks, walking_bouts
from posekit.errors import InputError

from .synth import BP, body

STRIDE = 1.1  # s


def walk(
    fps: float = 60.0,
    stride_s: float = STRIDE,
    seconds: float = 6.0,
    pelvis: Callable[[float], tuple[float, int]] | None = None,
    t0: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Each foot swings sinusoidally about the pelvis, the feet in anti-phase, along the walking direction:
    heel most ahead (heel strike) at phase 1/4, toe most behind (toe off) at phase 3/4 of its own cycle.
    `pelvis(t)` -> (x, direction); default: +x at 120 px/s. `t0` shifts the frame times so that events
    fall between frames."""
    pelvis = pelvis or (lambda t: (100 + 120.0 * t, 1))
    t = t0 + np.arange(int(seconds * fps)) / fps
    out = []
    for ti in t:
        px, d = pelvis(ti)
        kp = body(origin=(px, 700.0))
        for side, shift in (("right", 0.0), ("left", 0.5)):
            dx = d * 60 * np.sin(2 * np.pi * (ti / stride_s - shift))
            for n in ("ankle", "heel", "foot_index", "knee"):
                kp[BP.index(f"{side}_{n}"), 0] += dx * (0.5 if n == "knee" else 1.0)
        out.append(kp)
    return np.stack(out), t


def expected(kind: str, side: str, stride: float = STRIDE) -> np.ndarray:
    phase = (0.25 if kind == "hs" else 0.75) + (0.5 if side == "left" else 0.0)
    return stride * (np.arange(-1, 30) + phase)


def errors(detected: np.ndarray, truth: np.ndarray) -> np.ndarray:
    return np.array([np.min(np.abs(truth - d)) for d in detected])


def test_events_cadence_and_symmetry():
    kp, t = walk()
    g = gait_events(kp, t, "blazepose33", metres_per_pixel=0.01, contact="position")
    for side in ("left", "right"):
        assert len(g.heel_strikes[side]) >= 4 and len(g.toe_offs[side]) >= 4
        assert errors(g.heel_strikes[side], expected("hs", side)).max() < 0.002
        assert errors(g.toe_offs[side], expected("to", side)).max() < 0.002
        assert g.stance_time[side] == pytest.approx(STRIDE / 2, abs=0.005)
    assert g.cadence == pytest.approx(2 * 60 / STRIDE, rel=0.005)
    assert g.stride_time == pytest.approx(STRIDE, abs=0.005)
    assert g.step_time_symmetry < 1
    assert g.speed == pytest.approx(1.2, rel=0.02)
    assert len(g.bouts) == 1 and g.bouts[0][2] == 1


def test_sub_frame_timing_at_30_fps():
    """Events fall between frames (t0 = a third of a frame): refined to far better than a 33 ms frame."""
    kp, t = walk(fps=30.0, t0=1 / 90)
    g = gait_events(kp, t, "blazepose33", contact="position")
    for side in ("left", "right"):
        assert errors(g.heel_strikes[side], expected("hs", side)).max() < 0.004
        assert errors(g.toe_offs[side], expected("to", side)).max() < 0.004


def test_noisy_keypoints_stay_within_20_ms():
    """3 px jitter on every keypoint (feet swing ±60 px) at 30 fps: mean timing error under 20 ms."""
    kp, t = walk(fps=30.0, seconds=10.0)
    kp = kp + np.random.default_rng(0).normal(0, 3.0, kp.shape)
    g = gait_events(kp, t, "blazepose33", contact="position")
    e = np.concatenate(
        [errors(g.heel_strikes[s], expected("hs", s)) for s in ("left", "right")]
        + [errors(g.toe_offs[s], expected("to", s)) for s in ("left", "right")]
    )
    assert len(e) >= 30 and e.mean() < 0.020
    assert g.cadence == pytest.approx(2 * 60 / STRIDE, abs=1.0)


def test_cadence_is_mean_interval_of_all_heel_strikes():
    kp, t = walk(seconds=8.0)
    g = gait_events(kp, t, "blazepose33")
    hs = np.sort(np.concatenate(list(g.heel_strikes.values())))
    assert g.cadence == pytest.approx(60 / np.mean(np.diff(hs)))
    assert g.step_time == pytest.approx(np.mean(np.diff(hs)))


def test_back_and_forth_walk_has_two_bouts_and_no_step_at_the_turn():
    """Walk +x for 6 s, turn, walk back: each bout analysed in its own direction; the turn adds no step."""
    turn = 6.0

    def pelvis(t: float) -> tuple[float, int]:
        return (100 + 120 * t, 1) if t < turn else (100 + 120 * (2 * turn - t), -1)

    kp, t = walk(seconds=12.0, pelvis=pelvis)
    g = gait_events(kp, t, "blazepose33", contact="position")
    assert [d for _, _, d in g.bouts] == [1, -1]
    assert g.bouts[0][1] == pytest.approx(turn, abs=0.1)
    for side in ("left", "right"):
        hs = g.heel_strikes[side]
        assert np.sum(hs < turn) >= 4 and np.sum(hs > turn) >= 4
        assert errors(hs, expected("hs", side)).max() < 0.002
    assert g.cadence == pytest.approx(2 * 60 / STRIDE, rel=0.005)


def test_walking_left_and_bad_input():
    kp, t = walk()
    kp[..., 0] = 2000 - kp[..., 0]
    g = gait_events(kp, t, "blazepose33")
    assert g.cadence == pytest.approx(2 * 60 / STRIDE, rel=0.005)
    assert g.bouts[0][2] == -1
    with pytest.raises(InputError):
        gait_events(kp[:5], t[:5], "blazepose33")
    kp[:, BP.index("left_hip")] = np.nan
    with pytest.raises(InputError, match="hips"):
        gait_events(kp, t, "blazepose33")


def test_one_foot_unseen_keeps_the_cadence():
    kp, t = walk(fps=30.0)
    kp[:, BP.index("left_heel")] = np.nan
    g = gait_events(kp, t, "blazepose33")
    assert len(g.heel_strikes["left"]) == 0 and len(g.heel_strikes["right"]) >= 4
    assert g.step_time == pytest.approx(STRIDE / 2, rel=0.005) and g.cadence == pytest.approx(
        2 * 60 / STRIDE, rel=0.005
    )


def test_standing_still_gives_no_events():
    kp, t = walk(pelvis=lambda t: (500.0, 1), stride_s=1e9)
    g = gait_events(kp, t, "blazepose33")
    assert g.cadence is None and not g.bouts


def test_helpers():
    y = -((np.arange(10) - 4.3) ** 2)  # a parabola with its vertex at 4.3
    assert refine_peaks(y, np.array([4]))[0] == pytest.approx(4.3)
    x = np.sin(2 * np.pi * 1.0 * np.arange(300) / 100)
    assert np.abs(lowpass(x, 100.0, 6.0) - x)[20:-20].max() < 0.01  # 1 Hz passes unchanged, no lag
    assert lowpass(x, 10.0, 6.0) is x  # cut-off above what 10 fps can show: unchanged
    px = np.concatenate([np.linspace(0, 500, 300), np.linspace(500, 0, 300)])
    assert [d for *_, d in walking_bouts(px, 100.0)] == [1, -1]
