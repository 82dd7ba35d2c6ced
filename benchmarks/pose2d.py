"""AP on the shared dev set and images/s on this machine, for every 2D pipeline, in one run.

    .venv/bin/python benchmarks/pose2d.py [--threads 2] [--bootstrap 200] [PIPELINES...]

Prints a Markdown table (AP, 95% bootstrap interval, AP50, AP75, AR, PCK@0.2, images/s) and writes it
with every figure to out/pose2d.json. Needs ../shared/data/posebench-dev.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from posekit.eval.run import run_eval

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "data" / "posebench-dev"
PIPELINES = [
    "default",
    "fast",
    "accurate",
    "movenet-multipose",
    "movenet-thunder",
    "blazepose",
    "blazepose-heavy",
    "blazepose-pip",
]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("pipelines", nargs="*")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bootstrap", type=int, default=200)
    args = ap.parse_args()
    if not DEV.exists():
        print(f"no dev set at {DEV}", file=sys.stderr)
        return 1
    rows = []
    for name in args.pipelines or PIPELINES:
        f = run_eval(
            DEV / "annotations" / "person_keypoints.json",
            DEV / "images",
            model=name,
            threads=args.threads,
            n_bootstrap=args.bootstrap,
            progress=False,
        )
        rows.append(f)
        print(
            f"{name}: AP {f['AP']:.3f} [{f['AP_ci_low']:.3f}, {f['AP_ci_high']:.3f}] "
            f"AP50 {f['AP50']:.3f} AR {f['AR']:.3f} {f['images_per_s']:.1f} img/s",
            flush=True,
        )
    print(
        "\n| pipeline | AP [95% CI] | AP50 | AP75 | AR | PCK@0.2 | images/s |\n|---|---|---|---|---|---|---|"
    )
    for f in rows:
        print(
            f"| {f['model']} | {f['AP']:.3f} [{f['AP_ci_low']:.3f}, {f['AP_ci_high']:.3f}] | {f['AP50']:.3f} | "
            f"{f['AP75']:.3f} | {f['AR']:.3f} | {f['PCK@0.2']:.3f} | {f['images_per_s']:.1f} |"
        )
    ref = next((f for f in rows if f["model"] == "movenet-multipose"), None)
    if ref and ref["images_per_s"]:  # issue 11's target: default ≥ 1.0× movenet-multipose, this run
        ratios = ", ".join(f"{f['model']} {f['images_per_s'] / ref['images_per_s']:.2f}×" for f in rows)
        print(f"\nimages/s relative to movenet-multipose (this run, pipelines one after another): {ratios}")
    out = ROOT / "out" / "pose2d.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
