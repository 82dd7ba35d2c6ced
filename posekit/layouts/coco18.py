"""OpenPose COCO-18: COCO-17 body points in OpenPose's order plus a neck (shoulder midpoint)."""

from posekit.layouts.base import Layout, flip_pairs_from_names, groups_from_names

NAMES = (
    "nose", "neck",
    "right_shoulder", "right_elbow", "right_wrist",
    "left_shoulder", "left_elbow", "left_wrist",
    "right_hip", "right_knee", "right_ankle",
    "left_hip", "left_knee", "left_ankle",
    "right_eye", "left_eye", "right_ear", "left_ear",
)  # fmt: skip

SKELETON = (
    (1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (1, 8), (8, 9), (9, 10), (1, 11), (11, 12),
    (12, 13), (1, 0), (0, 14), (14, 16), (0, 15), (15, 17),
)  # fmt: skip

COCO18 = Layout(
    name="coco18",
    keypoint_names=NAMES,
    skeleton=SKELETON,
    flip_pairs=flip_pairs_from_names(NAMES),
    groups=groups_from_names(NAMES),
)
