"""`analyze`: run the chosen analyses on tracking results, per track, and write CSV + summary.json + report.html."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from posekit.errors import InputError
from posekit.layouts import Layout
from posekit.results import Poses

if TYPE_CHECKING:
    from posekit.analysis.scale import Scale


@dataclass
class TrackSeries:
    """One person over the frames of a video: arrays indexed by the video's frames (NaN where unseen)."""

    track_id: int
    layout: Layout
    time: np.ndarray  # (T,)
    keypoints: np.ndarray  # (T, K, 2)
    scores: np.ndarray  # (T, K)
    world: np.ndarray | None  # (T, K, 3)
    image_size: tuple[int, int]  # (height, width)
    frames: np.ndarray | None = None  # (T,) the video's frame index of each sample


@dataclass
class AnalysisResult:
    summary: dict[str, Any]
    series: dict[str, dict[int, dict[str, np.ndarray]]] = field(
        default_factory=dict
    )  # analysis -> track -> columns
    tracks: list[TrackSeries] = field(default_factory=list)
    details: dict[str, dict[int, Any]] = field(default_factory=dict)  # analysis -> track -> result object


def _frames(results: Any) -> list[tuple[int, float, Poses]]:
    from posekit.io.tracks import load_tracks

    if isinstance(results, (str, os.PathLike)):
        if not Path(results).exists():
            raise InputError(f"{results}: results file not found")
        if Path(results).suffix.lower() == ".trc":  # 3D markers (posekit triangulate): world_results.py
            from posekit.analysis.world_results import read_trc_frames

            return read_trc_frames(results)
        return [(r.index, r.time, r.poses) for r in load_tracks(results)]
    out = []
    for r in results:
        if isinstance(r, tuple):
            out.append((int(r[0]), float(r[1]), r[2]))
        else:  # posekit.video tracking results: .index, .time, .poses
            out.append((int(r.index), float(r.time), r.poses))
    return out


def track_series(results: Any, min_frames: int = 10) -> list[TrackSeries]:
    """Per-track arrays from a track file path or an iterable of (frame, time, Poses) / tracking results.
    Untracked results (no ids) are taken as one person: the highest-scoring one per frame."""
    frames = _frames(results)
    frames = [f for f in frames if f[2] is not None]
    if not frames:
        raise InputError("results: no frames")
    layout = next((p.layout for _, _, p in frames if len(p)), frames[0][2].layout)
    time = np.array([t for _, t, _ in frames], dtype=np.float64)
    ids: set[int] = set()
    for _, _, p in frames:
        if p.track_ids is not None:
            ids.update(int(i) for i in p.track_ids if i >= 0)
    untracked = not ids
    if untracked:
        ids = {0}
    k = len(layout)
    tracks = []
    for tid in sorted(ids):
        kp = np.full((len(frames), k, 2), np.nan)
        sc = np.zeros((len(frames), k))
        has_world = any(p.world is not None for _, _, p in frames)
        wd = np.full((len(frames), k, 3), np.nan) if has_world else None
        size = frames[0][2].image_size
        for i, (_, _, p) in enumerate(frames):
            if not len(p) or p.layout.name != layout.name:
                continue
            if untracked:
                j = int(np.argmax(p.person_scores))
            else:
                if p.track_ids is None or not np.any(p.track_ids == tid):
                    continue
                j = int(np.flatnonzero(p.track_ids == tid)[0])
            kp[i], sc[i], size = p.keypoints[j], p.scores[j], p.image_size
            if wd is not None and p.world is not None:
                wd[i] = p.world[j]
        if np.isfinite(kp).all(axis=2).any(axis=1).sum() >= min_frames:
            index = np.array([f for f, _, _ in frames], dtype=np.int64)
            tracks.append(TrackSeries(tid, layout, time, kp, sc, wd, size, index))
    return tracks


def analyze(
    results: Any,
    *,
    angles: bool = True,
    reps: str | bool | None = None,
    ergonomics: str | None = None,
    falls: bool = False,
    activity: bool = False,
    gait: bool | str = False,
    treadmill: bool = False,
    height_m: float | None = None,
    metres_per_pixel: float | None = None,
    out: str | os.PathLike | None = None,
    video: str | os.PathLike | None = None,
    min_score: float = 0.3,
    min_frames: int = 10,
) -> AnalysisResult:
    """Analyse tracking results (a track file path, `read_tracks(...)` output, or `VideoPoseTracker.track` results)
    or 3D results (a .trc file, e.g. from `posekit triangulate`: see world_results.py).

    Args:
        angles: Sports2D joint/segment angles (and 3D anatomical angles when world coordinates exist).
        reps: True/"any" for class-agnostic counting, or an exercise name (see repetitions.EXERCISES).
        ergonomics: "reba" or "rula".
        falls, activity: fall events and activity states per track.
        gait: heel strikes, toe offs, cadence, stance/swing, symmetry (side view; see gait.py); True
            times the events with the default contact definition, or name one ("position", "velocity",
            "foot_velocity"; see gait_contact.py).
        treadmill: gait of someone on a treadmill seen by a still camera (the belt's motion is measured
            from the standing feet and taken out first; see gait.belt_velocity).
        height_m, metres_per_pixel: the scale for gait's step length and speed (scale.py): a given
            metres per pixel (e.g. from a calibration), else each person's standing height in metres
            (every track is taken to be this tall), else the results' world coordinates when they
            have them; without any, step length and speed are not given.
        out: folder for per-frame CSV files, summary.json and report.html.
        video: the video the results were made from: the report's key frames are then its frames,
            cropped to the person with the skeleton drawn, instead of stick figures (see keyframes.py).
    """
    from posekit.analysis import activity as activity_mod
    from posekit.analysis import falls as falls_mod
    from posekit.analysis.angles import compute_angles, compute_angles_3d

    if height_m is not None:  # checked before any work, not per track
        from posekit.analysis.scale import check_height

        check_height(height_m)
    if metres_per_pixel is not None and (not np.isfinite(metres_per_pixel) or metres_per_pixel <= 0):
        raise InputError(f"metres per pixel: expected a positive number, got {metres_per_pixel}")
    tracks = track_series(results, min_frames)
    res = AnalysisResult(summary={"tracks": [t.track_id for t in tracks]}, tracks=tracks)
    fps = 1.0 / float(np.median(np.diff(tracks[0].time))) if tracks and len(tracks[0].time) > 1 else 30.0
    res.summary["fps"] = fps
    for tr in tracks:
        tid = tr.track_id
        if angles:
            a = compute_angles(
                tr.keypoints,
                tr.layout,
                scores=tr.scores,
                min_score=min_score,
                image_size=tr.image_size,
                time=tr.time,
            )
            cols = {n: a.values[:, i] for i, n in enumerate(a.names)}
            entry: dict[str, Any] = {"2d": a.summary()}
            if tr.world is not None:
                w = np.where((tr.scores >= min_score)[..., None], tr.world, np.nan)
                a3 = compute_angles_3d(w, tr.layout)
                cols.update({f"3d {n}": a3.values[:, i] for i, n in enumerate(a3.names)})
                entry["3d"] = a3.summary()
            res.series.setdefault("angles", {})[tid] = cols
            res.summary.setdefault("angles", {})[str(tid)] = entry
            res.details.setdefault("angles", {})[tid] = a
        if reps:
            from posekit.analysis.repetitions import count_repetitions

            kp = np.where((tr.scores >= min_score)[..., None], tr.keypoints, np.nan)
            ex = None if reps in (True, "any") else str(reps)
            r = count_repetitions(kp, tr.layout, fps=fps, exercise=ex)
            res.summary.setdefault("repetitions", {})[str(tid)] = r.to_dict()
            res.series.setdefault("repetitions", {})[tid] = {"signal": r.signal}
            res.details.setdefault("repetitions", {})[tid] = r
        if ergonomics:
            _ergonomics(res, tr, ergonomics, min_score)
        if gait:
            from posekit.analysis.gait import DEFAULT_CONTACT, gait_events

            kp = np.where((tr.scores >= min_score)[..., None], tr.keypoints, np.nan)
            try:
                contact = gait if isinstance(gait, str) else DEFAULT_CONTACT
                scale = _gait_scale(tr, kp, height_m, metres_per_pixel)
                mpp = scale.metres_per_pixel if scale else None
                g = gait_events(
                    kp, tr.time, tr.layout, contact=contact, treadmill=treadmill, metres_per_pixel=mpp
                )
                res.summary.setdefault("gait", {})[str(tid)] = {
                    **g.to_dict(),
                    "scale": scale.to_dict() if scale else None,
                }
                res.details.setdefault("gait", {})[tid] = g
            except InputError as exc:  # a short track: say why instead of failing the whole analysis
                res.summary.setdefault("gait", {})[str(tid)] = {"error": str(exc)}
        if falls:
            kp = np.where((tr.scores >= min_score)[..., None], tr.keypoints, np.nan)
            ev = falls_mod.detect_falls(kp, tr.time, tr.layout, tid)
            res.summary.setdefault("falls", []).extend(e.to_dict() for e in ev)
        if activity:
            kp = np.where((tr.scores >= min_score)[..., None], tr.keypoints, np.nan)
            st = activity_mod.activity_states(kp, tr.time, tr.layout)
            res.summary.setdefault("activity", {})[str(tid)] = {
                "time_s": activity_mod.time_in_states(st, tr.time)
            }
            res.series.setdefault("activity", {})[tid] = {"state": st}
    if falls:
        res.summary.setdefault("falls", [])
    if out is not None:
        write_outputs(res, out, video=video)
    return res


def _gait_scale(
    tr: TrackSeries, kp: np.ndarray, height_m: float | None, metres_per_pixel: float | None
) -> Scale | None:
    """The metres per pixel for one track's gait: given, from the height, from world coordinates, or None."""
    from posekit.analysis.scale import Scale, scale_from_height, scale_from_world

    if metres_per_pixel is not None:
        return Scale(float(metres_per_pixel), "given")
    if height_m is not None:
        return scale_from_height(kp, tr.layout, height_m)
    if tr.world is not None:
        try:
            return scale_from_world(kp, tr.world, tr.layout)
        except InputError:  # world coordinates that do not show the legs: no scale, as without them
            return None
    return None


def _ergonomics(res: AnalysisResult, tr: TrackSeries, method: str, min_score: float) -> None:
    from posekit.analysis.ergonomics import posture_2d, posture_3d, reba, rula

    if method not in ("reba", "rula"):
        raise InputError(f"ergonomics: expected reba or rula, got {method!r}")
    if tr.world is not None:
        post, view = (
            posture_3d(np.where((tr.scores >= min_score)[..., None], tr.world, np.nan), tr.layout),
            "3d",
        )
    else:
        post = posture_2d(
            tr.keypoints, tr.layout, scores=tr.scores, min_score=min_score, image_size=tr.image_size
        )
        view = "2d side view"
    r = reba(post) if method == "reba" else rula(post)
    labels = r.level if method == "reba" else r.level_name  # type: ignore[union-attr]
    seen = np.isfinite(post["trunk_flexion"])
    dt = np.diff(tr.time, append=tr.time[-1] + (np.median(np.diff(tr.time)) if len(tr.time) > 1 else 0))
    at_level = {str(lv): float(dt[seen & (labels == lv)].sum()) for lv in dict.fromkeys(labels[seen])}
    res.summary["ergonomics"] = res.summary.get("ergonomics", {})
    res.summary["ergonomics"][str(tr.track_id)] = {
        "method": method,
        "view": view,
        "max_score": int(r.score[seen].max()) if seen.any() else None,
        "median_score": float(np.median(r.score[seen])) if seen.any() else None,
        "time_at_level_s": at_level,
    }
    cols = {"score": np.where(seen, r.score, -1), "level": np.where(seen, labels, "")}
    res.series.setdefault("ergonomics", {})[tr.track_id] = cols
    res.details.setdefault("ergonomics", {})[tr.track_id] = r


def _csv_text(time: np.ndarray, cols: dict[str, np.ndarray], tid: int) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["track_id", "time", *cols])
    for i in range(len(time)):
        row: list[Any] = [tid, f"{time[i]:.6f}"]
        for v in cols.values():
            x = v[i]
            row.append(
                ""
                if isinstance(x, float) and not np.isfinite(x)
                else (f"{x:.4f}" if isinstance(x, float) else x)
            )
        w.writerow(row)
    return buf.getvalue()


def write_outputs(
    res: AnalysisResult, out: str | os.PathLike, video: str | os.PathLike | None = None
) -> None:
    """DIR/<analysis>.csv (per frame, all tracks), DIR/summary.json, DIR/report.html, each written atomically;
    with `video`, the report's key frames are that video's frames (read before anything is written)."""
    from posekit.analysis.keyframes import choose_key_frames, key_frame_photos
    from posekit.analysis.report import render_report
    from posekit.io.atomic import atomic_write, write_json_atomic

    keys = choose_key_frames(res)
    photos = key_frame_photos(res, video, keys) if video is not None else {}
    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    times = {t.track_id: t.time for t in res.tracks}
    for name, per_track in res.series.items():
        text = ""
        for i, (tid, cols) in enumerate(per_track.items()):
            body = _csv_text(
                times[tid],
                {
                    k: np.asarray(v).astype(object) if v.dtype.kind in "USO" else v.astype(float)
                    for k, v in cols.items()
                },
                tid,
            )
            text += body if i == 0 else body.split("\n", 1)[1]
        with atomic_write(d / f"{name}.csv", "w", encoding="utf-8") as f:
            f.write(text)
    write_json_atomic(d / "summary.json", _jsonable(res.summary))
    with atomic_write(d / "report.html", "w", encoding="utf-8") as f:
        f.write(render_report(res, keys, photos))


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return float(x) if np.isfinite(x) else None
    if isinstance(x, np.integer):
        return int(x)
    return x


def analyze_frames(frames: Iterable[tuple[int, float, Poses]], **kw: Any) -> AnalysisResult:
    """Same as `analyze` for an iterable of (frame, time, Poses)."""
    return analyze(list(frames), **kw)
