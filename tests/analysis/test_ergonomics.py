"""REBA/RULA: table shapes and structure, every angle threshold on both sides, worked examples."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from posekit.analysis.ergonomics import RebaParams, RulaParams, reba, rula

reba_mod = importlib.import_module(
    "posekit.analysis.ergonomics.reba"
)  # the package exports functions of the same names
rula_mod = importlib.import_module("posekit.analysis.ergonomics.rula")
from posekit.analysis.ergonomics.tables import REBA_A, REBA_B, REBA_C, RULA_A, RULA_B, RULA_C, lookup  # noqa: E402


def test_table_shapes_and_monotonic():
    for t, shape in (
        (REBA_A, (5, 3, 4)),
        (REBA_B, (6, 2, 3)),
        (REBA_C, (12, 12)),
        (RULA_A, (6, 3, 4, 2)),
        (RULA_B, (6, 6, 2)),
        (RULA_C, (8, 7)),
    ):
        assert t.shape == shape
        for ax in range(t.ndim):  # a worse body-part score never lowers the table score
            assert (np.diff(t, axis=ax) >= 0).all(), (shape, ax)
    # spot cells from the published worksheets
    assert REBA_A[2, 0, 0] == 2 and REBA_A[4, 2, 3] == 9 and REBA_B[5, 1, 2] == 9 and REBA_C[5, 8] == 10
    assert RULA_A[0, 0, 0, 0] == 1 and RULA_A[5, 2, 3, 1] == 9 and RULA_B[3, 0, 0] == 5 and RULA_C[7, 6] == 7
    assert lookup(REBA_C, np.array([15]), np.array([1]))[0] == 12  # clipped to the last row


P = RebaParams()
E = 1e-6


@pytest.mark.parametrize(
    "fn,edges",
    [
        (lambda a: reba_mod.trunk_score(a, P), [(5, 1, 2), (20, 2, 3), (60, 3, 4), (-5, 1, 2), (-20, 2, 3)]),
        (lambda a: reba_mod.neck_score(a, P), [(20, 1, 2), (-5, 1, 2)]),
        (lambda a: reba_mod.legs_score(a, P), [(30, 1, 2), (60, 2, 3)]),
        (
            lambda a: reba_mod.upper_arm_score(a, np.zeros_like(a), P),
            [(20, 1, 2), (45, 2, 3), (90, 3, 4), (-20, 1, 2)],
        ),
        (lambda a: reba_mod.lower_arm_score(a), [(60, 1, 2), (100, 1, 2)]),
        (lambda a: reba_mod.wrist_score(a, P), [(15, 1, 2), (-15, 1, 2)]),
        (lambda a: rula_mod.wrist_score(a, RulaParams()), [(5, 1, 2), (15, 2, 3)]),
        (
            lambda a: rula_mod.neck_score(a, np.zeros_like(a), RulaParams()),
            [(10, 1, 2), (20, 2, 3), (-5, 1, 4)],
        ),
        (
            lambda a: rula_mod.trunk_score(a, np.zeros_like(a), np.zeros_like(a), RulaParams()),
            [(5, 1, 2), (20, 2, 3), (60, 3, 4)],
        ),
        (lambda a: rula_mod.lower_arm_score(a, RulaParams()), [(60, 1, 2), (100, 1, 2)]),
    ],
)
def test_every_threshold_on_both_sides(fn, edges):
    for edge, inside, outside in edges:
        step = E if edge > 0 else -E
        got = fn(np.array([edge, edge + step], dtype=np.float64))
        if edge == 60 and inside == 1:  # lower arm: the interval's lower edge, below it is worse
            got = fn(np.array([edge, edge - E]))
        assert list(got) == [inside, outside], (edge, got)


def test_adjustments():
    p = RebaParams(shoulder_raised=True)
    assert reba_mod.upper_arm_score(np.array([0.0]), np.array([40.0]), p)[0] == 3  # 1 + abducted + raised
    assert reba_mod.upper_arm_score(np.array([0.0]), np.zeros(1), RebaParams(arm_supported=True))[0] == 1
    assert (
        reba_mod.load_score(RebaParams(load_kg=5)) == 1
        and reba_mod.load_score(RebaParams(load_kg=11, shock=True)) == 3
    )
    assert rula_mod.force_score(RulaParams(load_kg=5, load_static_or_repeated=True)) == 2


def posture(**kw) -> dict[str, np.ndarray]:
    base = {
        k: 0.0 for k in ("trunk_flexion", "trunk_side_bend", "trunk_twist", "neck_flexion", "neck_side_bend")
    }
    for s in ("right", "left"):
        base.update(
            {
                f"{s}_upper_arm_flexion": 0.0,
                f"{s}_upper_arm_abduction": 0.0,
                f"{s}_lower_arm_flexion": 80.0,
                f"{s}_wrist_flexion": 0.0,
                f"{s}_knee_flexion": 0.0,
            }
        )
    base.update(kw)
    return {k: np.array([v], dtype=np.float64) for k, v in base.items()}


def test_reba_worked_example():
    # Trunk flexed 30 (3), neck flexed 25 (2), knees bent 45 (legs 1+1=2) -> table A 5; load 6 kg (+1) -> A 6.
    # Right upper arm flexed 50 (3), elbow 80 (1), wrist 20 (2) -> table B 4; fair coupling (+1) -> B 5.
    # Table C (6, 5) = 8; one activity point -> REBA 9, "high".
    r = reba(
        posture(
            trunk_flexion=30,
            neck_flexion=25,
            right_knee_flexion=45,
            right_upper_arm_flexion=50,
            right_wrist_flexion=20,
        ),
        RebaParams(load_kg=6, coupling=1, activity=1),
    )
    assert (r.trunk[0], r.neck[0], r.legs[0], r.table_a[0], r.score_a[0]) == (3, 2, 2, 5, 6)
    assert (r.upper_arm[0], r.lower_arm[0], r.wrist[0], r.table_b[0], r.score_b[0]) == (3, 1, 2, 4, 5)
    assert (r.table_c[0], r.score[0], r.level[0]) == (8, 9, "high")
    neutral = reba(posture())
    assert neutral.score[0] == 1 and neutral.level[0] == "negligible"


def test_rula_worked_example():
    # Upper arm 50 (3), lower arm 110 (2), wrist 10 (2), twist mid (1) -> table A 4; muscle use +1 -> 5.
    # Neck 15 (2), trunk 25 (3), legs 1 -> table B 4; +1 -> 5.  Table C (5, 5) = 6: action level 3.
    r = rula(
        posture(
            right_upper_arm_flexion=50,
            right_lower_arm_flexion=110,
            right_wrist_flexion=10,
            neck_flexion=15,
            trunk_flexion=25,
        ),
        RulaParams(muscle_use=True),
    )
    assert (r.upper_arm[0], r.lower_arm[0], r.wrist[0], r.table_a[0], r.score_a[0]) == (3, 2, 2, 4, 5)
    assert (r.neck[0], r.trunk[0], r.table_b[0], r.score_b[0]) == (2, 3, 4, 5)
    assert (r.score[0], r.level[0]) == (6, 3)
    assert rula(posture()).score[0] == 1


def test_worse_arm_is_reported():
    r = reba(posture(left_upper_arm_flexion=100))
    assert r.side[0] == "left" and r.upper_arm[0] == 4
