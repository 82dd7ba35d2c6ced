import numpy as np

from posekit.track import BoxKalman, box_iou, box_to_z, z_to_box


def test_box_conversions_round_trip():
    b = np.array([[10.0, 20.0, 50.0, 120.0]])
    assert np.allclose(box_to_z(b), [[30, 70, 40, 100]])
    assert np.allclose(z_to_box(box_to_z(b)), b)


def test_learns_constant_velocity_and_predicts():
    kf = BoxKalman([0, 0, 100, 200])
    for t in range(1, 30):
        kf.predict()
        kf.update(np.array([0, 0, 100, 200]) + np.array([5 * t, -2 * t, 5 * t, -2 * t]))
    assert np.allclose(kf.velocity, [5, -2], atol=0.05)
    mean, cov = kf.predicted(3)
    assert np.allclose(mean[:2], [50 + 5 * 32, 100 - 2 * 32], atol=0.5)
    assert np.all(np.linalg.eigvalsh(cov) > 0)
    kf.predict(3)  # skipped frames
    assert np.allclose(kf.box, [5 * 32, -2 * 32, 100 + 5 * 32, 200 - 2 * 32], atol=0.5)


def test_noisy_measurements_are_smoothed():
    rng = np.random.default_rng(0)
    kf = BoxKalman([100, 100, 200, 300])
    errs = []
    for _ in range(100):
        kf.predict()
        kf.update(np.array([100, 100, 200, 300]) + rng.normal(0, 5, 4))
        errs.append(np.abs(kf.box - [100, 100, 200, 300]).mean())
    assert np.mean(errs[20:]) < 3.0


def test_box_never_collapses_and_iou():
    kf = BoxKalman([0, 0, 10, 10])
    kf.mean[6:8] = -5
    kf.predict(10)
    assert (kf.mean[2:4] >= 1).all()
    kf.stop_size_change()
    assert (kf.mean[6:8] == 0).all()
    iou = box_iou(np.array([[0, 0, 10, 10]]), np.array([[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30]]))
    assert np.allclose(iou, [[1, 1 / 3, 0]])
