"""Convert every zoo model with posekit's own converters and compare each ONNX file's SHA-256 with
the hash recorded in posekit.zoo.records (conversion is deterministic, so any difference means the
converter's output changed). Prints one line per model and the conversion time.

    python benchmarks/convert_hashes.py [name ...]

The repository root goes first on sys.path, so the checkout's own `posekit` is measured (not an
installed copy).
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(names: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    import posekit.convert
    from posekit.zoo import source_path
    from posekit.zoo.records import RECORDS
    from posekit.zoo.registry import get_record
    from posekit.zoo.store import convert

    print(f"converters: {Path(posekit.convert.__file__).parent}")
    names = names or [r.name for r in RECORDS]
    bad = 0
    for name in names:
        record = get_record(name)
        src = source_path(name)
        t0 = time.perf_counter()
        data = convert(record, src).SerializeToString()
        dt = time.perf_counter() - t0
        digest = hashlib.sha256(data).hexdigest()
        same = digest == record.onnx_sha256
        bad += not same
        print(
            f"{name:30s} {'same' if same else 'DIFFERENT'} {digest} {len(data) / 1e6:6.1f} MB {dt:5.1f} s",
            flush=True,
        )
    print(f"{len(names) - bad}/{len(names)} models byte-identical to the records")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
