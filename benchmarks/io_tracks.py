"""Results-file speed: writing and reading N frames of tracked people in every format, in one run.

    .venv/bin/python benchmarks/io_tracks.py [--frames 600] [--people 3] [--layout blazepose33]

Prints frames/s written and read per format and the file sizes (synthetic poses, fixed seed; BlazePose
frames carry world coordinates and visibility/presence like the real pipeline's).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from posekit.io import TrackWriter, load_tracks
from posekit.results import Poses


def frames(n: int, people: int, layout: str) -> list[Poses]:
    rng = np.random.default_rng(0)
    k = 17 if layout == "coco17" else 33
    out = []
    for _ in range(n):
        kp = rng.uniform(0, 1000, (people, k, 2))
        extra = (
            {}
            if k == 17
            else {
                "visibility": rng.uniform(0, 1, (people, k)).astype(np.float32),
                "presence": rng.uniform(0, 1, (people, k)).astype(np.float32),
            }
        )
        out.append(
            Poses(
                kp,
                rng.uniform(0, 1, (people, k)),
                np.concatenate([kp.min(1), kp.max(1)], 1),
                rng.uniform(0, 1, people),
                layout,
                (720, 1280),
                track_ids=np.arange(people) + 1,
                world=rng.normal(0, 1, (people, k, 3)) if k == 33 else None,
                extra=extra,
            )
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=600)
    ap.add_argument("--people", type=int, default=3)
    ap.add_argument("--layout", default="blazepose33")
    args = ap.parse_args()
    data = frames(args.frames, args.people, args.layout)
    print(f"{args.frames} frames × {args.people} people, {args.layout}\n")
    print("| format | write frames/s | read frames/s | size |\n|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in (".jsonl", ".json", ".csv", ".parquet"):
            path = Path(tmp) / f"r{suffix}"
            t0 = time.perf_counter()
            with TrackWriter(path) as w:
                for i, p in enumerate(data):
                    w.write(i, i / 30, p)
            t1 = time.perf_counter()
            got = load_tracks(path)
            t2 = time.perf_counter()
            assert len(got) == len(data)
            n = len(data)
            print(
                f"| {suffix} | {n / (t1 - t0):.0f} | {n / (t2 - t1):.0f} | {path.stat().st_size / 1e6:.1f} MB |"
            )


if __name__ == "__main__":
    main()
