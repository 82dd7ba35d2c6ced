"""Typed pose results holding numpy arrays: `Poses` (one image), `FrameResult` (one video frame) and
the one tabular schema (`columns`).

Coordinate convention (used everywhere in posekit)
--------------------------------------------------
* Keypoints are (x, y) in pixels of the *original* image: x to the right, y down, origin at the
  top-left **corner** of the top-left pixel. The center of pixel (col, row) is (col + 0.5, row + 0.5);
  an image of width W spans x in [0, W].
* Boxes are (x1, y1, x2, y2) in the same frame (x2, y2 exclusive corners: a box covering the whole
  image is (0, 0, W, H)).
* World coordinates (`Poses.world`) are metres in the model's own frame (for BlazePose: origin at
  the center between the hips, x right, y down, z towards the camera negative, as the model emits
  them). Each pipeline documents its frame.
* Scores are in [0, 1]. A keypoint a model did not predict is NaN with score 0.

OpenCV drawing/warping functions put pixel centers at integer coordinates; posekit's drawing and
transforms modules do the half-pixel shift for you. COCO's annotation files use pixel indices too
(see `Poses.to_coco`).
"""

from posekit.results.columns import BOX_COLUMNS, WORLD_SUFFIXES, extra_keys, keypoint_columns, person_columns
from posekit.results.frame import FrameResult
from posekit.results.poses import Poses

__all__ = [
    "BOX_COLUMNS",
    "WORLD_SUFFIXES",
    "FrameResult",
    "Poses",
    "extra_keys",
    "keypoint_columns",
    "person_columns",
]
