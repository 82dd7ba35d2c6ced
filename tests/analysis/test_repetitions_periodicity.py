"""The periodicity map behind class-agnostic counting: the period, not its multiples, and where it holds."""

from __future__ import annotations

import numpy as np
import pytest

from posekit.analysis import count_repetitions
from posekit.analysis.periodicity import periodicity_map

from .synth import BP, squats


def test_map_finds_the_period_and_its_stretch():
    t = np.arange(600)
    x = np.zeros((600, 2))
    x[200:500, 0] = np.sin(2 * np.pi * t[200:500] / 30)  # 10 cycles of 30 frames between still parts
    x[200:500, 1] = 0.5 * np.sin(4 * np.pi * t[200:500] / 30)  # a harmonic: 30 stays the period
    x += np.random.default_rng(0).normal(0, 0.01, x.shape)
    m = periodicity_map(x, np.ones(600, bool), min_period=8)
    assert m.dominant_period(0.2) == pytest.approx(30, rel=0.1)
    # the set scores near the maximum (2); white noise scores about 0, +-0.3 in short windows
    near = m.periodic_frames(30, 0.6)
    assert near[200:500].all() and not near[:140].any() and not near[560:].any()


def test_missing_stretch_scores_nothing():
    x = np.sin(2 * np.pi * np.arange(300) / 25)[:, None]
    observed = np.ones(300, bool)
    observed[:260] = False  # filled in, not seen: no evidence of repetition there
    m = periodicity_map(x, observed, min_period=8)
    assert np.isneginf(m.score[:, :50]).all()  # every window there is under 10 % observed


def test_walking_in_before_the_set_is_not_counted():
    # The person walks 2 m into the frame, then does 5 squats: the walk is the largest motion of the
    # clip, the kind of one-off move that used to win the principal component.
    kp = squats(5, lead_s=1.0)
    walk = np.stack([kp[0] + (-400.0 + 400.0 * i / 60, 0.0) for i in range(60)])
    sway = 8.0 * np.sin(np.arange(60) * np.pi / 7.5)[:, None]  # steps bob the body up and down
    walk[..., 1] += sway
    kp = np.concatenate([walk, kp]) + np.random.default_rng(3).normal(0, 1.0, (60 + len(kp), len(BP), 2))
    r = count_repetitions(kp, "blazepose33", fps=30.0)
    assert r.count == 5
    assert r.period == pytest.approx(2.0, rel=0.15)
    assert all(rep.start >= 50 for rep in r.repetitions)
