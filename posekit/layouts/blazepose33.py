"""MediaPipe BlazePose's 33 pose landmarks (names and POSE_CONNECTIONS of mediapipe.solutions.pose).

BlazePose has no official OKS sigmas, so `sigmas` is None; convert to COCO-17 for OKS (see registry).
"""

from posekit.layouts.base import Layout, flip_pairs_from_names, groups_from_names

NAMES = (
    "nose",
    "left_eye_inner", "left_eye", "left_eye_outer",
    "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear",
    "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow",
    "left_wrist", "right_wrist",
    "left_pinky", "right_pinky",
    "left_index", "right_index",
    "left_thumb", "right_thumb",
    "left_hip", "right_hip",
    "left_knee", "right_knee",
    "left_ankle", "right_ankle",
    "left_heel", "right_heel",
    "left_foot_index", "right_foot_index",
)  # fmt: skip

SKELETON = (
    (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10),
    (11, 12), (11, 13), (13, 15), (15, 17), (15, 19), (15, 21), (17, 19),
    (12, 14), (14, 16), (16, 18), (16, 20), (16, 22), (18, 20),
    (11, 23), (12, 24), (23, 24), (23, 25), (24, 26), (25, 27), (26, 28),
    (27, 29), (28, 30), (29, 31), (30, 32), (27, 31), (28, 32),
)  # fmt: skip

# "mouth_left"/"mouth_right" do not start with left/right, so name them explicitly.
_GROUPS = list(groups_from_names(NAMES))
_GROUPS[9], _GROUPS[10] = "left", "right"

BLAZEPOSE33 = Layout(
    name="blazepose33",
    keypoint_names=NAMES,
    skeleton=SKELETON,
    flip_pairs=tuple(sorted((*flip_pairs_from_names(NAMES), (9, 10)))),
    groups=tuple(_GROUPS),
    sigmas=None,
)
