"""RULA, per frame (McAtamney & Corlett 1993), from posture angles (see posture.py).

Same conventions as reba.py: parameters for what a camera cannot see, boundary values belong to the
lower score, "neutral" is within `neutral_tolerance`, the worse arm is reported per frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posekit.analysis.ergonomics.reba import upper_arm_score as _reba_upper_arm
from posekit.analysis.ergonomics.tables import RULA_A, RULA_B, RULA_C, RULA_LEVELS, lookup


@dataclass
class RulaParams:
    """Worksheet inputs a camera does not see (defaults: the lowest-risk choice)."""

    load_kg: float = 0.0  # < 2 kg: 0; 2-10 kg intermittent: 1; 2-10 kg static/repeated: 2; > 10 kg: 3
    load_static_or_repeated: bool = False
    shock: bool = False  # shock or rapid build-up: force score 3
    muscle_use: bool = False  # static > 1 min or repeated > 4/min: +1 (to both scores)
    legs_unsupported: bool = False  # legs and feet not supported and balanced: 2
    shoulder_raised: bool = False
    arm_supported: bool = False
    arm_across_midline: bool = False  # lower arm working across the midline or out to the side: +1
    wrist_deviated: bool = False
    wrist_twist_end_range: bool = False  # wrist twist near the end of its range: 2 (else 1)
    neutral_tolerance: float = 5.0
    abduction_threshold: float = 30.0
    twist_threshold: float = 20.0


@dataclass
class RulaResult:
    """Per-frame RULA; each array (T,)."""

    upper_arm: np.ndarray
    lower_arm: np.ndarray
    wrist: np.ndarray
    wrist_twist: np.ndarray
    table_a: np.ndarray
    score_a: np.ndarray
    neck: np.ndarray
    trunk: np.ndarray
    legs: np.ndarray
    table_b: np.ndarray
    score_b: np.ndarray
    score: np.ndarray
    level: np.ndarray
    level_name: np.ndarray
    side: np.ndarray
    valid: np.ndarray
    params: RulaParams = field(default_factory=RulaParams)


def action_level(score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(score)
    level, name = np.ones(s.shape, dtype=np.int64), np.full(s.shape, RULA_LEVELS[0][2], dtype=object)
    for lo, lv, nm in RULA_LEVELS:
        level[s >= lo], name[s >= lo] = lv, nm
    return level, name


def upper_arm_score(flex: np.ndarray, abd: np.ndarray, p: RulaParams) -> np.ndarray:
    return _reba_upper_arm(flex, abd, p)  # type: ignore[arg-type]  # identical rules and adjustments


def lower_arm_score(flex: np.ndarray, p: RulaParams) -> np.ndarray:
    f = np.asarray(flex, dtype=np.float64)
    return np.where((f >= 60) & (f <= 100), 1, 2) + int(p.arm_across_midline)


def wrist_score(flex: np.ndarray, p: RulaParams) -> np.ndarray:
    a = np.abs(np.nan_to_num(np.asarray(flex, dtype=np.float64)))  # unmeasured: neutral
    return np.select([a <= p.neutral_tolerance, a <= 15], [1, 2], 3) + int(p.wrist_deviated)


def neck_score(flex: np.ndarray, side_bend: np.ndarray, p: RulaParams) -> np.ndarray:
    f = np.nan_to_num(np.asarray(flex, dtype=np.float64))
    s = np.select([f < -p.neutral_tolerance, f <= 10, f <= 20], [4, 1, 2], 3)
    return s + (np.abs(np.nan_to_num(side_bend)) > p.twist_threshold)


def trunk_score(flex: np.ndarray, twist: np.ndarray, side_bend: np.ndarray, p: RulaParams) -> np.ndarray:
    a = np.abs(np.nan_to_num(np.asarray(flex, dtype=np.float64)))
    s = np.select([a <= p.neutral_tolerance, a <= 20, a <= 60], [1, 2, 3], 4)
    return (
        s
        + (np.abs(np.nan_to_num(twist)) > p.twist_threshold)
        + (np.abs(np.nan_to_num(side_bend)) > p.twist_threshold)
    )


def force_score(p: RulaParams) -> int:
    if p.shock or p.load_kg > 10:
        return 3
    if p.load_kg < 2:
        return 0
    return 2 if p.load_static_or_repeated else 1


def rula(posture: dict[str, np.ndarray], params: RulaParams | None = None) -> RulaResult:
    """RULA per frame from `posture_2d`/`posture_3d` angles."""
    p = params or RulaParams()
    extra = int(p.muscle_use) + force_score(p)
    neck = neck_score(posture["neck_flexion"], posture["neck_side_bend"], p)
    trunk = trunk_score(posture["trunk_flexion"], posture["trunk_twist"], posture["trunk_side_bend"], p)
    legs = np.full(neck.shape, 2 if p.legs_unsupported else 1)
    tb = lookup(RULA_B, neck, trunk, legs)
    score_b = tb + extra
    twist = np.full(neck.shape, 2 if p.wrist_twist_end_range else 1)
    per_side = []
    for s in ("right", "left"):
        ua = upper_arm_score(posture[f"{s}_upper_arm_flexion"], posture[f"{s}_upper_arm_abduction"], p)
        la = lower_arm_score(posture[f"{s}_lower_arm_flexion"], p)
        wr = wrist_score(posture[f"{s}_wrist_flexion"], p)
        ta = lookup(RULA_A, ua, la, wr, twist)
        sa = ta + extra
        per_side.append((lookup(RULA_C, sa, score_b), ua, la, wr, ta, sa))
    use_left = per_side[1][0] > per_side[0][0]
    pick = lambda i: np.where(use_left, per_side[1][i], per_side[0][i])
    score = pick(0)
    level, name = action_level(score)
    names = ["trunk_flexion", "neck_flexion", "right_upper_arm_flexion", "right_lower_arm_flexion"]
    valid = np.all([np.isfinite(posture[n]) for n in names], axis=0)
    return RulaResult(
        pick(1),
        pick(2),
        pick(3),
        twist,
        pick(4),
        pick(5),
        neck,
        trunk,
        legs,
        tb,
        score_b,
        score,
        level,
        name,
        np.where(use_left, "left", "right"),
        valid,
        p,
    )
