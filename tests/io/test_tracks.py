import json
import logging

import numpy as np
import pytest

from posekit.errors import InputError
from posekit.io import TrackWriter, load_tracks, read_tracks, track_columns
from posekit.results import Poses

try:
    import pyarrow  # noqa: F401

    HAS_ARROW = True
except ImportError:
    HAS_ARROW = False
FORMATS = [
    ".jsonl",
    ".json",
    ".csv",
    pytest.param(".parquet", marks=pytest.mark.skipif(not HAS_ARROW, reason="pyarrow is not installed")),
]
SIZE = (48, 64)  # (h, w)


def make_poses(n, *, seed=0, layout="coco17", world=False, ids=False):
    rng = np.random.default_rng(seed)
    k = 17 if layout == "coco17" else 33
    kp = rng.uniform(0, 60, (n, k, 2)).astype(np.float32)
    scores = rng.uniform(0, 1, (n, k)).astype(np.float32)
    if n:
        kp[0, 3] = np.nan  # a keypoint the model did not predict
        scores[0, 3] = 0
    boxes = (
        np.concatenate([kp.min(axis=1, initial=0), kp.max(axis=1, initial=60)], axis=1)
        if n
        else np.zeros((0, 4))
    )
    return Poses(
        kp,
        scores,
        np.nan_to_num(boxes),
        rng.uniform(0, 1, n),
        layout,
        SIZE,
        world=rng.normal(0, 1, (n, k, 3)) if world else None,
        track_ids=np.arange(n) + 7 if ids else None,
    )


def assert_same(a: Poses, b: Poses, *, optional=True):
    assert a.layout.name == b.layout.name and a.image_size == b.image_size and len(a) == len(b)
    np.testing.assert_array_equal(a.keypoints, b.keypoints)  # exact: float32 survives every format
    np.testing.assert_array_equal(a.scores, b.scores)
    np.testing.assert_array_equal(a.boxes, b.boxes)
    np.testing.assert_array_equal(a.person_scores, b.person_scores)
    if not optional:  # empty frames come back from JSON as Poses.empty (no world / track ids)
        return
    assert (a.world is None) == (b.world is None)
    if a.world is not None:
        np.testing.assert_array_equal(a.world, b.world)
    assert (a.track_ids is None) == (b.track_ids is None)
    if a.track_ids is not None:
        np.testing.assert_array_equal(a.track_ids, b.track_ids)


@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("world,ids", [(False, False), (True, True)])
def test_round_trip(tmp_path, suffix, world, ids):
    frames = [(i, i / 30, make_poses(n, seed=i, world=world, ids=ids)) for i, n in enumerate([2, 0, 1, 3, 0])]
    path = tmp_path / f"out{suffix}"
    with TrackWriter(path, row_group_frames=2) as w:
        for i, t, p in frames:
            w.write(i, t, p)
    got = load_tracks(path)
    tabular = suffix in (".csv", ".parquet")
    expected = [f for f in frames if len(f[2]) or not tabular]  # tabular files have no empty frames
    assert [(i, t) for i, t, _ in got] == [(i, t) for i, t, _ in expected]
    for (_, _, a), (_, _, b) in zip(expected, got):
        assert_same(a, b, optional=len(a) > 0)


@pytest.mark.parametrize("suffix", FORMATS)
def test_blazepose_layout_and_many_frames(tmp_path, suffix):
    path = tmp_path / f"b{suffix}"
    with TrackWriter(path, row_group_frames=7) as w:
        for i in range(40):
            w.write(i, i * 0.1, make_poses(i % 3 + 1, seed=i, layout="blazepose33", world=True))
    got = load_tracks(path)
    assert [i for i, _, _ in got] == list(range(40))
    assert_same(got[17].poses, make_poses(17 % 3 + 1, seed=17, layout="blazepose33", world=True))


@pytest.mark.parametrize("suffix", FORMATS)
def test_interrupted_writer_leaves_valid_file(tmp_path, suffix):
    path = tmp_path / f"cut{suffix}"
    with pytest.raises(RuntimeError, match="inference failed"), TrackWriter(path) as w:
        for i in range(5):
            w.write(i, i / 10, make_poses(2, seed=i, ids=True))
        raise RuntimeError("inference failed")
    got = load_tracks(path)
    assert [i for i, _, _ in got] == [0, 1, 2, 3, 4]
    assert_same(got[4].poses, make_poses(2, seed=4, ids=True))
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_streaming_formats_are_readable_while_writing(tmp_path, suffix):
    path = tmp_path / f"live{suffix}"
    with TrackWriter(path) as w:
        w.write(0, 0.0, make_poses(1))
        w.write(1, 0.1, make_poses(2, seed=1))
        assert [i for i, _, _ in read_tracks(path)] == [0, 1]


@pytest.mark.parametrize("suffix", FORMATS)
def test_no_frames_gives_a_valid_empty_file(tmp_path, suffix):
    path = tmp_path / f"none{suffix}"
    TrackWriter(path).close()
    assert load_tracks(path) == []


def test_jsonl_content_and_cut_off_last_line(tmp_path, caplog):
    path = tmp_path / "r.jsonl"
    with TrackWriter(path) as w:
        w.write(3, 0.1, make_poses(1, ids=True))
        w.write(4, 0.2, make_poses(0))
    first = json.loads(path.read_text().splitlines()[0])
    assert set(first) == {"frame", "time", "image_size", "layout", "people"}
    assert first["image_size"] == list(SIZE) and first["layout"] == "coco17"
    assert first["people"][0]["track_id"] == 7 and first["people"][0]["keypoints"][3] == [None, None]
    with open(path, "a") as f:
        f.write('{"frame": 5, "ti')  # a crash mid-line
    with caplog.at_level(logging.WARNING):
        assert [i for i, _, _ in load_tracks(path)] == [3, 4]
    assert "incomplete last line" in caplog.text


def test_tabular_columns(tmp_path):
    cols = track_columns("coco17", world=True)
    assert cols[:8] == ["frame", "time", "track_id", "score", "x1", "y1", "x2", "y2"]
    assert cols[8:14] == ["nose_x", "nose_y", "nose_score", "nose_wx", "nose_wy", "nose_wz"]
    assert cols[-3:] == ["layout", "image_w", "image_h"]
    pd = pytest.importorskip("pandas")
    path = tmp_path / "t.csv"
    with TrackWriter(path) as w:
        w.write(0, 0.5, make_poses(2))
    df = pd.read_csv(path)
    assert list(df.columns) == track_columns("coco17") and len(df) == 2
    assert df.track_id.isna().all() and df.image_w[0] == 64 and df.image_h[0] == 48  # no ids: empty, not -1
    assert np.isnan(df.loc[0, "left_ear_x"])  # NaN keypoint: an empty field


def test_parquet_row_groups_and_dtypes(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "g.parquet"
    with TrackWriter(path, row_group_frames=3) as w:
        for i in range(10):
            w.write(i, i / 25, make_poses(1, seed=i, ids=True))
    f = pq.ParquetFile(path)
    assert f.metadata.num_row_groups == 4 and f.metadata.num_rows == 10
    schema = f.schema_arrow
    assert str(schema.field("frame").type) == "int64" and str(schema.field("nose_x").type) == "float"


def test_world_columns_fixed_by_first_people(tmp_path, caplog):
    path = tmp_path / "w.csv"
    with TrackWriter(path) as w:
        w.write(0, 0.0, make_poses(0, world=True))  # no people: does not decide
        w.write(1, 0.1, make_poses(1, world=True))
        w.write(2, 0.2, make_poses(1))  # no world in a world file: NaN, read back as None
    got = load_tracks(path)
    assert got[0].poses.world is not None and got[1].poses.world is None
    path2 = tmp_path / "w2.csv"
    with caplog.at_level(logging.WARNING), TrackWriter(path2) as w:
        w.write(0, 0.0, make_poses(1))
        w.write(1, 0.1, make_poses(1, world=True))
    assert "not stored" in caplog.text and load_tracks(path2)[1].poses.world is None


def test_errors(tmp_path):
    with pytest.raises(InputError, match=r"out\.txt.*unsupported"):
        TrackWriter(tmp_path / "out.txt")
    with pytest.raises(InputError, match="no such file"):
        load_tracks(tmp_path / "missing.csv")
    with TrackWriter(tmp_path / "m.csv") as w:
        w.write(0, 0.0, make_poses(1))
        with pytest.raises(ValueError, match="layout"):
            w.write(1, 0.1, make_poses(1, layout="blazepose33"))
    (tmp_path / "bad.json").write_text("[{")
    with pytest.raises(InputError, match=r"bad\.json.*not a valid JSON"):
        load_tracks(tmp_path / "bad.json")
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="not a posekit tracks CSV"):
        load_tracks(tmp_path / "other.csv")


@pytest.mark.parametrize("cut", ["inside the last number", "inside the frame's second row", "after one row"])
def test_csv_cut_off_mid_write_drops_the_whole_last_frame(tmp_path, caplog, cut):
    """A kill inside the write of the last frame: its last row can have every field with the final
    number shortened, and its first people can be complete. The whole frame is dropped, nothing else."""
    path = tmp_path / "k.csv"
    frames = [make_poses(2, seed=i) for i in range(3)]
    with TrackWriter(path) as w:
        for i, p in enumerate(frames):
            w.write(i, i / 10, p)
    data = path.read_bytes()
    lines = data.splitlines(keepends=True)
    assert len(lines) == 1 + 6
    end_of_frame_1 = sum(len(x) for x in lines[:5])
    cut_at = {
        "inside the last number": len(data) - 4,
        "inside the frame's second row": end_of_frame_1 + len(lines[5]) + 10,
        "after one row": end_of_frame_1 + len(lines[5]) - 1,  # the frame's first row, cut before its "\n"
    }[cut]
    path.write_bytes(data[:cut_at])
    with caplog.at_level(logging.WARNING):
        got = load_tracks(path)
    assert [f.index for f in got] == [0, 1]
    for f, want in zip(got, frames):
        assert_same(f.poses, want)
    assert "cut off by an interrupted write" in caplog.text
    path.write_bytes(data)  # untouched file: every frame
    assert [f.index for f in load_tracks(path)] == [0, 1, 2]
