import numpy as np
import pytest

from posekit.smooth import OneEuroFilter, jitter, lag, smoothing_factor

FPS = 30.0


def filt(x, scale=300.0, **params):
    f = OneEuroFilter(**{"min_cutoff": 1.0, "beta": 2.0, **params})
    return np.stack([f(x[t], t / FPS, scale=scale) for t in range(len(x))])


def walk(T=240, K=17, v=4.0, noise=2.0, seed=0):
    clean = np.zeros((T, K, 2))
    clean[:, :, 0] = 100 + v * np.arange(T)[:, None] + np.arange(K) * 3
    clean[:, :, 1] = 300 + np.arange(K)
    return clean, clean + np.random.default_rng(seed).normal(0, noise, clean.shape)


def test_smoothing_factor():
    assert smoothing_factor(0.0, 1.0) == 0.0
    tau = 1 / (2 * np.pi * 3.0)
    assert np.isclose(smoothing_factor(0.1, 3.0), 1 / (1 + tau / 0.1))


def test_constant_velocity_much_less_jitter_little_lag():
    clean, raw = walk()
    sm = filt(raw)
    assert jitter(sm[30:]) < 0.35 * jitter(raw[30:])
    assert 0 <= lag(clean[30:], sm[30:]) < 2.0
    _, rest_raw = walk(v=0.0)
    assert jitter(filt(rest_raw)[30:]) < 0.15 * jitter(rest_raw[30:])
    # beta trades jitter for lag when moving
    assert lag(clean[30:], filt(raw, beta=0.0)[30:]) > 3.0


def test_step_is_followed_without_offset():
    x = np.zeros((90, 3, 2))
    x[30:] = 200.0
    sm = filt(x)
    assert np.all(sm[:30] == 0)
    assert np.all(np.diff(sm[30:, 0, 0]) >= 0) and np.all(sm[30:] <= 200.0)
    assert np.abs(sm[-1] - 200.0).max() < 1e-3
    assert np.abs(sm[45] - 200.0).max() < 2.0  # within half a second


def test_nan_passes_through_and_does_not_poison_state():
    _, raw = walk(T=60, K=4, v=0.0, noise=0.5)
    raw[20:25, 1] = np.nan  # keypoint 1 missing for 5 frames
    raw[10, 2, 0] = np.nan  # one coordinate missing
    f = OneEuroFilter()
    out = np.stack([f(raw[t], t / FPS) for t in range(60)])
    assert np.isnan(out[20:25, 1]).all() and np.isnan(out[10, 2]).all()
    missing = np.zeros((60, 4), bool)
    missing[20:25, 1] = missing[10, 2] = True
    assert np.array_equal(np.isnan(out).any(axis=2), missing)
    assert np.isfinite(out[25:, 1]).all() and np.isfinite(out[11:, 2]).all()
    assert np.abs(out[25:, 1] - raw[25:, 1]).max() < 3.0


def test_first_sample_passes_and_keypoint_starts_later():
    f = OneEuroFilter()
    x = np.array([[1.0, 2.0], [np.nan, np.nan]])
    assert np.array_equal(f(x, 0.0), x, equal_nan=True)
    y = np.array([[1.0, 2.0], [5.0, 6.0]])
    assert np.allclose(f(y, 1 / FPS), y)  # keypoint 1's first sample passes through
    assert np.allclose(f(y, 1 / FPS), y)  # repeated time stamp: previous estimate
    assert f.last_time == pytest.approx(1 / FPS)


def test_3d_and_errors():
    f = OneEuroFilter(min_cutoff=0.5, beta=0.1)
    assert f(np.zeros((33, 3)), 0.0).shape == (33, 3)
    with pytest.raises(ValueError, match="shape"):
        f(np.zeros((17, 3)), 0.1)
    with pytest.raises(ValueError, match="backwards"):
        f(np.zeros((33, 3)), -1.0)
    f.reset()
    assert f.last_time is None
    with pytest.raises(ValueError):
        OneEuroFilter(min_cutoff=0)
