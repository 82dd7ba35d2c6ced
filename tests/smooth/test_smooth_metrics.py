import numpy as np
import pytest

from posekit.smooth import jitter, lag


def test_jitter_values():
    t = np.arange(20, dtype=float)
    line = np.stack([3 * t, -t], axis=1)[:, None, :]  # (T, 1, 2) constant velocity
    assert jitter(line) == 0.0
    zig = np.zeros((10, 1, 2))
    zig[::2, 0, 0] = 1.0  # |x+ - 2x + x-| = 2 everywhere
    assert jitter(zig) == pytest.approx(2.0)
    noise = np.random.default_rng(0).normal(0, 2.0, (5000, 1, 2))
    assert jitter(noise) == pytest.approx(3.07 * 2.0, rel=0.05)


def test_jitter_masks_nan_and_low_scores():
    x = np.zeros((10, 2, 2))
    x[5, 1] = 100.0
    scores = np.ones((10, 2))
    assert jitter(x) > 0
    scores[5, 1] = 0.1
    assert jitter(x, scores) == 0.0
    x[5, 1] = np.nan
    assert jitter(x) == 0.0
    assert np.isnan(jitter(np.full((10, 2, 2), np.nan)))


def test_lag_recovers_shift():
    t = np.arange(100, dtype=float)
    raw = np.stack([np.sin(t / 7), np.cos(t / 11)], axis=1)
    delayed = np.roll(raw, 3, axis=0)
    delayed[:3] = np.nan
    assert lag(raw, delayed) == pytest.approx(3.0, abs=0.05)
    assert lag(raw, np.roll(raw, -2, axis=0)[:-2].tolist() + [[np.nan] * 2] * 2) == pytest.approx(
        -2.0, abs=0.05
    )
    ramp = np.stack([4 * t, 0 * t], axis=1)
    assert lag(ramp, ramp - 4 * 1.5) == pytest.approx(1.5, abs=0.01)  # sub-frame
    assert lag(np.zeros((20, 2)), np.zeros((20, 2))) == 0.0
    with pytest.raises(ValueError):
        lag(raw, raw, max_lag=100)
