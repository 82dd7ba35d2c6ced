"""Per-frame pose results written incrementally (`TrackWriter`) and read back (`read_tracks`).

The format follows the file suffix; each has its own writer class (`posekit.io.tracks.writers`):

* `.jsonl` — one JSON object per frame and line, flushed after each frame:
  `{"frame", "time", "image_size": [h, w], "layout", "people": Poses.to_dicts()}`.
  Written in place; a crash leaves every complete line (a cut-off last line is skipped on reading).
* `.json` — a JSON array of those objects.
* `.csv` — one row per person per frame, columns below; written in place, flushed per frame.
* `.parquet` — the same columns (needs pyarrow), a row group every `row_group_frames` frames;
  journaled as written, so the frames of a killed run are recovered (`recover_parquet`, and
  automatically by the next Parquet writer in that folder; see `posekit.io.tracks.journal`).

`.json` and `.parquet` are written to a temporary file next to `path` and renamed onto it by
`close()`, which the context manager calls on success *and* when the block raises, so `path` always
holds a valid file with every frame written so far.

Tabular columns (CSV and Parquet), in this order (`track_columns`):
    frame (int), time (float, seconds), track_id (int: -1 for a person without a confirmed track,
    empty when the poses carry no track ids at all), then `posekit.results.person_columns`: score
    (person score), x1, y1, x2, y2 (box), and for each keypoint name <name>_x, <name>_y, <name>_score,
    <name>_wx, <name>_wy, <name>_wz when the file has world coordinates, <name>_<key> for each
    per-keypoint `Poses.extra` array (e.g. BlazePose's visibility and presence); then layout (name),
    image_w, image_h (original image size in pixels).
Coordinates are float32 (CSV: 9 significant digits, exact for float32; NaN is an empty field).
The layout, world and extra columns are fixed by the first frame with people (or the `layout`/
`world`/`extra` arguments); later frames without them get NaN there.

Reading gives `posekit.results.FrameResult`s equal to the ones written (the same `FrameResult`s that
tracking yields), with two limits of the tabular formats: frames without people have no rows, so
they are absent, and `world` / an extra key is None / left out for a frame whose values are all NaN.
JSON/JSONL files give every frame written, empty ones included.
"""

from posekit.io.tracks.journal import recover_parquet
from posekit.io.tracks.reading import load_tracks, read_tracks
from posekit.io.tracks.schema import TRACK_FORMATS, track_columns
from posekit.io.tracks.writers import WRITERS, FormatWriter, TrackWriter

__all__ = [
    "TRACK_FORMATS",
    "WRITERS",
    "FormatWriter",
    "TrackWriter",
    "load_tracks",
    "read_tracks",
    "recover_parquet",
    "track_columns",
]
