"""The fuzz campaign over every reader, and what refusing decompression bombs costs.

    python benchmarks/fuzz.py                 # 1000 examples per property (C3D 250, NWB 250)
    python benchmarks/fuzz.py --examples 200  # quicker
    python benchmarks/fuzz.py --bombs-only

Part 1 runs tests/fuzz with the Hypothesis "campaign" profile (random, not derandomized) in record mode
(tests/fuzz/fuzz_harness.py): escapes are counted instead of failing, and the table prints per reader the
inputs tried, how many were read, how many were refused with a well-formed posekit error, the distinct
refusal messages, the escapes (must be 0) and the time spent in the reader.

Part 2 measures, in a fresh process each, the peak resident memory (ru_maxrss) above the process's own
baseline (posekit imported, a small image decoded) and the time to refuse each bomb.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def campaign(examples: int) -> int:
    with tempfile.TemporaryDirectory() as d:
        record = Path(d) / "record.json"
        env = dict(
            os.environ,
            POSEKIT_FUZZ_PROFILE="campaign",
            POSEKIT_FUZZ_EXAMPLES=str(examples),
            POSEKIT_FUZZ_RECORD=str(record),
            PYTHONPATH=str(ROOT),
        )
        t0 = time.perf_counter()
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "tests/fuzz",
                "-q",
                "-p",
                "no:warnings",
                "-p",
                "no:cacheprovider",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - t0
        if (
            not record.exists()
        ):  # the test process died: show where (faulthandler's stack), not the module list
            out = r.stdout + r.stderr
            start = out.find("Fatal Python error")
            print(out[start : out.find("Extension modules", start)] if start >= 0 else out[-3000:])
            raise SystemExit(f"the campaign's test process died (exit {r.returncode}) before recording")
        data = json.loads(record.read_text())
    print(f"\nFuzz campaign: {examples} examples per property (C3D and NWB a quarter), {wall:.0f} s wall")
    print(f"pytest: {r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.returncode}\n")
    head = ("reader", "tried", "read ok", "refused", "distinct refusals", "escapes", "reader s")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    total_escapes = 0
    for name, t in sorted(data.items()):
        total_escapes += len(t["escapes"])
        cells = (
            name,
            t["tried"],
            t["ok"],
            t["refused"],
            t["distinct_refusals"],
            len(t["escapes"]),
            t["seconds"],
        )
        print("| " + " | ".join(str(c) for c in cells) + " |")
    for name, t in sorted(data.items()):
        for sig, example in t["escapes"].items():
            print(f"ESCAPE {name}: {sig}: {example}")
    tried = sum(t["tried"] for t in data.values())
    print(f"\ntotal inputs tried: {tried}, escapes: {total_escapes}")
    return total_escapes


# ---------------------------------------------------------------------------------------------
# bombs
# ---------------------------------------------------------------------------------------------
def png_real_bomb(w: int, h: int) -> bytes:
    """A genuine PNG of w x h black pixels (zlib squeezes it to a few hundred kB)."""
    z, row = zlib.compressobj(9), b"\0" * (3 * w + 1)
    raw = b"".join(z.compress(row) for _ in range(h)) + z.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def gif_bomb() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("P", (1, 1)).save(buf, format="GIF")
    b = bytearray(buf.getvalue())
    struct.pack_into("<HH", b, 6, 65535, 65535)  # logical screen
    i = b.index(b"\x2c")  # image descriptor
    struct.pack_into("<HH", b, i + 5, 65535, 65535)
    return bytes(b)


def tiff_bomb() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (3, 5)).save(buf, format="TIFF")
    b = bytearray(buf.getvalue())
    ifd = struct.unpack_from("<I", b, 4)[0]
    for k in range(struct.unpack_from("<H", b, ifd)[0]):
        e = ifd + 2 + 12 * k
        tag, typ = struct.unpack_from("<HH", b, e)
        if tag in (256, 257):  # ImageWidth, ImageLength
            struct.pack_into("<I" if typ == 4 else "<H", b, e + 8, 65535)
    return bytes(b)


_MEASURE = r"""
import resource, sys, time, numpy as np
from posekit.io.images import load_image
from posekit.io.video import open_source
from posekit.errors import PosekitError
np.zeros(1)
load_image(sys.argv[3])  # baseline: a small image decoded
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
try:
    if sys.argv[2] == "video":
        with open_source(sys.argv[1]) as s:
            next(iter(s))
    else:
        load_image(sys.argv[1])
    out = "read"
except PosekitError as e:
    out = "refused: " + str(e).split(": ", 1)[1][:70]
dt = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{base / 1024:.0f}\t{(peak - base) / 1024:.1f}\t{dt * 1000:.0f}\t{out}")
"""


def bombs() -> None:
    from PIL import Image

    sys.path.insert(0, str(ROOT / "tests" / "fuzz"))
    from test_fuzz_images import png_declaring as png_bomb
    from test_fuzz_video import avi_declaring

    with tempfile.TemporaryDirectory() as d:
        small = Path(d) / "small.png"
        Image.new("RGB", (64, 48)).save(small)
        cases = [
            ("PNG declaring 100000x100000 (10 GP)", "bomb.png", png_bomb(100_000, 100_000), "image"),
            ("PNG declaring 30000x20000 (600 MP)", "bomb2.png", png_bomb(30_000, 20_000), "image"),
            ("genuine PNG 25000x20000, all black", "real.png", png_real_bomb(25_000, 20_000), "image"),
            ("GIF declaring 65535x65535", "bomb.gif", gif_bomb(), "image"),
            ("TIFF declaring 65535x65535", "bomb.tif", tiff_bomb(), "image"),
            (
                "AVI (raw video) declaring 16000x16000 frames",
                "bomb.avi",
                avi_declaring(16_000, 16_000),
                "video",
            ),
        ]
        print("\nDecompression bombs: peak RSS above the process baseline, time to answer\n")
        print(
            "| input | file size | baseline RSS (MB) | peak RSS above baseline (MB) | time (ms) | outcome |"
        )
        print("|---|---|---|---|---|---|")
        for title, name, blob, kind in cases:
            path = Path(d) / name
            path.write_bytes(blob)
            r = subprocess.run(
                [sys.executable, "-c", _MEASURE, str(path), kind, str(small)],
                capture_output=True,
                text=True,
                env=dict(os.environ, PYTHONPATH=str(ROOT)),
            )
            if r.returncode != 0:
                print(
                    f"| {title} | {len(blob)} B | - | - | - | CRASH: {r.stderr.strip().splitlines()[-1:]} |"
                )
                continue
            base, mb, ms, out = r.stdout.strip().split("\t")
            print(f"| {title} | {len(blob):,} B | {base} | {mb} | {ms} | {out} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--examples", type=int, default=1000, help="Hypothesis examples per property")
    ap.add_argument("--bombs-only", action="store_true")
    args = ap.parse_args()
    escapes = 0 if args.bombs_only else campaign(args.examples)
    bombs()
    sys.exit(1 if escapes else 0)


if __name__ == "__main__":
    main()
