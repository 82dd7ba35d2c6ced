"""The One Euro filter (Casiez, Roussel & Vogel, CHI 2012), vectorised over keypoints.

A first-order low-pass filter whose cutoff frequency rises with the signal's speed: slow
movements are smoothed hard (no jitter at rest), fast ones lightly (little lag while moving).

For each keypoint, with dt the time since its previous sample:

    alpha(fc) = 1 / (1 + 1 / (2 pi fc dt))             # smoothing factor of an exponential filter
    dx_hat    = dx_hat + alpha(d_cutoff) * ((x - x_hat) / dt - dx_hat)   # smoothed velocity
    fc        = min_cutoff + beta * |dx_hat| / scale
    x_hat     = x_hat + alpha(fc) * (x - x_hat)

|dx_hat| is the speed of the keypoint (norm over its D coordinates, so all coordinates of a
keypoint share one cutoff), divided by an optional `scale` (e.g. the person's height in pixels,
making `beta` independent of image resolution and of how far the person stands).

Parameters:
    min_cutoff: cutoff frequency in Hz at rest. Lower = smoother but laggier slow motion.
    beta: how fast the cutoff rises with speed, in Hz per (scale unit per second). Higher = less
        lag in fast motion, more jitter let through while moving.
    d_cutoff: cutoff in Hz of the velocity estimate that drives the adaptation (1 Hz, as in the
        paper, rarely needs changing).

Tuning recipe (from the paper): set beta = 0 and lower `min_cutoff` until the jitter of a still
person is acceptable; then move (fast) and raise `beta` until the lag is acceptable. Redo the
first step if jitter came back at moderate speeds.
"""

from __future__ import annotations

import math

import numpy as np


def smoothing_factor(dt: np.ndarray, cutoff: np.ndarray | float) -> np.ndarray:
    """alpha = 1 / (1 + tau / dt) with tau = 1 / (2 pi cutoff); 0 where dt <= 0."""
    dt = np.asarray(dt, dtype=np.float64)
    r = 2 * math.pi * np.asarray(cutoff, dtype=np.float64) * dt
    return np.where(dt > 0, r / (r + 1), 0.0)


class OneEuroFilter:
    """One Euro filter over a (K, D) array of keypoints; see the module docstring for the maths,
    the meaning of `min_cutoff`, `beta`, `d_cutoff` and how to tune them.

    Call it with each new sample: `smoothed = f(x, t)`, x of shape (K, D), t in seconds
    (non-decreasing). Each keypoint keeps its own state and last time:

    * the first finite sample of a keypoint passes through unchanged;
    * a NaN keypoint (any coordinate NaN) comes out NaN and leaves its state untouched, so when it
      reappears it is filtered against its last value with the real elapsed time (long gaps give
      alpha close to 1, i.e. little smoothing across the gap);
    * a repeated time stamp returns the previous estimate.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.0, d_cutoff: float = 1.0) -> None:
        if min_cutoff <= 0 or d_cutoff <= 0 or beta < 0:
            raise ValueError(
                f"OneEuroFilter: need min_cutoff > 0, d_cutoff > 0, beta >= 0; "
                f"got {min_cutoff}, {d_cutoff}, {beta}"
            )
        self.min_cutoff, self.beta, self.d_cutoff = float(min_cutoff), float(beta), float(d_cutoff)
        self.reset()

    def reset(self) -> None:
        """Forget all state (the next sample passes through)."""
        self._x: np.ndarray | None = None  # (K, D) last estimate
        self._dx: np.ndarray | None = None  # (K, D) last smoothed velocity (units per second)
        self._t: np.ndarray | None = None  # (K,) time of each keypoint's last sample (NaN: never)

    def __call__(self, x: np.ndarray, t: float, scale: float | None = None) -> np.ndarray:
        """Filter one sample. Returns a float64 (K, D) array (NaN where `x` is NaN)."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2:
            raise ValueError(f"OneEuroFilter: expected a (K, D) array, got shape {x.shape}")
        if self._x is None or self._dx is None or self._t is None:
            self._x, self._dx = np.full(x.shape, np.nan), np.zeros(x.shape)
            self._t = np.full(x.shape[0], np.nan)
        elif x.shape != self._x.shape:
            raise ValueError(f"OneEuroFilter: shape changed from {self._x.shape} to {x.shape}; call reset()")
        xs, dxs, ts = self._x, self._dx, self._t  # the state, updated in place
        t = float(t)
        valid = np.isfinite(x).all(axis=1)
        seen = ~np.isnan(ts)
        if np.any(valid & seen & (t < ts)):
            raise ValueError(f"OneEuroFilter: time went backwards to {t} (last {np.nanmax(ts)})")
        out = np.where(valid[:, None], x, np.nan)

        new = valid & ~seen
        xs[new], dxs[new], ts[new] = x[new], 0.0, t

        upd = valid & seen
        if upd.any():
            dt = (t - ts[upd])[:, None]
            prev, dprev = xs[upd], dxs[upd]
            with np.errstate(divide="ignore", invalid="ignore"):
                dx = np.where(dt > 0, (x[upd] - prev) / dt, dprev)
            dx_hat = dprev + smoothing_factor(dt, self.d_cutoff) * (dx - dprev)
            speed = np.linalg.norm(dx_hat, axis=1, keepdims=True)
            if scale is not None and np.isfinite(scale) and scale > 0:
                speed = speed / scale
            cutoff = self.min_cutoff + self.beta * speed
            x_hat = prev + smoothing_factor(dt, cutoff) * (x[upd] - prev)
            xs[upd], dxs[upd], ts[upd] = x_hat, dx_hat, t
            out[upd] = x_hat
        return out

    @property
    def last_time(self) -> float | None:
        """Latest time stamp seen (over all keypoints), or None before the first sample."""
        if self._t is None or np.isnan(self._t).all():
            return None
        return float(np.nanmax(self._t))
