"""OpenPose BODY_25: COCO-18 body plus mid-hip and six foot points (OpenPose's default model)."""

from posekit.layouts.base import Layout, flip_pairs_from_names, groups_from_names

NAMES = (
    "nose", "neck",
    "right_shoulder", "right_elbow", "right_wrist",
    "left_shoulder", "left_elbow", "left_wrist",
    "mid_hip",
    "right_hip", "right_knee", "right_ankle",
    "left_hip", "left_knee", "left_ankle",
    "right_eye", "left_eye", "right_ear", "left_ear",
    "left_big_toe", "left_small_toe", "left_heel",
    "right_big_toe", "right_small_toe", "right_heel",
)  # fmt: skip

# OpenPose's pose pairs for BODY_25 (poseParameters.cpp), without the ear-shoulder links.
SKELETON = (
    (1, 8), (1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (8, 9), (9, 10), (10, 11), (8, 12),
    (12, 13), (13, 14), (1, 0), (0, 15), (15, 17), (0, 16), (16, 18), (14, 19), (19, 20), (14, 21),
    (11, 22), (22, 23), (11, 24),
)  # fmt: skip

BODY25 = Layout(
    name="body25",
    keypoint_names=NAMES,
    skeleton=SKELETON,
    flip_pairs=flip_pairs_from_names(NAMES),
    groups=groups_from_names(NAMES),
)
