"""Repetition counting: class-agnostic (no exercise label) and per named exercise.

Class-agnostic method (docs/analysis.md; its parameters are checked by k-fold cross-validation on
RepCount, benchmarks/analysis.py):
1. Missing frames (NaN) are filled by linear interpolation; coordinates are centred on their median
   and divided by the median shoulder-hip distance, so the method does not depend on image size; the
   (T, 2K) trajectory is lightly smoothed.
2. A windowed periodicity map of the whole trajectory (periodicity.py: windows of 2 periods, every
   candidate period) says where the motion repeats and at what period. The dominant period is the one
   with the most periodicity summed over frames; the exercise's stretch is the frames periodic at about
   that period, widened by one period each side. Segment first: set-up moves, rests and walking
   around outside the stretch no longer decide the signal or the period.
3. Principal components of the stretch; the signal is the one most periodic at the period (its
   autocorrelation at the period minus at half and a third of it) times its singular-value share.
4. The signal is smoothed (Gaussian, sigma = 0.1 period); repetitions are its peaks inside the stretch,
   at least 0.6 period apart, with a prominence of at least 0.2 of the stretch's 5-95 % range, on the
   more regular of the two polarities; a repetition runs from the valley before its peak to the valley
   after it.

Named exercises use a joint-angle signal (Sports2D's 2D angles, both sides averaged) and hysteresis: a
repetition is the angle rising above `high` after having been below `low` and returning below `low`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from posekit.analysis.angles import ANGLES, compute_angles
from posekit.analysis.periodicity import MIN_OBSERVED, PeriodicityMap, periodicity_map
from posekit.errors import InputError
from posekit.layouts import Layout, get_layout

# Fixed, not tuned per clip; benchmarks/analysis.py cross-validates smoothing and prominence (2-, 5-fold).
SMOOTH_PERIODS = 0.1
MIN_DISTANCE_PERIODS = 0.6
MIN_PROMINENCE = 0.2
MIN_PERIOD_FRAMES = 8
WINDOW_PERIODS = 2.0  # periodicity-map window, in periods
PERIOD_THRESHOLD = 0.2  # periodicity score (0-2) counted towards the dominant period
SEGMENT_THRESHOLD = 0.1  # periodicity score from which a frame belongs to the exercise's stretch
SEGMENT_DILATION = 1.0  # periods added each side of it (the map's window is 2 periods wide)
N_COMPONENTS = 3
MIN_AMPLITUDE = 0.15  # signal range (torso lengths, summed over keypoints) below which nothing is counted


@dataclass
class Repetition:
    """One repetition: frames [start, end], times in seconds, and its range of motion (signal units:
    degrees for named exercises, body-normalised units for class-agnostic counting)."""

    start: int
    end: int
    peak: int
    start_time: float
    end_time: float
    duration: float
    range: float
    flags: list[str] = field(default_factory=list)


@dataclass
class RepetitionResult:
    """Repetitions of one person. `signal` is the per-frame motion signal that was counted."""

    exercise: str
    count: int
    repetitions: list[Repetition]
    signal: np.ndarray
    fps: float
    period: float | None = None  # seconds, class-agnostic only
    signal_name: str = ""

    def to_dict(self) -> dict:
        return {
            "exercise": self.exercise,
            "count": self.count,
            "period_s": self.period,
            "signal": self.signal_name,
            "repetitions": [
                {
                    "start_frame": r.start,
                    "end_frame": r.end,
                    "start_time": r.start_time,
                    "end_time": r.end_time,
                    "duration_s": r.duration,
                    "range": r.range,
                    "flags": r.flags,
                }
                for r in self.repetitions
            ],
        }


def _fill(x: np.ndarray) -> np.ndarray:
    """Linear interpolation of NaNs along axis 0 (columns with < 2 values become 0)."""
    x = np.array(x, dtype=np.float64)
    t = np.arange(len(x))
    flat = x.reshape(len(x), -1)
    for j in range(flat.shape[1]):
        ok = np.isfinite(flat[:, j])
        flat[:, j] = np.interp(t, t[ok], flat[ok, j]) if ok.sum() >= 2 else 0.0
    return flat.reshape(x.shape)


def _autocorr(s: np.ndarray) -> np.ndarray:
    s = s - s.mean()
    n = len(s)
    f = np.fft.rfft(s, n=2 * n)
    ac = np.fft.irfft(f * np.conj(f))[:n]
    return ac / (ac[0] + 1e-12)


def _periodicity(s: np.ndarray, period: int) -> float:
    """Autocorrelation at the period minus at its half or third (as in periodicity.py): high for a
    signal repeating at `period`, about 0 for a one-off posture change (high at every lag)."""
    ac = _autocorr(s)
    if period >= len(ac):
        return 0.0
    return float(ac[period] - max(ac[max(1, round(period / 2))], ac[max(1, round(period / 3))]))


def _check(keypoints: np.ndarray, layout: Layout) -> np.ndarray:
    kp = np.asarray(keypoints, dtype=np.float64)
    if kp.ndim != 3 or kp.shape[1] != len(layout) or kp.shape[2] not in (2, 3):
        raise InputError(
            f"keypoints: expected shape (frames, {len(layout)}, 2 or 3) for layout "
            f"{layout.name!r}, got {kp.shape}"
        )
    return kp


@dataclass
class Motion:
    """A person's body-normalised, smoothed trajectory (T, 2K) and its periodicity map; computed once
    and counted with any parameters (benchmarks/analysis.py cross-validates them)."""

    x: np.ndarray
    observed: np.ndarray
    map: PeriodicityMap | None  # None: too short or never seen


def prepare_motion(
    keypoints: np.ndarray,
    layout: str | Layout = "blazepose33",
    min_period_frames: int = MIN_PERIOD_FRAMES,
    min_observed: float = MIN_OBSERVED,
) -> Motion:
    """Step 1-2 of the class-agnostic method (module docstring); `min_observed`: periodicity.py."""
    from scipy.ndimage import gaussian_filter1d

    lay = get_layout(layout)
    kp = _check(keypoints, lay)[..., :2]
    t = kp.shape[0]
    observed = np.isfinite(kp).any(axis=(1, 2))  # frames with the person
    if t < 3 * min_period_frames or observed.sum() < 2:
        return Motion(np.zeros((t, 1)), observed, None)
    x = _fill(kp)
    sh = (x[:, lay.index("left_shoulder")] + x[:, lay.index("right_shoulder")]) / 2
    hp = (x[:, lay.index("left_hip")] + x[:, lay.index("right_hip")]) / 2
    scale = float(np.median(np.linalg.norm(sh - hp, axis=1))) or 1.0
    flat = (x.reshape(t, -1) - np.median(x.reshape(t, -1), axis=0)) / scale
    flat = gaussian_filter1d(flat, 1.5, axis=0)
    return Motion(
        flat, observed, periodicity_map(flat, observed, min_period_frames, WINDOW_PERIODS, min_observed)
    )


def motion_signal(
    motion: Motion, segment: float = SEGMENT_THRESHOLD
) -> tuple[np.ndarray, int | None, np.ndarray]:
    """Steps 3-5: the motion signal (T,), its period in frames (None if nothing repeats) and the frames
    of the exercise's stretch (T,) bool."""
    from scipy.ndimage import binary_dilation

    t = len(motion.x)
    period = motion.map.dominant_period(PERIOD_THRESHOLD) if motion.map is not None else None
    if motion.map is None or period is None:
        return np.zeros(t), None, np.zeros(t, bool)
    near = motion.map.periodic_frames(period, segment)
    if not near.any():  # a segment threshold above the period's: count the whole clip
        near[:] = True
    seg = binary_dilation(near, np.ones(2 * int(SEGMENT_DILATION * period) + 1, bool))
    xs = motion.x[seg]
    mu = xs.mean(axis=0)
    _, sv, vt = np.linalg.svd(xs - mu, full_matrices=False)
    best: tuple[float, np.ndarray] | None = None
    for c in range(min(N_COMPONENTS, len(sv))):
        comp = (motion.x - mu) @ vt[c]
        q = _periodicity(comp[seg], period) * sv[c] / sv[0]  # periodic *and* large
        if best is None or q > best[0]:
            best = (q, comp)
    assert best is not None
    return best[1], period, seg


def _reps_from_peaks(sig: np.ndarray, peaks: np.ndarray, fps: float) -> list[Repetition]:
    reps = []
    for i, pk in enumerate(peaks):
        lo = peaks[i - 1] if i > 0 else max(0, pk - (peaks[1] - pk if len(peaks) > 1 else pk))
        hi = peaks[i + 1] if i + 1 < len(peaks) else min(len(sig) - 1, pk + (pk - lo))
        start = int(lo + np.argmin(sig[lo : pk + 1]))
        end = int(pk + np.argmin(sig[pk : hi + 1]))
        rng = float(sig[pk] - min(sig[start], sig[end]))
        reps.append(Repetition(start, end, int(pk), start / fps, end / fps, (end - start) / fps, rng))
    return reps


def count_motion(
    motion: Motion,
    fps: float = 30.0,
    smooth: float = SMOOTH_PERIODS,
    prominence: float = MIN_PROMINENCE,
    segment: float = SEGMENT_THRESHOLD,
) -> RepetitionResult:
    """Steps 3-6 on a prepared motion (the class-agnostic part of `count_repetitions`)."""
    from scipy.ndimage import gaussian_filter1d
    from scipy.signal import find_peaks

    name = "principal component of the periodic stretch"
    sig, period, seg = motion_signal(motion, segment)
    if period is None:
        return RepetitionResult("any", 0, [], sig, fps, None, name)
    s = gaussian_filter1d(sig, max(1.0, smooth * period))
    amp = float(np.percentile(s[seg], 95) - np.percentile(s[seg], 5))
    if amp < MIN_AMPLITUDE:  # keypoint jitter of someone standing still is not exercise
        return RepetitionResult("any", 0, [], s, fps, period / fps, name)
    found = []
    for pol in (s, -s):
        pk, _ = find_peaks(
            pol, distance=max(1, int(MIN_DISTANCE_PERIODS * period)), prominence=prominence * amp
        )
        pk = pk[seg[pk]]  # only inside the exercise's stretch
        cv = float(np.std(np.diff(pk)) / np.mean(np.diff(pk))) if len(pk) > 2 else np.inf
        found.append((cv, -len(pk), pol, pk))
    _, _, pol, pk = min(found, key=lambda f: (f[0], f[1]))  # the more regular polarity (tie: more peaks)
    reps = _reps_from_peaks(pol, pk, fps)
    return RepetitionResult("any", len(reps), reps, pol, fps, period / fps, name)


def count_repetitions(
    keypoints: np.ndarray,
    layout: str | Layout = "blazepose33",
    fps: float = 30.0,
    exercise: str | None = None,
    *,
    smooth: float = SMOOTH_PERIODS,
    prominence: float = MIN_PROMINENCE,
    **exercise_kw: float | str,
) -> RepetitionResult:
    """Count repetitions of one person.

    Args:
        keypoints: (frames, K, 2 or 3), NaN for frames without the person.
        layout: the layout of K.
        fps: frame rate (times and durations).
        exercise: None (class-agnostic), one of EXERCISES, or "angle" with `angle=NAME, low=.., high=..`
            (a user-defined Sports2D angle with hysteresis thresholds in degrees).
        smooth, prominence: peak-counting parameters of the class-agnostic method (module docstring).
    """
    if fps <= 0:
        raise InputError(f"fps: must be positive, got {fps}")
    lay = get_layout(layout)
    if exercise is not None:
        return _count_exercise(_check(keypoints, lay), lay, fps, exercise, **exercise_kw)
    return count_motion(prepare_motion(keypoints, lay), fps, smooth, prominence)


# ------------------------------------------------------------------ named exercises
@dataclass(frozen=True)
class Exercise:
    """A named exercise: angle(s) averaged over the sides that are visible, hysteresis thresholds
    (degrees; a repetition goes above `high` and back below `low`) and form checks on each repetition."""

    angles: tuple[str, ...]
    low: float
    high: float
    flags: tuple[tuple[str, Callable[[float, float], bool]], ...] = ()


EXERCISES: dict[str, Exercise] = {
    "squat": Exercise(
        ("right knee", "left knee"), 30, 60, (("shallow: knees bent < 90 deg", lambda lo, hi: hi < 90),)
    ),
    "lunge": Exercise(
        ("right knee", "left knee"), 30, 60, (("shallow: front knee bent < 80 deg", lambda lo, hi: hi < 80),)
    ),
    "push_up": Exercise(
        ("right elbow", "left elbow"),
        30,
        60,
        (
            ("partial: elbows bent < 80 deg", lambda lo, hi: hi < 80),
            ("arms not straightened at the top", lambda lo, hi: lo > 20),
        ),
    ),
    "pull_up": Exercise(
        ("right elbow", "left elbow"),
        40,
        80,
        (
            ("partial: elbows bent < 100 deg", lambda lo, hi: hi < 100),
            ("arms not straightened at the bottom", lambda lo, hi: lo > 30),
        ),
    ),
    "sit_up": Exercise(
        ("right hip", "left hip"), 40, 70, (("partial: hips flexed < 80 deg", lambda lo, hi: hi < 80),)
    ),
    "biceps_curl": Exercise(
        ("right elbow", "left elbow"), 40, 90, (("partial: elbow bent < 110 deg", lambda lo, hi: hi < 110),)
    ),
    "front_raise": Exercise(
        ("right shoulder", "left shoulder"), 30, 60, (("low: arm raised < 80 deg", lambda lo, hi: hi < 80),)
    ),
    # Front view: the upper arm's angle to the horizontal (Sports2D "arm", -90 hanging, +90 overhead).
    # Front view: each upper arm's elevation from hanging (0) to overhead (180), see _arm_elevation.
    "jumping_jack": Exercise(
        ("right arm elevation", "left arm elevation"),
        60,
        120,
        (("arms not overhead", lambda lo, hi: hi < 140),),
    ),
}


def _arm_elevation(kp: np.ndarray, lay: Layout, side: str) -> np.ndarray:
    """Unsigned angle between the upper arm and straight down (image y): 0 hanging, 180 overhead,
    whichever way the arm goes (a front view has no useful sign)."""
    u = kp[:, lay.index(f"{side}_elbow"), :2] - kp[:, lay.index(f"{side}_shoulder"), :2]
    with np.errstate(invalid="ignore"):
        return np.degrees(np.arctan2(np.abs(u[:, 0]), u[:, 1]))


def _exercise_signal(kp: np.ndarray, lay: Layout, names: tuple[str, ...], fps: float) -> np.ndarray:
    cols = []
    for n in names:
        if n.endswith(" arm elevation"):
            cols.append(_arm_elevation(kp, lay, n.split()[0]))
        else:
            cols.append(compute_angles(kp, lay, names=(n,), fps=fps).values[:, 0])
    v = np.stack(cols, axis=1)
    n_ok = np.isfinite(v).sum(axis=1)
    return np.where(n_ok > 0, np.nansum(v, axis=1) / np.maximum(n_ok, 1), np.nan)


def _count_exercise(
    kp: np.ndarray, lay: Layout, fps: float, exercise: str, **kw: float | str
) -> RepetitionResult:
    if exercise == "angle":
        try:
            ex = Exercise((str(kw["angle"]),), float(kw["low"]), float(kw["high"]))
        except KeyError as e:
            raise InputError(f"exercise 'angle' needs angle=NAME, low=DEG, high=DEG (missing {e})") from None
    elif exercise in EXERCISES:
        ex = EXERCISES[exercise]
    else:
        raise InputError(f"exercise: unknown {exercise!r}; known: {', '.join(EXERCISES)}, angle")
    unknown = [n for n in ex.angles if n not in ANGLES and not n.endswith(" arm elevation")]
    if unknown:
        raise InputError(f"exercise angle: unknown {unknown}; known: {', '.join(ANGLES)}")
    if ex.low >= ex.high:
        raise InputError(f"exercise thresholds: low ({ex.low}) must be below high ({ex.high})")
    raw = _exercise_signal(kp, lay, ex.angles, fps)
    sig = _fill(raw[:, None])[:, 0] if np.isfinite(raw).sum() >= 2 else np.zeros(len(raw))
    work, low, high = sig, ex.low, ex.high
    reps: list[Repetition] = []
    start, armed, peak, prev_end = None, False, 0, 0
    for i, v in enumerate(work):
        if not np.isfinite(raw[i]):
            continue
        if v <= low:
            if armed and start is not None:  # back down: one repetition done
                seg = sig[prev_end : i + 1]  # from the previous repetition's end: the full excursion
                lo_v, hi_v = float(np.nanmin(seg)), float(np.nanmax(seg))
                flags = [name for name, bad in ex.flags if bad(lo_v, hi_v)]
                reps.append(
                    Repetition(start, i, peak, start / fps, i / fps, (i - start) / fps, hi_v - lo_v, flags)
                )
                prev_end = i
            start, armed = i, False
        elif v >= high and start is not None:
            if not armed or v > work[peak]:
                peak = i
            armed = True
    return RepetitionResult(exercise, len(reps), reps, sig, fps, None, " + ".join(ex.angles))
