"""Foot-contact definitions that refine the foot-minus-pelvis extremes of gait.py into other event times.

The foot-minus-pelvis extremes (Stenum et al. 2021; the coordinate method of Zeni et al. 2008) find every
step robustly, but define heel strike as the heel's farthest-forward point, while force plates and the
usual motion-capture pipelines (e.g. Visual3D's heel-velocity method) put it when the heel comes to rest.
Each definition here searches near one extreme (`anchor`, in frames), so it inherits its step finding:
- "velocity": the heel's speed in the image (relative to the ground, not the pelvis) falls below
  `fraction` of its late-swing peak (heel strike); the toe's speed rises above `fraction` of its
  early-swing peak (toe off). A relative threshold stands in for the absolute 50 mm/s of Ghoussayni et al.
  2004, which needs a scale that 2D video lacks.
- "foot_velocity": O'Connor et al. 2007's foot-velocity algorithm on the foot centre (midpoint of heel and
  toe): heel strike at a local minimum, toe off at a local maximum of its vertical velocity (here: the
  local extreme nearest the position extreme).
All work on low-passed positions; times are fractional frames (linear interpolation or parabola vertex).
"""

from __future__ import annotations

import numpy as np

CONTACT_METHODS = ("position", "velocity", "foot_velocity")


def _speed(xy: np.ndarray, fps: float) -> np.ndarray:
    """Speed (units/s) of an (T, 2) trajectory."""
    v = np.gradient(xy, axis=0) * fps
    return np.asarray(np.hypot(v[:, 0], v[:, 1]))


def _window(anchor: float, before: int, after: int, n: int) -> tuple[int, int]:
    a = round(float(anchor))
    return max(0, a - before), min(n, a + after + 1)


def _crossing(s: np.ndarray, level: float, i: int) -> float:
    """Fractional frame where s crosses `level` between samples i - 1 and i."""
    d = s[i] - s[i - 1]
    return float(i - 1 + (level - s[i - 1]) / d) if d != 0 else float(i)


def speed_heel_strikes(
    heel_xy: np.ndarray, anchors: np.ndarray, fps: float, half_window: int, fraction: float
) -> np.ndarray:
    """Heel strike = first frame after the late-swing speed peak (searched `half_window` frames before
    each anchor) where the heel's speed falls below `fraction` of that peak, within `half_window` after the
    anchor. NaN where the heel does not slow down in time (e.g. the recording ends in swing)."""
    s = _speed(heel_xy, fps)
    out = np.full(len(anchors), np.nan)
    for j, anc in enumerate(anchors):
        lo, hi = _window(anc, half_window, 0, len(s))
        if hi - lo < 2:
            continue
        p = lo + int(np.argmax(s[lo:hi]))
        level = fraction * s[p]
        _, end = _window(anc, 0, half_window, len(s))
        below = np.nonzero(s[p + 1 : end] < level)[0]
        if len(below):
            out[j] = _crossing(s, level, p + 1 + int(below[0]))
    return out


def speed_toe_offs(
    toe_xy: np.ndarray, anchors: np.ndarray, fps: float, half_window: int, fraction: float
) -> np.ndarray:
    """Toe off = last frame before the early-swing speed peak (searched `half_window` frames after each
    anchor) where the toe's speed is still below `fraction` of that peak, within `half_window` before the
    anchor. NaN where the toe was not seen at rest (e.g. the recording starts in swing)."""
    s = _speed(toe_xy, fps)
    out = np.full(len(anchors), np.nan)
    for j, anc in enumerate(anchors):
        lo, hi = _window(anc, 0, half_window, len(s))
        if hi - lo < 2:
            continue
        q = lo + int(np.argmax(s[lo:hi]))
        level = fraction * s[q]
        start, _ = _window(anc, half_window, 0, len(s))
        below = np.nonzero(s[start:q] < level)[0]
        if len(below):
            i = start + int(below[-1]) + 1  # first sample above the level
            out[j] = _crossing(s, level, i)
    return out


def _vertex(y: np.ndarray, i: int) -> float:
    if 0 < i < len(y) - 1:
        a, b, c = y[i - 1], y[i], y[i + 1]
        den = a - 2 * b + c
        if den < 0:
            return float(i + 0.5 * (a - c) / den)
    return float(i)


def foot_velocity_events(
    foot_centre_up: np.ndarray, anchors: np.ndarray, fps: float, half_window: int, kind: str
) -> np.ndarray:
    """O'Connor et al. 2007: the foot centre's vertical velocity (up positive) has a local minimum (the
    foot's last descent) at heel strike (`kind="hs"`) and a local maximum (its first rise) at toe off
    (`kind="to"`); of the local extremes within `half_window` frames of the anchor, the nearest is taken
    (the whole window also holds mid-swing's larger ones), refined to a parabola vertex."""
    v = np.gradient(foot_centre_up) * fps
    y = -v if kind == "hs" else v
    out = np.full(len(anchors), np.nan)
    for j, anc in enumerate(anchors):
        lo, hi = _window(anc, half_window, half_window, len(y))
        i = np.arange(max(lo, 1), min(hi, len(y) - 1))
        i = i[(y[i] > y[i - 1]) & (y[i] >= y[i + 1])]
        if len(i):
            out[j] = _vertex(y, int(i[np.argmin(np.abs(i - anc))]))
    return out
