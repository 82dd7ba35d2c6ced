"""Annotators that draw `Poses` onto RGB images, each returning an annotated copy.

Sizes (line thickness, dot radius, font) default to values scaled with the image's longer side,
so overlays read the same on a 100 px thumbnail and a 4000 px photo. Coordinates follow
posekit's corner-origin convention; the half-pixel shift to OpenCV's center-of-pixel drawing and
sub-pixel precision (`shift`) are handled here.

Thresholds have one meaning each: `min_score` is a *person* score (`Poses.person_scores`), as in
`Poses.filter`; `min_keypoint_score` is a keypoint score (`Poses.scores`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from posekit.io.images import load_image
from posekit.results import Poses

Color = tuple[int, int, int]
_SHIFT = 4  # sub-pixel bits for cv2 drawing
_FONT = cv2.FONT_HERSHEY_SIMPLEX

#: Distinct RGB colors for people/tracks (index by track id, else person index).
PALETTE: tuple[Color, ...] = (
    (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48), (145, 30, 180),
    (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212), (0, 128, 128), (170, 110, 40),
)  # fmt: skip


def image_scale(image: np.ndarray) -> float:
    """Size factor of an image: its longer side / 640 (1.0 for a 640 px image)."""
    return max(image.shape[:2]) / 640.0


def default_thickness(image: np.ndarray) -> int:
    return max(1, round(2.5 * image_scale(image)))


def default_radius(image: np.ndarray) -> int:
    return max(2, round(4 * image_scale(image)))


def default_font_scale(image: np.ndarray) -> float:
    return max(0.3, 0.55 * image_scale(image))


def score_color(score: float) -> Color:
    """Red (0) → yellow (0.5) → green (1)."""
    s = float(np.clip(score, 0, 1)) if np.isfinite(score) else 0.0
    return (255, int(510 * s), 0) if s < 0.5 else (int(510 * (1 - s)), 255, 0)


def person_color(poses: Poses, i: int) -> Color:
    key = int(poses.track_ids[i]) if poses.track_ids is not None else i
    return PALETTE[key % len(PALETTE)]


def canvas(image: np.ndarray) -> np.ndarray:
    """An HxWx3 uint8 RGB copy to draw on (grey/RGBA/float inputs converted by load_image)."""
    return np.array(load_image(image), dtype=np.uint8, copy=True, order="C")


def _pt(x: float, y: float) -> tuple[int, int]:
    """Corner-origin float point → cv2 fixed-point (pixel centers at integers, _SHIFT bits)."""
    f = 1 << _SHIFT
    return (round(float(np.clip(x - 0.5, -1e5, 1e5)) * f), round(float(np.clip(y - 0.5, -1e5, 1e5)) * f))


def _ok(kp: np.ndarray, score: float, min_keypoint_score: float) -> bool:
    return bool(np.isfinite(kp).all() and score >= min_keypoint_score)


class KeypointAnnotator:
    """Dots at keypoints scoring >= `min_keypoint_score`.

    Args:
        radius: dot radius in pixels (default: scaled to the image).
        color: one RGB color, "group" (left/right/center colors of the layout, default) or
            "score" (red → yellow → green by keypoint confidence).
        scale_by_score: shrink dots of less confident keypoints (down to half size at score 0).
        outline: draw a thin dark ring so dots stand out on any background.
    """

    def __init__(
        self,
        radius: int | None = None,
        color: Color | str = "group",
        min_keypoint_score: float = 0.3,
        scale_by_score: bool = True,
        outline: bool = True,
    ) -> None:
        self.radius, self.color, self.min_keypoint_score = radius, color, min_keypoint_score
        self.scale_by_score, self.outline = scale_by_score, outline

    def annotate(self, image: np.ndarray, poses: Poses) -> np.ndarray:
        out = canvas(image)
        base = self.radius or default_radius(out)
        group_colors = poses.layout.colors
        for i in range(len(poses)):
            for k in range(len(poses.layout)):
                kp, s = poses.keypoints[i, k], float(poses.scores[i, k])
                if not _ok(kp, s, self.min_keypoint_score):
                    continue
                r = base * (0.5 + 0.5 * min(max(s, 0.0), 1.0)) if self.scale_by_score else base
                color: Any = (
                    score_color(s)
                    if self.color == "score"
                    else tuple(int(c) for c in group_colors[k])
                    if self.color == "group"
                    else self.color
                )
                rr = max(1, round(r * (1 << _SHIFT)))
                if self.outline:
                    cv2.circle(out, _pt(*kp), rr + (1 << _SHIFT), (20, 20, 20), -1, cv2.LINE_AA, _SHIFT)
                cv2.circle(out, _pt(*kp), rr, color, -1, cv2.LINE_AA, _SHIFT)
        return out


class SkeletonAnnotator:
    """Lines along the layout's skeleton where both ends score >= `min_keypoint_score`.

    `color`: one RGB color, or "group" (edge colors of the layout, default) or "person"
    (one palette color per person / track id).
    """

    def __init__(
        self, thickness: int | None = None, color: Color | str = "group", min_keypoint_score: float = 0.3
    ) -> None:
        self.thickness, self.color, self.min_keypoint_score = thickness, color, min_keypoint_score

    def annotate(self, image: np.ndarray, poses: Poses) -> np.ndarray:
        out = canvas(image)
        t = self.thickness or default_thickness(out)
        edge_colors = poses.layout.edge_colors
        for i in range(len(poses)):
            kp, sc = poses.keypoints[i], poses.scores[i]
            for e, (a, b) in enumerate(poses.layout.skeleton):
                ms = self.min_keypoint_score
                if not (_ok(kp[a], sc[a], ms) and _ok(kp[b], sc[b], ms)):
                    continue
                color: Any = (
                    tuple(int(c) for c in edge_colors[e])
                    if self.color == "group"
                    else person_color(poses, i)
                    if self.color == "person"
                    else self.color
                )
                cv2.line(out, _pt(*kp[a]), _pt(*kp[b]), color, t, cv2.LINE_AA, _SHIFT)
        return out


class BoxAnnotator:
    """Person boxes, colored per person / track id (or one `color`), for person_score >= min_score."""

    def __init__(
        self, thickness: int | None = None, color: Color | None = None, min_score: float = 0.0
    ) -> None:
        self.thickness, self.color, self.min_score = thickness, color, min_score

    def annotate(self, image: np.ndarray, poses: Poses) -> np.ndarray:
        out = canvas(image)
        t = self.thickness or default_thickness(out)
        for i in range(len(poses)):
            box = poses.boxes[i]
            if not (np.isfinite(box).all() and poses.person_scores[i] >= self.min_score):
                continue
            # The box's edges are pixel boundaries; draw on the pixels just inside them.
            p1, p2 = _pt(box[0] + 0.5, box[1] + 0.5), _pt(box[2] - 0.5, box[3] - 0.5)
            cv2.rectangle(out, p1, p2, self.color or person_color(poses, i), t, cv2.LINE_AA, _SHIFT)
        return out


class LabelAnnotator:
    """A text label per person above its box: "#<track id> <person score>" by default.

    Args:
        fields: what to show, any of "id" (track id, else person index) and "score".
        font_scale: OpenCV font scale (default: scaled to the image).
        color: label background (default: the person's palette color); text is black or white.
        min_score: people scoring below this get no label.
    """

    def __init__(
        self,
        fields: Sequence[str] = ("id", "score"),
        font_scale: float | None = None,
        color: Color | None = None,
        min_score: float = 0.0,
    ) -> None:
        self.fields, self.font_scale, self.color, self.min_score = tuple(fields), font_scale, color, min_score

    def text(self, poses: Poses, i: int) -> str:
        parts = []
        if "id" in self.fields:
            parts.append(f"#{int(poses.track_ids[i]) if poses.track_ids is not None else i}")
        if "score" in self.fields:
            parts.append(f"{float(poses.person_scores[i]):.2f}")
        return " ".join(parts)

    def annotate(self, image: np.ndarray, poses: Poses) -> np.ndarray:
        out = canvas(image)
        h, w = out.shape[:2]
        fs = self.font_scale or default_font_scale(out)
        ft = max(1, round(fs * 1.6))
        pad = max(1, round(fs * 4))
        for i in range(len(poses)):
            box = poses.boxes[i]
            if not (np.isfinite(box).all() and poses.person_scores[i] >= self.min_score):
                continue
            text = self.text(poses, i)
            (tw, th), base = cv2.getTextSize(text, _FONT, fs, ft)
            bw, bh = tw + 2 * pad, th + base + 2 * pad
            x0 = int(np.clip(box[0], 0, max(0, w - bw)))
            y0 = int(box[1]) - bh if box[1] - bh >= 0 else int(np.clip(box[1], 0, max(0, h - bh)))
            bg = self.color or person_color(poses, i)
            cv2.rectangle(out, (x0, y0), (x0 + bw - 1, y0 + bh - 1), bg, -1)
            fg = (0, 0, 0) if sum(bg) > 380 else (255, 255, 255)
            cv2.putText(out, text, (x0 + pad, y0 + pad + th), _FONT, fs, fg, ft, cv2.LINE_AA)
        return out


def draw_poses(
    image: np.ndarray,
    poses: Poses,
    *,
    min_score: float = 0.0,
    min_keypoint_score: float = 0.3,
    boxes: bool = False,
    labels: bool = False,
    keypoint_color: Color | str = "group",
) -> np.ndarray:
    """Skeleton and keypoints (and optionally boxes and id/score labels) on a copy of `image`, for
    the people scoring >= `min_score`; keypoints (and the lines to them) scoring >= `min_keypoint_score`."""
    out = canvas(image)
    poses = poses.filter(min_score=min_score) if min_score > 0 else poses
    if boxes:
        out = BoxAnnotator().annotate(out, poses)
    out = SkeletonAnnotator(min_keypoint_score=min_keypoint_score).annotate(out, poses)
    out = KeypointAnnotator(min_keypoint_score=min_keypoint_score, color=keypoint_color).annotate(out, poses)
    if labels:
        out = LabelAnnotator().annotate(out, poses)
    return out
