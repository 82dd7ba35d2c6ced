"""Decoders of other projects' models on synthetic outputs rendered from posebench-dev's 180 labelled
people: COCO AP (posekit's metric, with a 95 % bootstrap interval) and decoding speed, per decoder.

Each kind's output is rendered from the ground truth at the model's usual resolution (heatmaps 48×64
for a 192×256 crop; SimCC 384 + 512 bins; YOLO-pose (1, 56, 8400) at 640×640; OpenPose stride-8 maps
at height 368), decoded with posekit's decoder and mapped back to the image (`posekit.eval.synthetic`).
OpenPose is rendered as a network that sees the whole person outputs it: the unlabelled joints between
labelled ones are rendered too (`posekit.decode.openpose_render`). It is measured on all people, on
those whose labelled parts a limb chain links (no joint needs to be filled in), and on all people
with a render of the labels alone (which cannot join a shoulder to a wrist without the elbow); the
decoder keeps people of one part (seven people have one or two labelled joints), and the last row
uses the pipeline's default instead (people of at least 3 parts).

    python benchmarks/decoders.py

The repository root goes first on sys.path, so the checkout's own `posekit` is measured.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GT = ROOT.parent / "shared" / "data" / "posebench-dev" / "annotations" / "person_keypoints.json"


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from posekit.decode import openpose
    from posekit.eval.coco import bootstrap_ap, evaluate_keypoints
    from posekit.eval.synthetic import KINDS, connected_subset, decode_dataset

    if not GT.exists():
        print(f"posebench-dev not found at {GT} (../shared is absent)")
        return 1
    gt = json.loads(GT.read_text())

    def people(g: dict) -> int:
        return sum(1 for a in g["annotations"] if a.get("num_keypoints", 0) > 0 and not a.get("iscrowd"))

    print(
        f"{'decoder':<18} {'set':<22} {'people':>6} {'AP':>6} {'95% CI':>15} {'AP50':>6} {'AR':>6} {'ms/img':>7}"
    )
    for kind in KINDS:
        sets = [("all labelled", gt, True, 1)]
        if kind.startswith("openpose"):
            linked = connected_subset(gt, openpose.NET_LAYOUTS[kind.split("-")[1]])
            sets += [
                ("limb-linked labels", linked, True, 1),
                ("all, labels only", gt, False, 1),
                ("all, min_parts=3", gt, True, 3),
            ]
        for label, g, virtual, min_parts in sets:
            t0 = time.perf_counter()
            dets = decode_dataset(kind, g, virtual_joints=virtual, min_parts=min_parts)
            ms = (time.perf_counter() - t0) / len(g["images"]) * 1000
            r = evaluate_keypoints(g, dets)
            lo, hi = bootstrap_ap(g, dets, n=200, seed=0)
            print(
                f"{kind:<18} {label:<22} {people(g):>6} {r['AP']:>6.3f} {f'[{lo:.3f}, {hi:.3f}]':>15} "
                f"{r['AP50']:>6.3f} {r['AR']:>6.3f} {ms:>7.1f}",
                flush=True,
            )
    print("ms/img: render + decode, one CPU thread of numpy/OpenCV; the render is most of it for OpenPose")
    return 0


if __name__ == "__main__":
    sys.exit(main())
