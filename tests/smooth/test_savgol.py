import numpy as np
import pytest

from posekit.smooth import savgol_smooth


def poly_traj(T, degree, K=3, D=2, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(T, dtype=float) / 10
    coef = rng.normal(0, 5, (degree + 1, K, D))
    return sum(coef[p] * t[:, None, None] ** p for p in range(degree + 1))


@pytest.mark.parametrize("order", [1, 2, 3])
def test_polynomials_up_to_order_are_kept_exactly(order):
    for degree in range(order + 1):
        x = poly_traj(50, degree)
        assert np.allclose(savgol_smooth(x, window=9, order=order), x, atol=1e-8)


def test_gaps_and_short_runs():
    x = poly_traj(40, 2)
    x[10:13, 0] = np.nan  # gap in keypoint 0
    x[30, 1, 1] = np.nan  # one coordinate missing: the keypoint is missing
    x[:, 2] = np.nan
    x[5:8, 2] = 1.0  # a run of 3 frames with window 9, order 2: w=3 > 2, still exact
    x[20:22, 2] = [[1, 2], [3, 4]]  # a run of 2: too short, unchanged
    out = savgol_smooth(x, window=9, order=2)
    assert np.isnan(out[10:13, 0]).all() and np.isnan(out[30, 1]).all()
    ok = np.isfinite(x).all(axis=2)
    assert np.array_equal(np.isfinite(out).all(axis=2), ok)
    assert np.allclose(out[ok], x[ok], atol=1e-8)


def test_noise_is_reduced_and_shapes():
    rng = np.random.default_rng(1)
    x = poly_traj(200, 1, K=1)
    noisy = x + rng.normal(0, 2, x.shape)
    out = savgol_smooth(noisy, 15, 2)
    assert np.abs(out - x).std() < 0.5 * np.abs(noisy - x).std()
    assert savgol_smooth(noisy[:, 0].astype(np.float32), 15, 2).dtype == np.float32
    assert savgol_smooth(noisy[:, 0], 15, 2).shape == (200, 2)
    with pytest.raises(ValueError):
        savgol_smooth(noisy, 8, 2)
    with pytest.raises(ValueError):
        savgol_smooth(noisy, 5, 5)
