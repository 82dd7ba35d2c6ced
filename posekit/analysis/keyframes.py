"""The report's key frames: which moments to show for each person and, when the source video is at hand,
those frames themselves, cropped to the person with the skeleton drawn (JPEG, embedded in the HTML).

Without the video a key frame is drawn as a stick figure (`report.skeleton_svg`). Moments, per person:
each fall, the riskiest posture (REBA/RULA), the peak of the repetition with the largest range; when
none of these ran, one well-seen frame from the middle of the track.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from posekit.errors import InputError

PHOTO_HEIGHT = 320  # px: the embedded crop's height (about 25 kB as JPEG)


@dataclass(frozen=True)
class KeyFrame:
    track_id: int
    sample: int  # index into the track's arrays (TrackSeries)
    frame: int  # the video's frame index (display order, from 0)
    time: float
    title: str


def choose_key_frames(res: Any) -> dict[int, list[KeyFrame]]:
    """Key frames per track id of an `AnalysisResult`, in the order the report shows them."""
    out: dict[int, list[KeyFrame]] = {}
    s = res.summary
    for tr in res.tracks:
        tid = tr.track_id
        picks: list[tuple[int, str]] = []
        for f in s.get("falls", []):
            if f["track_id"] == tid:
                picks.append((int(np.argmin(np.abs(tr.time - f["time"]))), f"Fall at {f['time']:.1f} s"))
        erg = res.details.get("ergonomics", {}).get(tid)
        if erg is not None:
            score = np.asarray(res.series["ergonomics"][tid]["score"], dtype=float)
            if (score >= 0).any():
                k = int(np.argmax(score))
                picks.append((k, f"Riskiest posture, {tr.time[k]:.1f} s (score {int(score[k])})"))
        rep = res.details.get("repetitions", {}).get(tid)
        if rep is not None and rep.repetitions:
            i, r = max(enumerate(rep.repetitions), key=lambda ir: ir[1].range)
            picks.append((int(r.peak), f"Repetition {i + 1} at its peak, {tr.time[r.peak]:.1f} s"))
        if not picks:
            seen = np.flatnonzero(np.isfinite(tr.keypoints).all(axis=2).sum(axis=1) > len(tr.layout) // 2)
            if seen.size:
                k = int(seen[len(seen) // 2])
                picks.append((k, f"Key frame, {tr.time[k]:.1f} s"))
        frames = tr.frames if tr.frames is not None else np.arange(len(tr.time))
        out[tid] = [KeyFrame(tid, k, int(frames[k]), float(tr.time[k]), title) for k, title in picks]
    return out


def grab_frames(
    video: str | os.PathLike, wanted: set[int], image_size: tuple[int, int]
) -> dict[int, np.ndarray]:
    """The RGB images of the wanted frame indices, decoding `video` up to the last of them.

    image_size: (height, width) of the frames the results were made on; a video of another size is
    not the one the results come from, and is refused rather than drawn on."""
    from tqdm import tqdm

    from posekit.io.video import open_source

    if not wanted:
        return {}
    last = max(wanted)
    got: dict[int, np.ndarray] = {}
    with open_source(video) as src:
        if tuple(src.size[::-1]) != tuple(image_size) and src.size != (0, 0):
            w, h = src.size
            raise InputError(
                f"{video}: its frames are {w}x{h} but the results were made on "
                f"{image_size[1]}x{image_size[0]} frames: not the video these results come from"
            )
        bar = tqdm(total=last + 1, desc="key frames", unit="frame", disable=last < 300, dynamic_ncols=True)
        with bar:
            for fr in src:
                bar.update(1)
                if fr.index in wanted:
                    got[fr.index] = fr.image
                if fr.index >= last:
                    break
    if len(got) < len(wanted):
        raise InputError(
            f"{video}: ends before frame {last} that the results hold: not the video these results come from"
        )
    return got


def photo(image: np.ndarray, tr: Any, k: KeyFrame) -> str:
    """A JPEG data URI: `image` cropped around the person of track `tr` at sample `k.sample`, the
    skeleton drawn, scaled to PHOTO_HEIGHT."""
    from posekit.draw import draw_poses
    from posekit.results import Poses

    kp = tr.keypoints[k.sample].astype(np.float32)
    sc = np.where(np.isfinite(kp).all(axis=1), tr.scores[k.sample], 0).astype(np.float32)
    ok = np.isfinite(kp).all(axis=1)
    h, w = image.shape[:2]
    if ok.sum() >= 2:
        lo, hi = kp[ok].min(axis=0), kp[ok].max(axis=0)
        pad = 0.25 * float((hi - lo).max()) + 8
        x0, y0 = (max(0, int(v - pad)) for v in lo)
        x1, y1 = int(min(w, hi[0] + pad)), int(min(h, hi[1] + pad))
    else:
        x0, y0, x1, y1 = 0, 0, w, h
    box = np.array([[x0, y0, x1, y1]], np.float32)
    poses = Poses(
        np.nan_to_num(kp)[None],
        sc[None],
        box,
        np.ones(1, np.float32),
        tr.layout,
        (h, w),
        track_ids=np.array([k.track_id], np.int64),
    )
    drawn = draw_poses(image, poses, min_keypoint_score=0.3)[y0:y1, x0:x1]
    scale = PHOTO_HEIGHT / max(drawn.shape[0], 1)
    small = cv2.resize(
        drawn, (max(1, round(drawn.shape[1] * scale)), PHOTO_HEIGHT), interpolation=cv2.INTER_AREA
    )
    ok_enc, buf = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok_enc:  # cannot happen for a uint8 RGB image; a clear message if it ever does
        raise RuntimeError("JPEG encoding of a key frame failed")
    return "data:image/jpeg;base64," + base64.b64encode(buf.tobytes()).decode("ascii")


def key_frame_photos(
    res: Any, video: str | os.PathLike, keys: dict[int, list[KeyFrame]]
) -> dict[tuple[int, int], str]:
    """(track id, sample) -> JPEG data URI for every key frame, from the source video."""
    wanted = {k.frame for ks in keys.values() for k in ks}
    if not res.tracks or not wanted:
        return {}
    images = grab_frames(video, wanted, res.tracks[0].image_size)
    by_id = {t.track_id: t for t in res.tracks}
    return {
        (k.track_id, k.sample): photo(images[k.frame], by_id[k.track_id], k)
        for ks in keys.values()
        for k in ks
    }
