import json

import numpy as np
import pytest

from posekit.layouts import BLAZEPOSE33_TO_COCO17, LayoutError
from posekit.results import FrameResult, Poses, keypoint_columns, person_columns


def make(n=3, layout="coco17", k=17, **kw):
    rng = np.random.default_rng(n)
    kp = rng.uniform(0, 100, (n, k, 2))
    return Poses(
        kp,
        rng.uniform(0, 1, (n, k)),
        np.tile([1, 2, 90, 95], (n, 1)),
        np.linspace(0.9, 0.1, n),
        layout,
        (120, 100),
        **kw,
    )


def test_dtypes_and_validation():
    p = make()
    assert p.keypoints.dtype == np.float32 and p.scores.dtype == np.float32 and p.boxes.dtype == np.float32
    assert p.layout.name == "coco17" and p.image_size == (120, 100) and len(p) == 3
    with pytest.raises(ValueError, match=r"expected shape \(N, 17, 2\)"):
        Poses(np.zeros((2, 33, 2)), np.zeros((2, 33)), np.zeros((2, 4)), np.zeros(2), "coco17", (1, 1))
    with pytest.raises(ValueError, match="scores"):
        Poses(np.zeros((2, 17, 2)), np.zeros((3, 17)), np.zeros((2, 4)), np.zeros(2), "coco17", (1, 1))
    with pytest.raises(ValueError, match="extra"):
        make(extra={"visibility": np.zeros((3, 5))})
    with pytest.raises(ValueError, match="track_ids"):
        make(track_ids=np.array([0.5, 1, 2]))


def test_indexing():
    p = make(4, track_ids=np.arange(4), world=np.zeros((4, 17, 3)), extra={"vis": np.ones((4, 17))})
    assert len(p[0]) == 1 and p[-1].track_ids.tolist() == [3]
    assert p[1:3].track_ids.tolist() == [1, 2]
    assert p[np.array([True, False, True, False])].track_ids.tolist() == [0, 2]
    assert p[[3, 0]].track_ids.tolist() == [3, 0]
    assert len(p[[]]) == 0 and len(p[np.array([], dtype=int)]) == 0
    assert p[[0, 0]].extra["vis"].shape == (2, 17)
    with pytest.raises(IndexError):
        p[4]
    with pytest.raises(IndexError):
        p[np.array([True, False])]


def test_empty_concat_filter():
    e = Poses.empty("blazepose33", (10, 20))
    assert len(e) == 0 and e.keypoints.shape == (0, 33, 2)
    p = make(3)
    c = Poses.concat([p, Poses.empty("coco17", (120, 100)), p[:1]])
    assert len(c) == 4 and np.array_equal(c.keypoints[3], p.keypoints[0])
    with pytest.raises(ValueError, match="same layout"):
        Poses.concat([p, e])
    assert p.filter(min_score=0.5).person_scores.tolist() == pytest.approx([0.9, 0.5])
    assert len(p.filter(min_keypoints=18)) == 0


def test_to_layout():
    p = make(2, "blazepose33", 33, world=np.random.rand(2, 33, 3), extra={"vis": np.random.rand(2, 33)})
    c = p.to_layout("coco17")
    assert c.layout.name == "coco17" and c.keypoints.shape == (2, 17, 2)
    idx = list(BLAZEPOSE33_TO_COCO17)
    assert np.array_equal(c.keypoints, p.keypoints[:, idx])
    assert np.array_equal(c.world, p.world[:, idx]) and np.array_equal(c.extra["vis"], p.extra["vis"][:, idx])
    assert c.to_layout("coco17") is c
    with pytest.raises(LayoutError, match="from 'coco17' to 'blazepose33'"):
        c.to_layout("blazepose33")


def test_dicts_and_json_round_trip():
    p = make(2, track_ids=[5, 7], world=np.zeros((2, 17, 3)), extra={"vis": np.ones((2, 17))})
    p.keypoints[0, 3] = np.nan
    d = p.to_dicts()
    assert d[0]["keypoints"][3] == [None, None] and d[1]["track_id"] == 7
    q = Poses.from_json(p.to_json())
    assert np.allclose(q.keypoints, p.keypoints, equal_nan=True) and q.track_ids.tolist() == [5, 7]
    assert np.array_equal(q.extra["vis"], p.extra["vis"]) and q.world.shape == (2, 17, 3)
    assert json.loads(p.to_json())["layout"] == "coco17"
    assert len(Poses.from_dicts([], "coco17", (3, 3))) == 0


def test_to_coco_converts_layout_and_shifts_half_pixel():
    p = make(2, "blazepose33", 33)
    res = p.to_coco(image_id=42)
    assert len(res) == 2 and res[0]["image_id"] == 42 and res[0]["category_id"] == 1
    kp = np.array(res[0]["keypoints"]).reshape(17, 3)
    ref = p.keypoints[0, list(BLAZEPOSE33_TO_COCO17)]
    assert np.allclose(kp[:, :2], ref - 0.5, atol=1e-3)
    assert np.allclose(kp[:, 2], p.scores[0, list(BLAZEPOSE33_TO_COCO17)], atol=1e-6)
    assert res[1]["score"] == pytest.approx(float(p.person_scores[1]))
    raw = np.array(p.to_coco(1, pixel_indices=False)[0]["keypoints"]).reshape(17, 3)
    assert np.allclose(raw[:, :2], ref, atol=1e-3)


def test_empty_exports():
    e = Poses.empty("blazepose33", (10, 20))
    assert e.to_coco(1) == [] and e.to_dicts() == [] and len(Poses.from_json(e.to_json())) == 0
    assert len(e.filter(0.5)) == 0 and len(e.to_layout("coco17")) == 0


def test_to_dataframe():
    pytest.importorskip("pandas")
    p = make(3, track_ids=[1, 2, 3])
    df = p.to_dataframe()
    assert len(df) == 3 and df["track_id"].tolist() == [1, 2, 3]
    assert df["left_wrist_x"].tolist() == pytest.approx(p.keypoints[:, 9, 0].tolist())
    assert list(df.columns[:6]) == ["person", "score", "x1", "y1", "x2", "y2"]


def test_to_columns_is_the_one_table_layout():
    p = make(3, world=np.ones((3, 17, 3)), extra={"visibility": np.full((3, 17), 0.25)})
    cols = p.to_columns()
    assert list(cols) == person_columns("coco17", world=True)
    assert list(cols)[:8] == ["score", "x1", "y1", "x2", "y2", "nose_x", "nose_y", "nose_score"]
    assert list(cols)[8:11] == ["nose_wx", "nose_wy", "nose_wz"]
    assert all(v.shape == (3,) and v.dtype == np.float32 for v in cols.values())
    assert np.array_equal(cols["left_wrist_y"], p.keypoints[:, 9, 1]) and np.array_equal(
        cols["x2"], p.boxes[:, 2]
    )
    assert list(p.to_columns(world=False)) == person_columns("coco17")
    with_extra = p.to_columns(world=False, extra=("visibility",))
    assert list(with_extra)[5:9] == ["nose_x", "nose_y", "nose_score", "nose_visibility"]
    assert np.isnan(make(2).to_columns(world=True)["nose_wx"]).all()  # no world: NaN columns
    assert keypoint_columns("coco17")[:3] == ["nose_x", "nose_y", "nose_score"]
    assert len(Poses.empty("blazepose33", (4, 4)).to_columns()["nose_x"]) == 0
    back = Poses.from_columns(p.to_columns(extra=("visibility",)), "coco17", p.image_size)
    assert np.array_equal(back.keypoints, p.keypoints) and np.array_equal(back.world, p.world)
    assert np.array_equal(back.extra["visibility"], p.extra["visibility"]) and back.track_ids is None
    assert Poses.from_columns(p.to_columns(world=True), "coco17", (1, 1)).world is not None
    assert Poses.from_columns(make(2).to_columns(world=True), "coco17", (1, 1)).world is None  # all NaN


def test_predict_csv_has_the_same_columns():
    """`posekit predict --csv` writes file, person, then exactly `person_columns` (no world)."""
    predict = pytest.importorskip("posekit.cli.predict")
    p = make(2, world=np.ones((2, 17, 3)))
    rows = predict.csv_rows("a.jpg", p)
    assert list(rows[0]) == ["file", "person", *p.to_columns(world=False)]
    assert rows[1]["right_ankle_score"] == pytest.approx(float(p.to_columns()["right_ankle_score"][1]))


def test_frame_result_unpacks_as_index_time_poses():
    r = FrameResult(3, 0.1, make(1))
    index, time, poses = r
    assert (index, time, poses) == (3, 0.1, r.poses) and r.image is None


def test_to_supervision():
    sv = pytest.importorskip("supervision")
    p = make(2, track_ids=[4, 9])
    kp = p.to_supervision()
    assert isinstance(kp, sv.KeyPoints) and len(kp) == 2
    assert np.array_equal(kp.xy, p.keypoints)
    assert np.array_equal(kp.keypoint_confidence, p.scores)
