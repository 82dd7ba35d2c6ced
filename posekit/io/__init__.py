"""Input/output helpers: image loading with clear errors, atomic file writes."""

from posekit.io.atomic import atomic_write, write_image_atomic, write_json_atomic
from posekit.io.images import IMAGE_EXTENSIONS, MAX_PIXELS, decode_image, iter_image_paths, load_image

__all__ = [
    "IMAGE_EXTENSIONS",
    "MAX_PIXELS",
    "atomic_write",
    "decode_image",
    "iter_image_paths",
    "load_image",
    "write_image_atomic",
    "write_json_atomic",
]
