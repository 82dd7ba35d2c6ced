from __future__ import annotations

import numpy as np
import pytest

from posekit.errors import InputError
from posekit.io.openpose import read_openpose_folder, write_openpose_folder
from posekit.layouts import get_layout, get_mapping


def test_layouts_registered():
    for name, k in (("body25", 25), ("body25b", 25), ("coco18", 18)):
        lay = get_layout(name)
        assert len(lay) == k and "right_hip" in lay.keypoint_names
        m = get_mapping(name, "coco17")
        assert [lay.keypoint_names[i] for i in m] == list(get_layout("coco17").keypoint_names)


def test_round_trip_and_layout_guess(tmp_path):
    rng = np.random.default_rng(0)
    lay = get_layout("body25")
    kp = rng.uniform(100, 900, size=(3, 2, 25, 2))
    # BODY_25's point 8 is the mid-hip: between the hips 9 and 12
    kp[..., 8, :] = 0.5 * (kp[..., 9, :] + kp[..., 12, :])
    sc = rng.uniform(0.2, 1.0, size=(3, 2, 25))
    kp[1, 1] = np.nan  # person 2 absent in frame 1
    sc[1, 1] = 0
    sc[2, 0, 4] = 0
    kp[2, 0, 4] = np.nan
    write_openpose_folder(tmp_path / "j", kp, sc)
    got = read_openpose_folder(tmp_path / "j")
    assert got.layout is lay and got.keypoints.shape == (3, 2, 25, 2) and len(got.files) == 3
    np.testing.assert_allclose(got.keypoints, kp, atol=2e-3, equal_nan=True)
    np.testing.assert_allclose(got.scores, sc, atol=2e-3)
    # the same numbers without the mid-hip geometry read as BODY_25B
    kp[..., 8, :] = kp[..., 9, :] + 300
    write_openpose_folder(tmp_path / "k", kp, sc)
    assert read_openpose_folder(tmp_path / "k").layout.name == "body25b"
    assert read_openpose_folder(tmp_path / "k", layout="body25").layout.name == "body25"


def test_bad_folders(tmp_path):
    with pytest.raises(InputError, match="not a folder"):
        read_openpose_folder(tmp_path / "none")
    (tmp_path / "e").mkdir()
    with pytest.raises(InputError, match="no .json"):
        read_openpose_folder(tmp_path / "e")
    (tmp_path / "e" / "a_0.json").write_text('{"people": [{"pose_keypoints_2d": [1, 2]}]}')
    with pytest.raises(InputError, match="3 per keypoint"):
        read_openpose_folder(tmp_path / "e")
    (tmp_path / "e" / "a_0.json").write_text("{not json")
    with pytest.raises(InputError, match="not an OpenPose JSON"):
        read_openpose_folder(tmp_path / "e")
