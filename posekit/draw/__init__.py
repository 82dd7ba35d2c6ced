"""Drawing poses on images, apart from inference: small annotators and `draw_poses`.

>>> from posekit.draw import draw_poses, LabelAnnotator
>>> out = draw_poses(image, poses, boxes=True)      # RGB uint8 copy
>>> out = LabelAnnotator().annotate(out, poses)
"""

from posekit.draw.annotators import (
    PALETTE,
    BoxAnnotator,
    KeypointAnnotator,
    LabelAnnotator,
    SkeletonAnnotator,
    canvas,
    default_font_scale,
    default_radius,
    default_thickness,
    draw_poses,
    score_color,
)
from posekit.draw.trail import TrailAnnotator

__all__ = [
    "PALETTE",
    "BoxAnnotator",
    "KeypointAnnotator",
    "LabelAnnotator",
    "SkeletonAnnotator",
    "TrailAnnotator",
    "canvas",
    "default_font_scale",
    "default_radius",
    "default_thickness",
    "draw_poses",
    "score_color",
]
