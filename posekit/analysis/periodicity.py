"""Windowed periodicity map of a multichannel signal: where in a clip the motion repeats, and at what period.

Used by class-agnostic repetition counting to find the exercise's stretch *before* choosing the signal to
count, so that set-up moves, rests and walking around do not dominate it (docs/analysis.md).

For a candidate period P and a window of `window_periods` x P frames centred on frame t, the local
similarity at lag L is r(t, L) = 1 - mean |x(s) - x(s + L)|^2 / (2 var), over the pairs inside the window
and the window's total variance (all channels together, so no principal component has to be chosen
first). It is 1 when the motion repeats exactly after L frames and about -1 half a cycle later.
The periodicity score is S(t, P) = r(t, P) - max(r(t, P/2), r(t, P/3)): a true period scores up to 2,
while a multiple of it (2P, 3P: r(P/2) or r(P/3) is then also high) and a lag too short to see the
motion change (r high at every lag) score about 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PERIOD_RATIO = 1.08  # candidate periods are a geometric grid (8 % steps)
# A window with fewer observed (not interpolated) frames scores nothing: mostly a straight line drawn over
# a gap, no evidence either way. Low on purpose: a person lost for a few frames at the same phase of every
# repetition (detectors drop extreme poses) leaves over half of some real sets unobserved, and at 0.5 those
# sets vanished from the map (docs/analysis.md, RepCount; 0.5/0.3/0.1 are cross-validated there).
MIN_OBSERVED = 0.1


@dataclass
class PeriodicityMap:
    """`score[i, t]`: periodicity of frame t's neighbourhood at period `periods[i]` frames (-inf where
    too few frames were observed)."""

    periods: np.ndarray  # (P,) int, frames
    score: np.ndarray  # (P, T)
    window_periods: float

    def dominant_period(self, threshold: float) -> int | None:
        """The period with the most periodicity above `threshold`, summed over frames (neighbouring grid
        periods pooled, so one period split between two grid points still wins); None if nothing scores."""
        w = np.clip(self.score - threshold, 0, None).sum(axis=1)
        if w.max() <= 0:
            return None
        return int(self.periods[int(np.convolve(w, [1.0, 1.0, 1.0], "same").argmax())])

    def periodic_frames(self, period: int, threshold: float, band: float = 1.3) -> np.ndarray:
        """(T,) bool: frames whose best score at a period within `band` x of `period` reaches `threshold`
        (the tempo may drift within a set)."""
        near = (self.periods >= period / band) & (self.periods <= period * band)
        return self.score[near].max(axis=0) >= threshold


def _cumsum0(a: np.ndarray) -> np.ndarray:
    return np.concatenate([np.zeros((1,) + a.shape[1:]), np.cumsum(a, axis=0)])


def local_similarity(x: np.ndarray, lag: int, window: int) -> np.ndarray:
    """(T,) r(t, lag) over a window of `window` pair centres around each frame t (see module docstring)."""
    t_len = len(x)
    lag = int(min(max(lag, 1), t_len - 1))
    d = _cumsum0(((x[lag:] - x[:-lag]) ** 2).sum(axis=1))
    cx, cx2 = _cumsum0(x), _cumsum0((x**2).sum(axis=1))
    centres = np.arange(t_len)
    # pairs (s, s + lag) whose centre s + lag/2 lies in the window; edges use what exists
    s0 = np.clip(centres - window // 2 - lag // 2, 0, t_len - lag)
    s1 = np.maximum(np.clip(centres + window // 2 - lag // 2, 0, t_len - lag), s0 + 1)
    mean_d = (d[s1] - d[s0]) / (s1 - s0)
    f1 = np.minimum(s1 + lag, t_len)  # the frames those pairs touch
    n = (f1 - s0)[:, None]
    mean = (cx[f1] - cx[s0]) / n
    var = (cx2[f1] - cx2[s0]) / n[:, 0] - (mean**2).sum(axis=1)
    return np.asarray(1.0 - mean_d / (2.0 * var + 1e-9))


def periodicity_map(
    x: np.ndarray,
    observed: np.ndarray,
    min_period: int,
    window_periods: float = 2.0,
    min_observed: float = MIN_OBSERVED,
) -> PeriodicityMap:
    """The map of a (T, C) signal (smoothed, missing frames filled) for periods from `min_period` to
    half the clip; `observed` (T,) marks frames that were not filled in; windows with a smaller share
    of observed frames than `min_observed` score -inf."""
    t_len = len(x)
    grid, p = [], float(min_period)
    while p <= max(min_period, t_len // 2):
        grid.append(round(p))
        p *= PERIOD_RATIO
    periods = np.array(sorted(set(grid)), dtype=int)
    c_obs = _cumsum0(observed.astype(np.float64))
    centres = np.arange(t_len)
    score = np.empty((len(periods), t_len))
    for i, per in enumerate(periods):
        win = int(window_periods * per)
        sub = np.maximum(local_similarity(x, round(per / 2), win), local_similarity(x, round(per / 3), win))
        score[i] = local_similarity(x, int(per), win) - sub
        lo = np.clip(centres - win // 2 - per // 2, 0, t_len)
        hi = np.clip(centres + win // 2 + per // 2, 0, t_len)
        score[i, (c_obs[hi] - c_obs[lo]) / np.maximum(hi - lo, 1) < min_observed] = -np.inf
    return PeriodicityMap(periods, score, window_periods)
