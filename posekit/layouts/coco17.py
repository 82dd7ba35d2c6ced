"""COCO-17 person keypoints, as in the COCO 2017 keypoint annotations (0-based indices)."""

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
)  # fmt: skip

# COCO's own `skeleton` field (1-based there), converted to 0-based.
SKELETON = (
    (15, 13), (13, 11), (16, 14), (14, 12), (11, 12),
    (5, 11), (6, 12), (5, 6), (5, 7), (6, 8), (7, 9), (8, 10),
    (1, 2), (0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6),
)  # fmt: skip

# Official OKS sigmas (pycocotools COCOeval.Params.kpt_oks_sigmas).
SIGMAS = (
    0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072,
    0.062, 0.062, 0.107, 0.107, 0.087, 0.087, 0.089, 0.089,
)  # fmt: skip

COCO17 = Layout(
    name="coco17",
    keypoint_names=NAMES,
    skeleton=SKELETON,
    flip_pairs=flip_pairs_from_names(NAMES),
    groups=groups_from_names(NAMES),
    sigmas=SIGMAS,
)
