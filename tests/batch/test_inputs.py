"""Inputs, keys and the output folder's files (no models)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from posekit.batch.inputs import expand_inputs, item_key
from posekit.batch.run import model_schema
from posekit.batch.writer import OutputDir, RowBuffer, person_rows, row_schema, write_partition
from posekit.errors import InputError
from posekit.results import Poses


def touch(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return str(path)


def test_files_folders_globs_and_manifests(tmp_path: Path) -> None:
    a = touch(tmp_path / "imgs" / "a.jpg")
    b = touch(tmp_path / "imgs" / "sub" / "b.png")
    v = touch(tmp_path / "vids" / "clip.mp4")
    touch(tmp_path / "imgs" / "notes.txt")  # not media: folders skip it
    touch(tmp_path / "imgs" / ".hidden.jpg")
    items = expand_inputs([tmp_path / "imgs", str(tmp_path / "vids" / "*.mp4"), a])
    assert [(i.source, i.kind) for i in items] == [(a, "image"), (b, "image"), (v, "video")]  # a once
    manifest = tmp_path / "list.csv"
    manifest.write_text("path,kind,max_frames,subject\nvids/clip.mp4,,3,s1\nimgs/a.jpg,image,,s2\n")
    m = expand_inputs([manifest])
    assert [(i.source, i.kind, i.max_frames) for i in m] == [(v, "video", 3), (a, "image", None)]
    assert m[0].key != items[2].key  # other options, other item
    assert m[1].key == items[0].key


def test_keys_are_stable_safe_and_distinct(tmp_path: Path) -> None:
    k = item_key("/data/My clip #1.mp4", {})
    assert k == item_key("/data/My clip #1.mp4", {}) and k.startswith("My-clip-1-")
    assert item_key("/other/My clip #1.mp4", {}) != k
    assert not item_key("/x/_private.jpg", {}).startswith(("_", "."))


@pytest.mark.parametrize("bad", ["missing.jpg", "nothing-*.jpg", "empty"])
def test_inputs_naming_nothing_raise_at_once(tmp_path: Path, bad: str) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=bad.split("*")[0]):
        expand_inputs([tmp_path / bad if "*" not in bad else str(tmp_path / bad)])


def test_manifest_without_path_column(tmp_path: Path) -> None:
    m = tmp_path / "m.parquet"
    pq.write_table(pa.table({"file": ["a.jpg"]}), m)
    with pytest.raises(InputError, match="path"):
        expand_inputs([m])


def test_schema_follows_the_model() -> None:
    assert model_schema("default") == ("coco17", False)
    assert model_schema("blazepose") == ("blazepose33", True)
    assert model_schema("blazepose", "coco17") == ("coco17", True)


def test_rows_and_atomic_partition(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    p = Poses(
        rng.random((2, 17, 2)).astype(np.float32),
        rng.random((2, 17)).astype(np.float32),
        rng.random((2, 4)).astype(np.float32),
        np.array([0.9, 0.5], np.float32),
        "coco17",
        (480, 640),
        track_ids=np.array([3, -1]),
    )
    buf = RowBuffer(row_schema("coco17", False))
    buf.add(person_rows("clip.mp4", 7, 0.25, p, world=False))
    path = tmp_path / "poses" / "x.parquet"
    write_partition(path, buf.table())
    assert [f.name for f in tmp_path.joinpath("poses").iterdir()] == ["x.parquet"]  # no temp file left
    t = pq.read_table(path).to_pandas()
    assert list(t.columns[:8]) == ["source", "frame", "time", "track_id", "score", "x1", "y1", "x2"]
    assert t["track_id"].tolist() == [3, -1] and t["frame"].tolist() == [7, 7]
    np.testing.assert_array_equal(t[["nose_x", "nose_y"]].to_numpy(), p.keypoints[:, 0])
    assert (t["image_w"] == 640).all() and (t["image_h"] == 480).all()


def test_output_folder_refuses_other_settings(tmp_path: Path) -> None:
    out = OutputDir(tmp_path)
    out.prepare({"model": "default", "chunk_seconds": 60.0})
    out.prepare({"model": "default", "chunk_seconds": 60.0})  # the same run again: fine
    assert json.loads((tmp_path / "_state" / "run.json").read_text())["model"] == "default"
    with pytest.raises(InputError, match="model"):
        out.prepare({"model": "fast", "chunk_seconds": 60.0})
