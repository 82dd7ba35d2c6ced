"""Are a refactor's predictions the same as before? Snapshot every preset and pose model, then compare.

    python benchmarks/pipeline_equivalence.py save /tmp/before.npz --code /path/to/old/checkout
    python benchmarks/pipeline_equivalence.py save /tmp/after.npz          # this checkout's posekit
    python benchmarks/pipeline_equivalence.py compare /tmp/before.npz /tmp/after.npz [--skip default]

The snapshot holds keypoints, scores, boxes, person scores and world points of every preset and pose
model on the first `--images` posebench-dev images and scikit-image's astronaut, and keypoints and
track ids of a 5-frame clip tracked with `default` and `blazepose` (region following on). `compare`
prints the largest difference; a pure refactor gives 0.0. About 1.5 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
NAMES = [
    "default",
    "fast",
    "accurate",
    "blazepose",
    "blazepose-pip",
    "movenet-thunder",
    "movenet-lightning",
    "movenet-multipose",
    "blazepose-lite",
    "blazepose-heavy",
    "mediapipe-pose-landmark-full",
]
CLIP = "posetrack18_000001_mpiinew_test_5frames.mp4"


def save(out: Path, n_images: int, code: Path) -> None:
    sys.path.insert(0, str(code))  # import that checkout's posekit, whatever the venv has installed
    from skimage import data

    import posekit
    from posekit import PoseEstimator
    from posekit.io import load_image
    from posekit.video import VideoPoseTracker

    dev = DATA / "posebench-dev"
    if not dev.exists():
        sys.exit(f"test data not found at {dev}")
    gt = json.loads((dev / "annotations" / "person_keypoints.json").read_text())
    images = [load_image(dev / "images" / im["file_name"]) for im in gt["images"][:n_images]]
    images.append(data.astronaut())
    arrays: dict[str, np.ndarray] = {}
    for name in NAMES:
        est = PoseEstimator(name, threads=1)
        for i, image in enumerate(images):
            p = est(image)
            arrays |= {
                f"{name}/{i}/kps": p.keypoints,
                f"{name}/{i}/scores": p.scores,
                f"{name}/{i}/boxes": p.boxes,
                f"{name}/{i}/ps": p.person_scores,
            }
            if p.world is not None:
                arrays[f"{name}/{i}/world"] = p.world
        print(name, flush=True)
    for name in ("default", "blazepose"):
        for r in VideoPoseTracker(name, threads=1, workers=1).track(str(DATA / "video" / CLIP)):
            arrays[f"video/{name}/{r.index}/kps"] = r.poses.keypoints
            arrays[f"video/{name}/{r.index}/ids"] = np.asarray(r.poses.track_ids)
        print("video", name, flush=True)
    np.savez(out, **arrays)  # type: ignore[arg-type]
    print(f"{len(arrays)} arrays from {Path(posekit.__file__).parent} saved to {out}")


def compare(a_path: Path, b_path: Path, skip: list[str] | None = None) -> int:
    a, b = np.load(a_path), np.load(b_path)
    if set(a.files) != set(b.files):
        print("different entries:", sorted(set(a.files) ^ set(b.files)))
        return 1
    worst, key = 0.0, ""
    # --skip NAME: a pipeline whose predictions were meant to change (its image and video entries)
    keys = [k for k in a.files if not any(k.startswith((f"{n}/", f"video/{n}/")) for n in skip or [])]
    for k in keys:
        x, y = a[k], b[k]
        if x.shape != y.shape:
            print(f"{k}: shape {x.shape} vs {y.shape}")
            return 1
        if x.size and not np.array_equal(np.isnan(x), np.isnan(y)):
            print(f"{k}: NaNs differ")
            return 1
        d = float(np.nanmax(np.abs(x.astype(np.float64) - y.astype(np.float64)))) if x.size else 0.0
        if d > worst:
            worst, key = d, k
    print(f"{len(keys)} arrays compared; largest difference {worst}" + (f" ({key})" if key else ""))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("save")
    s.add_argument("out", type=Path)
    s.add_argument("--images", type=int, default=10)
    s.add_argument(
        "--code", type=Path, default=ROOT, help="checkout whose posekit to run (default: this one)"
    )
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    c.add_argument("--skip", action="append", default=[], help="a pipeline meant to change (repeatable)")
    args = ap.parse_args()
    if args.cmd == "save":
        save(args.out, args.images, args.code)
        return 0
    return compare(args.a, args.b, args.skip)


if __name__ == "__main__":
    sys.exit(main())
