"""OpenPose BODY_25B (the experimental, more accurate model Pose2Sim uses): COCO-17 order first,
then upper neck, head top and six foot points. Pose2Sim calls points 17/18 "Neck" and "Head"."""

from posekit.layouts.base import Layout, flip_pairs_from_names, groups_from_names

NAMES = (
    "nose",
    "left_eye", "right_eye",
    "left_ear", "right_ear",
    "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow",
    "left_wrist", "right_wrist",
    "left_hip", "right_hip",
    "left_knee", "right_knee",
    "left_ankle", "right_ankle",
    "neck", "head_top",
    "left_big_toe", "left_small_toe", "left_heel",
    "right_big_toe", "right_small_toe", "right_heel",
)  # fmt: skip

SKELETON = (
    (15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 11), (6, 12), (5, 6), (5, 7), (6, 8),
    (7, 9), (8, 10), (1, 2), (0, 1), (0, 2), (1, 3), (2, 4), (17, 5), (17, 6), (17, 18), (0, 18),
    (15, 19), (19, 20), (15, 21), (16, 22), (22, 23), (16, 24),
)  # fmt: skip

BODY25B = Layout(
    name="body25b",
    keypoint_names=NAMES,
    skeleton=SKELETON,
    flip_pairs=flip_pairs_from_names(NAMES),
    groups=groups_from_names(NAMES),
)
