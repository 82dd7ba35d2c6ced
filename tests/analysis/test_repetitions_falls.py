"""Repetitions, falls and activity on synthetic movements with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from posekit.analysis import activity_states, count_repetitions, detect_falls
from posekit.errors import InputError

from .synth import body, fall, flip, squats


@pytest.mark.parametrize("n", [3, 6])
def test_class_agnostic_counts_synthetic_squats(n):
    kp = squats(n)
    rng = np.random.default_rng(0)
    kp = kp + rng.normal(0, 1.0, kp.shape)
    kp[10:14] = np.nan  # the person is lost for a few frames
    r = count_repetitions(kp, "blazepose33", fps=30.0)
    assert r.count == n
    assert r.period == pytest.approx(2.0, abs=0.2)
    for rep in r.repetitions:
        assert 1.2 < rep.duration < 2.8


def test_named_exercise_counts_and_flags():
    r = count_repetitions(squats(4, depth=100), "blazepose33", fps=30.0, exercise="squat")
    assert r.count == 4 and all(not rep.flags for rep in r.repetitions)
    assert r.repetitions[0].range == pytest.approx(100, abs=2)
    shallow = count_repetitions(squats(4, depth=70), "blazepose33", fps=30.0, exercise="squat")
    assert shallow.count == 4 and all(rep.flags for rep in shallow.repetitions)
    user = count_repetitions(
        squats(2), "blazepose33", fps=30.0, exercise="angle", angle="right knee", low=20, high=80
    )
    assert user.count == 2
    with pytest.raises(InputError):
        count_repetitions(squats(2), "blazepose33", exercise="burpee")
    with pytest.raises(InputError):
        count_repetitions(np.zeros((10, 17, 2)), "blazepose33")


def test_no_repetitions_when_still():
    kp = np.stack([body()] * 120) + np.random.default_rng(1).normal(0, 0.5, (120, 33, 2))
    assert count_repetitions(kp, "blazepose33").count <= 1


def test_fall_detected_with_latency():
    kp, _ = fall()
    t = np.arange(len(kp)) / 30.0
    ev = detect_falls(kp, t, "blazepose33", track_id=7)
    assert len(ev) == 1 and ev[0].track_id == 7
    assert (
        0 <= ev[0].time - 2.0 <= 0.7
    )  # detected while going down, at most the fall's duration after it began
    assert 0.3 < ev[0].confidence <= 1


def test_no_fall_on_flip_squats_or_sitting_down():
    for kp in (flip(), squats(4)):
        assert detect_falls(kp, np.arange(len(kp)) / 30.0, "blazepose33") == []


def test_activity_states():
    kp, _ = fall()
    t = np.arange(len(kp)) / 30.0
    st = activity_states(kp, t, "blazepose33")
    assert st[0] == "standing" and st[-1] == "lying"
    walk = np.stack([body(origin=(100 + 3.0 * i, 700)) for i in range(90)])  # 90 px/s = 0.6 torso/s
    assert (activity_states(walk, t[:90], "blazepose33")[5:-5] == "walking").all()
