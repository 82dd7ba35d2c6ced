"""Resource figures of this process (RSS, open files, threads) and synthetic inputs that scale: crowds
of people in one image, detections and frames generated on the fly. Shared by tests/resources/ and
benchmarks/resources.py."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from posekit.io.video.base import Frame, FrameSource
from posekit.results import Poses

# COCO-17 standing person in a unit box (x right, y down): head at the top, feet at the bottom.
_STANDING = np.array(
    [
        [0.50, 0.08], [0.46, 0.06], [0.54, 0.06], [0.42, 0.08], [0.58, 0.08],
        [0.35, 0.22], [0.65, 0.22], [0.30, 0.40], [0.70, 0.40], [0.28, 0.55], [0.72, 0.55],
        [0.40, 0.55], [0.60, 0.55], [0.40, 0.77], [0.60, 0.77], [0.40, 0.98], [0.60, 0.98],
    ],
    dtype=np.float32,
)  # fmt: skip


def rss_mb() -> float:
    """Resident memory of this process now (VmRSS), in MiB."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


def os_threads() -> int:
    """Threads of this process as the kernel sees them (ONNX Runtime's and FFmpeg's included)."""
    return len(os.listdir("/proc/self/task"))


@dataclass
class Probe:
    """Samples (step, RSS MiB, open fds, Python threads, OS threads) taken along a long run."""

    samples: list[tuple[int, float, int, int, int]] = field(default_factory=list)

    def sample(self, step: int) -> None:
        self.samples.append((step, rss_mb(), fd_count(), threading.active_count(), os_threads()))

    def column(self, i: int) -> np.ndarray:
        return np.array([s[i] for s in self.samples], dtype=float)

    def rss_slope(self, per: int = 1000, skip: float = 0.25) -> float:
        """MiB per `per` steps over the run after its first `skip` share (warm-up: caches, pools)."""
        steps, rss = self.column(0), self.column(1)
        keep = steps >= steps[0] + skip * (steps[-1] - steps[0])
        return float(np.polyfit(steps[keep], rss[keep], 1)[0] * per)

    def summary(self, per: int = 1000) -> dict[str, float]:
        first, last = self.samples[0], self.samples[-1]
        return {
            "rss_start_mb": round(first[1], 1),
            "rss_end_mb": round(last[1], 1),
            "rss_peak_mb": round(float(self.column(1).max()), 1),
            f"rss_slope_mb_per_{per}": round(self.rss_slope(per), 3),
            "fds_start": first[2],
            "fds_end": last[2],
            "threads_start": first[3],
            "threads_end": last[3],
            "os_threads_start": first[4],
            "os_threads_end": last[4],
        }


POSEBENCH = Path(__file__).resolve().parents[2] / "shared" / "data" / "posebench-dev"


@functools.lru_cache(maxsize=1)
def person_crops(min_height: int = 200, min_keypoints: int = 14) -> tuple[np.ndarray, ...]:
    """Whole, mostly visible people cut from ../shared/data/posebench-dev (COCO boxes with a margin);
    empty when the shared data is absent."""
    import json

    from PIL import Image

    ann_path = POSEBENCH / "annotations" / "person_keypoints.json"
    if not ann_path.exists():
        return ()
    ann = json.loads(ann_path.read_text(encoding="utf-8"))
    files = {im["id"]: im["file_name"] for im in ann["images"]}
    crops = []
    for a in ann["annotations"]:
        x, y, w, h = a["bbox"]
        if a.get("iscrowd") or h < min_height or sum(v > 0 for v in a["keypoints"][2::3]) < min_keypoints:
            continue
        with Image.open(POSEBENCH / "images" / files[a["image_id"]]) as im:
            img = np.asarray(im.convert("RGB"))
        x1, y1 = int(max(0, x - 0.1 * w)), int(max(0, y - 0.05 * h))
        x2, y2 = int(min(img.shape[1], x + 1.1 * w)), int(min(img.shape[0], y + 1.05 * h))
        crops.append(img[y1:y2, x1:x2])
    return tuple(crops)


def crowd_of_crops(cols: int, rows: int, tile: tuple[int, int] = (96, 192)) -> np.ndarray | None:
    """cols x rows real people (cycling through `person_crops`) tiled into one image; None without data."""
    import cv2

    crops = person_crops()
    if not crops:
        return None
    tiles = [
        cv2.resize(crops[i % len(crops)], tile, interpolation=cv2.INTER_AREA) for i in range(cols * rows)
    ]
    lines = [np.concatenate(tiles[r * cols : (r + 1) * cols], axis=1) for r in range(rows)]
    return np.ascontiguousarray(np.concatenate(lines, axis=0))


def synthetic_people(n: int, frame: int, size: tuple[int, int] = (1080, 1920), seed: int = 0) -> Poses:
    """`n` people walking on fixed paths (deterministic per person), seen at `frame`: boxes and COCO-17
    keypoints as a detector would give them, with a little noise. Person i is absent now and then, so
    tracks are lost, found again and deleted over a long run."""
    h, w = size
    start, speed, period = _paths(n, size, seed)
    seen = (frame % period) < period * 0.9  # gone for the last tenth of each period
    pos = (start + speed * frame) % [w - 100, h - 200]
    pos = pos[seen]
    m = len(pos)
    jitter = np.random.default_rng(seed * 1_000_003 + frame).normal(0, 1.0, (m, 17, 2))
    kp = (pos[:, None, :] + _STANDING[None] * np.array([100, 200], np.float32) + jitter).astype(np.float32)
    boxes = np.concatenate([kp.min(1), kp.max(1)], axis=1).astype(np.float32)
    return Poses(
        keypoints=kp,
        scores=np.full((m, 17), 0.9, np.float32),
        boxes=boxes,
        person_scores=np.full(m, 0.9, np.float32),
        layout="coco17",
        image_size=(h, w),
    )


@functools.lru_cache(maxsize=8)
def _paths(n: int, size: tuple[int, int], seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    h, w = size
    rng = np.random.default_rng(seed)
    return (
        rng.uniform([0, 0], [w - 100, h - 200], (n, 2)),
        rng.uniform(-2, 2, (n, 2)),
        rng.integers(200, 2000, n),
    )


class SyntheticFrames(FrameSource):
    """`n` small frames generated on the fly (never all in memory): a person sliding across a background."""

    def __init__(self, n: int, side: int = 192, fps: float = 30.0) -> None:
        super().__init__()
        import cv2
        from skimage import data

        self.name, self.fps, self.size, self.frame_count = "synthetic", fps, (side, side), n
        self._person = cv2.resize(data.astronaut(), (side, side), interpolation=cv2.INTER_AREA)

    def _frames(self) -> Generator[Frame, None, None]:
        assert self.frame_count is not None
        for i in range(self.frame_count):
            shift = int(20 * np.sin(i / 30))
            yield Frame(i, i / self.fps, np.roll(self._person, shift, axis=1))
