import numpy as np
import pytest

from posekit.layouts import (
    BLAZEPOSE33,
    BLAZEPOSE33_TO_COCO17,
    COCO17,
    Layout,
    LayoutError,
    get_layout,
    get_mapping,
    list_layouts,
)


def test_registry_lookup():
    assert get_layout("coco17") is COCO17
    assert get_layout("blazepose33") is BLAZEPOSE33
    assert get_layout(COCO17) is COCO17
    assert {"coco17", "blazepose33"} <= set(list_layouts())
    with pytest.raises(LayoutError, match="unknown keypoint layout 'nope'"):
        get_layout("nope")


def test_coco17_matches_coco_annotation_file():
    assert len(COCO17) == 17 and COCO17.num_keypoints == 17
    assert COCO17.keypoint_names[9] == "left_wrist"
    # COCO's categories[0]["skeleton"], 1-based
    coco_skeleton = [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7],
                     [6, 8], [7, 9], [8, 10], [9, 11], [2, 3], [1, 2], [1, 3], [2, 4], [3, 5],
                     [4, 6], [5, 7]]  # fmt: skip
    assert [tuple(np.subtract(e, 1)) for e in coco_skeleton] == list(COCO17.skeleton)
    assert COCO17.sigmas is not None and COCO17.sigmas[0] == 0.026 and COCO17.sigmas[11] == 0.107
    assert (1, 2) in COCO17.flip_pairs and (15, 16) in COCO17.flip_pairs
    assert len(COCO17.flip_pairs) == 8


def test_blazepose33():
    assert len(BLAZEPOSE33) == 33
    assert BLAZEPOSE33.sigmas is None
    assert BLAZEPOSE33.index("right_foot_index") == 32
    assert len(BLAZEPOSE33.skeleton) == 35
    assert (9, 10) in BLAZEPOSE33.flip_pairs and len(BLAZEPOSE33.flip_pairs) == 16
    assert BLAZEPOSE33.groups[0] == "center" and BLAZEPOSE33.groups[9] == "left"


@pytest.mark.parametrize("layout", [COCO17, BLAZEPOSE33])
def test_flip_index_is_involution_and_swaps_sides(layout):
    perm = layout.flip_index
    assert np.array_equal(perm[perm], np.arange(len(layout)))
    for i, j in enumerate(perm):
        a, b = layout.keypoint_names[i], layout.keypoint_names[j]
        if i == j:
            assert layout.groups[i] == "center"
        else:
            norm = lambda n: n.replace("left", "X").replace("right", "X")
            assert norm(a) == norm(b) and a != b
    assert layout.colors.shape == (len(layout), 3)
    assert layout.edge_colors.shape == (len(layout.skeleton), 3)


def test_mapping_33_to_17_by_name():
    m = get_mapping("blazepose33", "coco17")
    assert tuple(m) == BLAZEPOSE33_TO_COCO17
    for k, i in enumerate(m):
        assert BLAZEPOSE33.keypoint_names[i] == COCO17.keypoint_names[k]
    assert np.array_equal(get_mapping("coco17", "coco17"), np.arange(17))
    with pytest.raises(LayoutError, match="cannot convert keypoints from 'coco17' to 'blazepose33'"):
        get_mapping("coco17", "blazepose33")


def test_layout_validation():
    with pytest.raises(LayoutError, match="bad skeleton"):
        Layout("x", ("a", "b"), ((0, 2),), (), ("center", "center"))
    with pytest.raises(LayoutError, match="sigmas"):
        Layout("x", ("a", "b"), (), (), ("center", "center"), sigmas=(0.1,))
    with pytest.raises(LayoutError, match="no keypoint"):
        COCO17.index("tail")
