"""Input geometry of the user-model kinds, shared by their pipelines and the synthetic decoder tests."""

from __future__ import annotations


def crop_window(center: tuple[float, float], side: float, input_size: tuple[int, int]) -> tuple[float, float]:
    """The top-down crop (width, height): the square `side` grown to the model input's aspect ratio,
    so the whole square is seen (mmpose grows the box the same way)."""
    w, h = input_size
    return (side, side * h / w) if h >= w else (side * w / h, side)


def openpose_input_size(
    image_size: tuple[int, int], height: int = 368, multiple: int = 16
) -> tuple[int, int]:
    """OpenPose's default net resolution "-1x368": height 368, width keeping the aspect ratio, a multiple of 16."""
    w, h = image_size
    return max(multiple, round(height * w / h / multiple) * multiple), height
