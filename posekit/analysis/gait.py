"""Gait events and timing from a side view of a walking person (Stenum et al. 2021, PLoS Comput Biol).

Steps are found where the foot is farthest *ahead* of the pelvis (a peak of heel x − mid-hip x along the
walking direction: near heel strike) and farthest *behind* it (a valley of toe x − mid-hip x: near toe off).
The default contact definition then times each event by the foot's speed in the image ("velocity",
gait_contact.py: heel strike when the heel slows below 30 % of its late-swing peak, toe off when the toe
speeds above 30 % of its early-swing peak), chosen on annotated walks by a rule fixed in advance
(docs/analysis.md, Gait). It assumes a still camera; with a panning camera use contact="position" (the
extremes themselves, which only need the foot relative to the pelvis). Bouts need the pelvis to travel
across the view: for treadmill walking pass `treadmill=True`, which first moves the keypoints into the
belt's frame (see `belt_velocity`), so that the walk looks like the same walk over ground.
Steps, in order:
1. Walking bouts: the walking direction is the sign of the pelvis' horizontal velocity, low-passed at
   0.5 Hz (slower than a stride, so the within-stride surge does not flip it); runs of one direction that
   last at least `min_bout_s` are bouts, each analysed on its own (a turn is not a step).
2. The foot-minus-pelvis signals are low-passed at `cutoff_hz` (zero-phase Butterworth, the usual 6 Hz
   for gait kinematics), which removes keypoint jitter without moving the extremes.
3. Peaks at least `min_stride_s` apart per foot and above 20 % of the bout's 5-95 % range in prominence,
   and above 10 % of the leg length (median hip-ankle distance), so that the jitter of a person standing
   still gives no steps (the feet of a walking person swing about half a leg length either side);
   each peak time is refined below a frame by fitting a parabola through the peak sample and its two
   neighbours (at 30 fps a frame is 33 ms, more than the 20 ms the method reaches).
Derived: step time (mean interval between consecutive heel strikes of either foot within a bout), cadence
(steps/min = 60 / step time, the definition gaitkit's annotations use; with only one foot's heel
strikes found, step time = stride time / 2), stride time (same foot), stance
(heel strike to toe off) and swing (toe off to heel strike) per foot, and the symmetry index
100·|L − R| / mean(L, R) of step times ending on each foot. Step length and speed need a scale:
`metres_per_pixel`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from posekit.analysis.gait_contact import (
    CONTACT_METHODS,
    foot_velocity_events,
    speed_heel_strikes,
    speed_toe_offs,
)
from posekit.errors import InputError
from posekit.layouts import Layout, get_layout

# Chosen on annotated walks (30 fps + 2 px, leave-one-trial-out threshold) by the rule in docs/analysis.md.
DEFAULT_CONTACT = "velocity"
DEFAULT_SPEED_FRACTION = 0.3
CONTACT_WINDOW_S = 0.25  # contact events are searched this close to the extremes: under half a step


@dataclass
class GaitResult:
    heel_strikes: dict[str, np.ndarray]  # side -> times (s)
    toe_offs: dict[str, np.ndarray]
    cadence: float | None  # steps per minute
    step_time: float | None
    stride_time: float | None
    stance_time: dict[str, float | None] = field(default_factory=dict)
    swing_time: dict[str, float | None] = field(default_factory=dict)
    step_time_symmetry: float | None = None  # percent, 0 = symmetric
    step_length: float | None = None  # metres
    speed: float | None = None  # metres per second
    bouts: list[tuple[float, float, int]] = field(default_factory=list)  # (start s, end s, direction ±1)
    contact: str = DEFAULT_CONTACT  # which foot-contact definition timed the events (gait_contact.py)
    cadence_from: str = "steps"
    belt_velocity: float | None = None  # treadmill=True: the belt's velocity in the image, px/s

    def to_dict(self) -> dict:
        return {
            "heel_strikes": {k: v.tolist() for k, v in self.heel_strikes.items()},
            "toe_offs": {k: v.tolist() for k, v in self.toe_offs.items()},
            "cadence_steps_per_min": self.cadence,
            "step_time_s": self.step_time,
            "stride_time_s": self.stride_time,
            "stance_time_s": self.stance_time,
            "swing_time_s": self.swing_time,
            "step_time_symmetry_pct": self.step_time_symmetry,
            "step_length_m": self.step_length,
            "speed_m_per_s": self.speed,
            "bouts": [{"start_s": a, "end_s": b, "direction": d} for a, b, d in self.bouts],
            "contact": self.contact,
            "cadence_from": self.cadence_from,
            "belt_velocity_px_per_s": self.belt_velocity,
        }


def _fill(v: np.ndarray, t: np.ndarray) -> np.ndarray:
    ok = np.isfinite(v)
    return np.interp(t, t[ok], v[ok]) if ok.sum() >= 2 else np.full(len(t), np.nan)


def _mean(x: list[float] | np.ndarray) -> float | None:
    x = np.asarray(x, dtype=np.float64)
    return float(x.mean()) if x.size else None


def lowpass(x: np.ndarray, fps: float, cutoff_hz: float) -> np.ndarray:
    """Zero-phase 2nd-order Butterworth low-pass (run forwards and backwards); unchanged if the cut-off is
    too close to Nyquist to mean anything or the series too short for the filter's padding."""
    from scipy.signal import butter, filtfilt

    if cutoff_hz <= 0 or cutoff_hz >= 0.4 * fps or len(x) <= 9:
        return x
    b, a = butter(2, cutoff_hz / (fps / 2))
    return np.asarray(filtfilt(b, a, x))


def walking_bouts(pelvis_x: np.ndarray, fps: float, min_bout_s: float = 1.0) -> list[tuple[int, int, int]]:
    """(start, stop, direction) frame ranges where the pelvis keeps moving one way for >= `min_bout_s`."""
    v = lowpass(np.gradient(pelvis_x) * fps, fps, 0.5)
    d = np.sign(v).astype(int)
    out = []
    start = 0
    for i in range(1, len(d) + 1):
        if i == len(d) or d[i] != d[start]:
            if d[start] != 0 and (i - start) >= min_bout_s * fps:
                out.append((start, i, int(d[start])))
            start = i
    return out


def belt_velocity(feet: np.ndarray, fps: float, leg: float) -> float:
    """A treadmill belt's velocity in the image (px/s) from (T, n, 2) feet keypoints (heels, toes): the
    median horizontal velocity of each keypoint over the frames where it is within 5 % of a leg length of
    its lowest level (the 90th percentile of image y), i.e. standing on the belt and moving with it. (The
    median over all frames, tried first, read the belt 22-28 % slow on the annotated treadmill walk: the
    feet's slow phases around contact pull it towards 0.)"""
    seen = np.isfinite(feet[..., 1]).any(axis=0)  # keypoints never seen (a hidden foot) do not count
    if not seen.any():
        return 0.0
    v = np.gradient(feet[:, seen, 0], axis=0) * fps
    y = feet[:, seen, 1]
    low = y >= np.nanpercentile(y, 90, axis=0) - 0.05 * leg
    vals = v[low & np.isfinite(v)]
    return float(np.median(vals)) if vals.size else 0.0


def refine_peaks(y: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Sub-frame peak positions (in frames): vertex of the parabola through each peak and its neighbours."""
    out = idx.astype(np.float64)
    for j, i in enumerate(idx):
        if 0 < i < len(y) - 1:
            a, b, c = y[i - 1], y[i], y[i + 1]
            den = a - 2 * b + c
            if den < 0:  # a true maximum; the vertex lies within half a frame of the sample
                out[j] = i + 0.5 * (a - c) / den
    return out


def _peak_frames(y: np.ndarray, dist: int, min_prominence: float) -> np.ndarray:
    """Sub-frame positions of the prominent peaks of y, at least `dist` frames apart."""
    from scipy.signal import find_peaks

    if len(y) < 3:
        return np.zeros(0)
    prom = 0.2 * (np.percentile(y, 95) - np.percentile(y, 5))
    return refine_peaks(y, find_peaks(y, distance=dist, prominence=max(prom, min_prominence, 1e-9))[0])


def _contact_frames(
    contact: str,
    heel: np.ndarray,
    toe: np.ndarray,
    hs: np.ndarray,
    to: np.ndarray,
    fps: float,
    cutoff_hz: float,
    fraction: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The heel strike and toe off frames of `contact`, searched near the foot-minus-pelvis extremes."""
    heel = np.stack([lowpass(heel[:, i], fps, cutoff_hz) for i in (0, 1)], axis=1)
    toe = np.stack([lowpass(toe[:, i], fps, cutoff_hz) for i in (0, 1)], axis=1)
    w = max(2, round(CONTACT_WINDOW_S * fps))
    if contact == "velocity":
        return speed_heel_strikes(heel, hs, fps, w, fraction), speed_toe_offs(toe, to, fps, w, fraction)
    up = -(heel[:, 1] + toe[:, 1]) / 2  # image y points down
    return foot_velocity_events(up, hs, fps, w, "hs"), foot_velocity_events(up, to, fps, w, "to")


def gait_events(
    keypoints: np.ndarray,
    time: np.ndarray,
    layout: str | Layout = "blazepose33",
    *,
    metres_per_pixel: float | None = None,
    min_stride_s: float = 0.5,
    cutoff_hz: float = 6.0,
    min_bout_s: float = 1.0,
    contact: str = DEFAULT_CONTACT,
    speed_fraction: float = DEFAULT_SPEED_FRACTION,
    cadence_from: str = "steps",
    treadmill: bool = False,
) -> GaitResult:
    """Gait from (T, K, 2) image keypoints of one person walking across the view (side view).

    contact: which foot-contact definition times the events (gait_contact.py): "velocity" (default:
    heel/toe speed in the image crossing `speed_fraction` of its swing peak; needs a still camera over
    ground), "position" (Stenum, the foot's extremes relative to the pelvis; also for a panning camera)
    or "foot_velocity" (O'Connor et al. 2007).
    cadence_from: "steps" (60 / mean interval of consecutive heel strikes) or "strides" (120 / mean
    same-foot stride time, which a constant left/right timing bias does not move).
    treadmill: the person walks on a treadmill seen by a still camera: the belt's velocity
    (`belt_velocity`) times the time is subtracted from every x first, as if walking over ground."""
    if contact not in CONTACT_METHODS:
        raise InputError(f"gait: contact must be one of {', '.join(CONTACT_METHODS)}, got {contact!r}")
    if cadence_from not in ("steps", "strides"):
        raise InputError(f"gait: cadence_from must be 'steps' or 'strides', got {cadence_from!r}")
    lay = get_layout(layout)
    kp = np.asarray(keypoints, dtype=np.float64)
    t = np.asarray(time, dtype=np.float64)
    if kp.ndim != 3 or kp.shape[0] != len(t) or len(t) < 10:
        raise InputError(f"gait: need (T >= 10, K, 2) keypoints with T times, got {kp.shape} and {t.shape}")
    heel = "heel" if "left_heel" in lay.keypoint_names else "ankle"
    toe = "foot_index" if "left_foot_index" in lay.keypoint_names else "ankle"
    fps = 1.0 / float(np.median(np.diff(t)))
    sides = ("left", "right")
    legs = np.concatenate(
        [
            np.linalg.norm(kp[:, lay.index(f"{s}_hip"), :2] - kp[:, lay.index(f"{s}_ankle"), :2], axis=1)
            for s in sides
        ]
    )
    leg = float(np.nanmedian(legs)) if np.isfinite(legs).any() else 0.0
    belt = None
    if treadmill:
        feet = [lay.index(f"{s}_{n}") for s in sides for n in dict.fromkeys((heel, toe))]
        belt = belt_velocity(kp[:, feet, :2], fps, leg)
        kp = kp.copy()
        kp[..., 0] -= belt * (t - t[0])[:, None]
    x = lambda n: _fill(kp[:, lay.index(n), 0], t)
    xy = lambda n: np.stack([x(n), _fill(kp[:, lay.index(n), 1], t)], axis=1)
    pelvis = (x("left_hip") + x("right_hip")) / 2
    if not np.isfinite(pelvis).all():
        raise InputError("gait: the hips are seen in fewer than 2 frames")
    dist = max(1, int(min_stride_s * fps))
    hs: dict[str, list[float]] = {s: [] for s in sides}
    to: dict[str, list[float]] = {s: [] for s in sides}
    intervals: list[float] = []  # consecutive heel strikes within a bout
    step_by_side: dict[str, list[float]] = {s: [] for s in sides}
    strides: list[float] = []
    stance: dict[str, list[float]] = {s: [] for s in sides}
    swing: dict[str, list[float]] = {s: [] for s in sides}
    bouts = walking_bouts(pelvis, fps, min_bout_s)
    moved = duration = 0.0
    for a, b, direction in bouts:
        bhs, bto = {}, {}
        for s in sides:
            front = lowpass(direction * (x(f"{s}_{heel}") - pelvis), fps, cutoff_hz)
            back = lowpass(direction * (x(f"{s}_{toe}") - pelvis), fps, cutoff_hz)
            fh, ft = (
                a + _peak_frames(front[a:b], dist, 0.1 * leg),
                a + _peak_frames(-back[a:b], dist, 0.1 * leg),
            )
            if contact != "position":
                fh, ft = _contact_frames(
                    contact, xy(f"{s}_{heel}"), xy(f"{s}_{toe}"), fh, ft, fps, cutoff_hz, speed_fraction
                )
            bhs[s], bto[s] = (np.interp(f[np.isfinite(f)], np.arange(len(t)), t) for f in (fh, ft))
            hs[s] += bhs[s].tolist()
            to[s] += bto[s].tolist()
            strides += np.diff(bhs[s]).tolist()
            for h in bhs[s]:  # stance: to this foot's next toe off, if it comes before its next heel strike
                o, nh = bto[s][bto[s] > h], bhs[s][bhs[s] > h]
                if len(o) and (not len(nh) or o[0] < nh[0]):
                    stance[s].append(o[0] - h)
            for o in bto[s]:
                nh = bhs[s][bhs[s] > o]
                if len(nh):
                    swing[s].append(nh[0] - o)
        # steps need both feet: with one foot unseen, its neighbours' intervals would be strides
        events = sorted((v, s) for s in sides for v in bhs[s]) if all(len(bhs[s]) for s in sides) else []
        for (ta, sa), (tb_, sb) in itertools.pairwise(events):
            intervals.append(tb_ - ta)
            if sa != sb:
                step_by_side[sb].append(tb_ - ta)
        moved += abs(pelvis[b - 1] - pelvis[a])
        duration += t[b - 1] - t[a]
    step_time, stride_time = _mean(intervals), _mean(strides)
    if stride_time and (step_time is None or cadence_from == "strides"):  # a stride is two steps
        step_time = stride_time / 2
    cadence = 60.0 / step_time if step_time else None
    sl, sr = _mean(step_by_side["left"]), _mean(step_by_side["right"])
    sym = 100 * abs(sl - sr) / ((sl + sr) / 2) if sl and sr else None
    step_len = speed = None
    if metres_per_pixel and duration > 0:
        speed = float(moved * metres_per_pixel / duration)
        step_len = speed * step_time if step_time else None
    return GaitResult(
        {s: np.asarray(hs[s]) for s in sides},
        {s: np.asarray(to[s]) for s in sides},
        cadence,
        step_time,
        stride_time,
        {s: _mean(stance[s]) for s in sides},
        {s: _mean(swing[s]) for s in sides},
        sym,
        step_len,
        speed,
        [(float(t[a]), float(t[b - 1]), d) for a, b, d in bouts],
        contact,
        cadence_from,
        belt,
    )
