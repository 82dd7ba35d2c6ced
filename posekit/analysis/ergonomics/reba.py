"""REBA, per frame (Hignett & McAtamney 2000), from posture angles (see posture.py).

What a camera cannot see is a parameter (`RebaParams`), with the worksheet's most favourable value as
default. Interval rules (degrees, flexion positive): a boundary value belongs to the lower score, e.g.
trunk flexion 20 scores 2 and 20.01 scores 3. "Upright" and "neutral" mean within `neutral_tolerance`.
Both arms are scored; each frame reports the side with the higher final score.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posekit.analysis.ergonomics.tables import REBA_A, REBA_B, REBA_C, REBA_LEVELS, lookup


@dataclass
class RebaParams:
    """Worksheet inputs a camera does not see (defaults: the lowest-risk choice)."""

    load_kg: float = 0.0  # < 5 kg: 0, 5-10 kg: +1, > 10 kg: +2
    shock: bool = False  # shock or rapid build-up of force: +1
    coupling: int = 0  # 0 good, 1 fair, 2 poor, 3 unacceptable
    activity: int = 0  # +1 each: static > 1 min, repeated small actions > 4/min, rapid large changes
    legs_unilateral: bool = False  # one-leg weight bearing or unstable base: legs base score 2
    sitting: bool = False  # sitting: no knee-flexion adjustment
    shoulder_raised: bool = False
    arm_supported: bool = False  # arm supported or person leaning: -1
    wrist_deviated: bool = False  # wrist deviated or twisted: +1
    neutral_tolerance: float = 5.0  # degrees counted as upright / neutral
    abduction_threshold: float = 30.0  # upper arm abducted beyond this: +1 (3D only)
    twist_threshold: float = 20.0  # trunk twisted / side-bent beyond this: +1 (3D only)


@dataclass
class RebaResult:
    """Per-frame REBA. Every array is (T,); scores are NaN-free ints, `valid` marks frames whose
    angles were all measured (others still get a score, from what was measured, but should not be trusted)."""

    trunk: np.ndarray
    neck: np.ndarray
    legs: np.ndarray
    upper_arm: np.ndarray
    lower_arm: np.ndarray
    wrist: np.ndarray
    table_a: np.ndarray
    table_b: np.ndarray
    score_a: np.ndarray
    score_b: np.ndarray
    table_c: np.ndarray
    score: np.ndarray
    level: np.ndarray
    side: np.ndarray
    valid: np.ndarray
    params: RebaParams = field(default_factory=RebaParams)


def risk_level(score: np.ndarray) -> np.ndarray:
    s = np.asarray(score)
    out = np.full(s.shape, REBA_LEVELS[0][1], dtype=object)
    for lo, name in REBA_LEVELS:
        out[s >= lo] = name
    return out


def trunk_score(flex: np.ndarray, p: RebaParams) -> np.ndarray:
    f = np.nan_to_num(np.asarray(flex, dtype=np.float64))
    tol = p.neutral_tolerance
    return np.select(
        [np.abs(f) <= tol, (f > tol) & (f <= 20), (f < -tol) & (f >= -20), (f > 20) & (f <= 60), f < -20],
        [1, 2, 2, 3, 3],
        4,
    )


def neck_score(flex: np.ndarray, p: RebaParams) -> np.ndarray:
    f = np.nan_to_num(np.asarray(flex, dtype=np.float64))
    return np.where((f >= -p.neutral_tolerance) & (f <= 20), 1, 2)


def legs_score(knee: np.ndarray, p: RebaParams) -> np.ndarray:
    k = np.nan_to_num(np.asarray(knee, dtype=np.float64))
    base = 2 if p.legs_unilateral else 1
    if p.sitting:
        return np.full(k.shape, base)
    return base + np.select([k > 60, k > 30], [2, 1], 0)


def upper_arm_score(flex: np.ndarray, abd: np.ndarray, p: RebaParams) -> np.ndarray:
    f = np.nan_to_num(np.asarray(flex, dtype=np.float64))
    s = np.select([(f >= -20) & (f <= 20), (f < -20) | (f <= 45), f <= 90], [1, 2, 3], 4)
    s = s + (np.nan_to_num(np.asarray(abd, dtype=np.float64)) > p.abduction_threshold)
    s = s + int(p.shoulder_raised) - int(p.arm_supported)
    return np.clip(s, 1, 6)


def lower_arm_score(flex: np.ndarray) -> np.ndarray:
    f = np.asarray(flex, dtype=np.float64)
    return np.where((f >= 60) & (f <= 100), 1, 2)


def wrist_score(flex: np.ndarray, p: RebaParams) -> np.ndarray:
    f = np.nan_to_num(np.asarray(flex, dtype=np.float64))  # unmeasured wrist: counted as neutral
    return np.where(np.abs(f) <= 15, 1, 2) + int(p.wrist_deviated)


def load_score(p: RebaParams) -> int:
    return (0 if p.load_kg < 5 else 1 if p.load_kg <= 10 else 2) + int(p.shock)


def reba(posture: dict[str, np.ndarray], params: RebaParams | None = None) -> RebaResult:
    """REBA per frame from `posture_2d`/`posture_3d` angles."""
    p = params or RebaParams()
    twist = np.abs(np.nan_to_num(posture["trunk_twist"])) > p.twist_threshold
    bend = np.abs(np.nan_to_num(posture["trunk_side_bend"])) > p.twist_threshold
    neck_adj = np.abs(np.nan_to_num(posture["neck_side_bend"])) > p.twist_threshold
    trunk = trunk_score(posture["trunk_flexion"], p) + (twist | bend)
    neck = neck_score(posture["neck_flexion"], p) + neck_adj
    knee = np.fmax(posture["right_knee_flexion"], posture["left_knee_flexion"])
    legs = legs_score(knee, p)
    ta = lookup(REBA_A, trunk, neck, legs)
    score_a = ta + load_score(p)
    per_side = []
    for s in ("right", "left"):
        ua = upper_arm_score(posture[f"{s}_upper_arm_flexion"], posture[f"{s}_upper_arm_abduction"], p)
        la = lower_arm_score(posture[f"{s}_lower_arm_flexion"])
        wr = wrist_score(posture[f"{s}_wrist_flexion"], p)
        tb = lookup(REBA_B, ua, la, wr)
        sb = tb + p.coupling
        tc = lookup(REBA_C, score_a, sb)
        per_side.append((tc + p.activity, ua, la, wr, tb, sb, tc))
    use_left = per_side[1][0] > per_side[0][0]
    pick = lambda i: np.where(use_left, per_side[1][i], per_side[0][i])
    score = pick(0)
    names = [
        "trunk_flexion",
        "neck_flexion",
        "right_knee_flexion",
        "right_upper_arm_flexion",
        "right_lower_arm_flexion",
    ]
    valid = np.all([np.isfinite(posture[n]) for n in names], axis=0)
    return RebaResult(
        trunk,
        neck,
        legs,
        pick(1),
        pick(2),
        pick(3),
        ta,
        pick(4),
        score_a,
        pick(5),
        pick(6),
        score,
        risk_level(score),
        np.where(use_left, "left", "right"),
        valid,
        p,
    )
