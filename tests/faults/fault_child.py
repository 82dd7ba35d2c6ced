"""A child process for the fault tests.

`python fault_child.py tracks PATH FRAMES SLEEP_S` writes the synthetic frames of
fault_helpers.frame_poses through a TrackWriter, one every SLEEP_S seconds, and prints each frame
number once written. `python fault_child.py fetch ARCHIVE NAME` fetches and converts model NAME into
$POSEKIT_CACHE, the download being a copy of ARCHIVE."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from fault_helpers import frame_poses, offline_download

from posekit.io.tracks import TrackWriter


def write_tracks(path: str, frames: int, sleep_s: float, row_group: int = 10) -> None:
    with TrackWriter(path, row_group_frames=row_group) as w:
        for i in range(frames):
            w.write(i, i / 10, frame_poses(i))
            print(i, flush=True)
            time.sleep(sleep_s)


def fetch(archive: str, name: str) -> None:
    """`posekit models fetch NAME` with the download replaced by a copy of a staged archive."""
    from posekit.zoo import fetch as fetch_module
    from posekit.zoo.store import model_path

    fetch_module.download = offline_download(Path(archive))  # type: ignore[assignment]
    print(model_path(name), flush=True)


if __name__ == "__main__":
    from posekit.errors import PosekitError

    try:
        if sys.argv[1] == "tracks":
            write_tracks(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
        elif sys.argv[1] == "fetch":
            fetch(sys.argv[2], sys.argv[3])
    except PosekitError as exc:  # as the CLI does
        print(f"posekit: error: {exc}", file=sys.stderr)
        sys.exit(2)
