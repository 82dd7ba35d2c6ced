"""Synthetic model outputs rendered from COCO ground truth, decoded back: the decoders' exact test.

No weights of these models are available to posekit, so the decoders are checked the only exact way:
each labelled person of a COCO keypoint file is rendered into the tensor a perfect model would output
(at the model's usual input and output resolution, through the same crop or letterbox the pipeline
uses), decoded with posekit's decoder, mapped back to the image and scored with posekit's COCO metric.
Used by `tests/decode/` and `benchmarks/decoders.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from posekit.decode import heatmap, openpose, simcc, yolo_pose
from posekit.decode.geometry import crop_window, openpose_input_size
from posekit.pipeline.transforms import apply_transform, crop_transform, invert_points

KINDS = ("heatmap", "heatmap-udp", "simcc", "yolo-pose", "openpose-body25", "openpose-coco18")

Person = tuple[
    np.ndarray, np.ndarray, np.ndarray
]  # (17, 2) corner-origin keypoints, (17,) visible, (4,) xyxy box


def people_by_image(gt: dict[str, Any]) -> dict[int, list[Person]]:
    """Labelled, non-crowd people per image id, keypoints in posekit's corner-origin frame."""
    out: dict[int, list[Person]] = {im["id"]: [] for im in gt["images"]}
    for a in gt["annotations"]:
        if a.get("iscrowd") or a.get("num_keypoints", 0) == 0:
            continue
        k = np.asarray(a["keypoints"], np.float64).reshape(17, 3)
        x, y, w, h = a["bbox"]
        out[a["image_id"]].append((k[:, :2] + 0.5, k[:, 2] > 0, np.array([x, y, x + w, y + h], np.float64)))
    return out


def _entry(image_id: int, kps: np.ndarray, scores: np.ndarray, score: float) -> dict[str, Any]:
    xy = np.nan_to_num(kps.astype(np.float64) - 0.5)
    s = np.where(np.isfinite(kps).all(1), scores, 0.0)
    return {
        "image_id": image_id,
        "category_id": 1,
        "score": float(score),
        "keypoints": np.concatenate([xy, s[:, None]], 1).ravel().round(4).tolist(),
    }


def _topdown(
    decode: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    input_size: tuple[int, int],
    people: list[Person],
    image_id: int,
) -> list[dict[str, Any]]:
    out = []
    for kps, vis, box in people:
        center = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        side = max(box[2] - box[0], box[3] - box[1], 1.0) * 1.25
        m = crop_transform(center, crop_window(center, side, input_size), 0.0, input_size)
        pts = apply_transform(kps, m)
        inside = vis & (pts >= 0).all(1) & (pts[:, 0] <= input_size[0]) & (pts[:, 1] <= input_size[1])
        got, scores = decode(pts, inside)
        back = invert_points(got, m)
        out.append(_entry(image_id, back, scores, float(scores.mean())))
    return out


def decode_image(
    kind: str,
    people: list[Person],
    image_size: tuple[int, int],
    image_id: int,
    rng: np.random.Generator,
    *,
    virtual_joints: bool = True,
    min_parts: int = 1,
) -> list[dict[str, Any]]:
    """COCO result entries for one image (width, height) after rendering `kind`'s output and decoding it.
    OpenPose only: `virtual_joints` renders the unlabelled joints between labelled ones, as a network
    that sees the whole person outputs them (`posekit.decode.openpose_render`; without it, only the
    labels); `min_parts` is the decoder's (1 here: four people have a single labelled joint and three
    two, the rest of them unknown; the pipeline's default is 3)."""
    if kind in ("heatmap", "heatmap-udp"):
        udp = kind == "heatmap-udp"
        size, hm_size = (192, 256), (48, 64)

        def dec_hm(pts: np.ndarray, vis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return heatmap.decode_heatmaps(
                heatmap.render_heatmaps(pts, vis, size, hm_size, udp=udp), size, udp=udp
            )

        return _topdown(dec_hm, size, people, image_id)
    if kind == "simcc":
        size = (192, 256)

        def dec_simcc(pts: np.ndarray, vis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return simcc.decode_simcc(*simcc.render_simcc(pts, vis, size))

        return _topdown(dec_simcc, size, people, image_id)
    w, h = image_size
    if kind == "yolo-pose":
        scale = min(640 / w, 640 / h)
        m = np.array([[scale, 0, (640 - w * scale) / 2], [0, scale, (640 - h * scale) / 2]])
        if not people:
            return []
        kps = np.stack([apply_transform(p[0], m) for p in people])
        vis = np.stack([p[1] for p in people])
        boxes = np.stack([apply_transform(p[2].reshape(2, 2), m).ravel() for p in people])
        found = yolo_pose.decode_yolo_pose(yolo_pose.render_yolo_pose(boxes, kps, vis, rng=rng))
        return [
            _entry(image_id, invert_points(k, m), s, float(c))
            for k, s, c in zip(found.keypoints, found.keypoint_scores, found.scores)
        ]
    if kind.startswith("openpose"):
        net = openpose.NET_LAYOUTS[kind.split("-")[1]]
        size = openpose_input_size((w, h))
        m = np.array([[size[0] / w, 0, 0], [0, size[1] / h, 0]])
        if not people:
            return []
        kps = np.stack([apply_transform(p[0], m) for p in people])
        vis = np.stack([p[1] for p in people])
        maps = openpose.render_openpose(kps, vis, size, net, virtual_joints=virtual_joints)
        grouped = openpose.decode_openpose(maps, net, min_parts=min_parts)
        return [
            _entry(image_id, invert_points(k, m), s, float(c))
            for k, s, c in zip(grouped.keypoints, grouped.scores, grouped.person_scores)
        ]
    raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")


def labels_connected(kps: np.ndarray, visible: np.ndarray, net: openpose.NetLayout) -> bool:
    """Whether a person's labelled parts form one tree through the net's limbs. When they do not
    (say a shoulder and a wrist are labelled but the elbow is not), no PAF links the labelled parts,
    so no bottom-up decoder can join them: a real model would see the unlabelled elbow, a render of
    the labels cannot."""
    _, vis = openpose.net_parts(kps, visible, net)
    parts = set(np.flatnonzero(vis).tolist())
    if not parts:
        return False
    seen = {min(parts)}
    grown = True
    while grown:
        grown = False
        for a, b in net.limbs:
            if a in parts and b in parts and (a in seen) != (b in seen):
                seen |= {a, b}
                grown = True
    return seen == parts


def connected_subset(gt: dict[str, Any], net: openpose.NetLayout) -> dict[str, Any]:
    """The ground truth without the people whose labels `labels_connected` rejects (for PAF decoding)."""
    keep = []
    for a in gt["annotations"]:
        if a.get("num_keypoints", 0) > 0 and not a.get("iscrowd"):
            k = np.asarray(a["keypoints"], np.float64).reshape(17, 3)
            if not labels_connected(k[:, :2], k[:, 2] > 0, net):
                continue
        keep.append(a)
    return {**gt, "annotations": keep}


def decode_dataset(
    kind: str, gt: dict[str, Any], seed: int = 0, *, virtual_joints: bool = True, min_parts: int = 1
) -> list[dict[str, Any]]:
    """COCO result entries for every image of the ground truth `gt` (the options: see `decode_image`)."""
    rng = np.random.default_rng(seed)
    people = people_by_image(gt)
    out: list[dict[str, Any]] = []
    for im in gt["images"]:
        out += decode_image(
            kind,
            people[im["id"]],
            (im["width"], im["height"]),
            im["id"],
            rng,
            virtual_joints=virtual_joints,
            min_parts=min_parts,
        )
    return out
