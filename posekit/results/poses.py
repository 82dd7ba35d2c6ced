"""`Poses`: one image's people, in the coordinate convention of `posekit.results` (see its docstring)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from posekit.layouts import Layout, get_layout, get_mapping
from posekit.results.columns import BOX_COLUMNS, WORLD_SUFFIXES, extra_keys, keypoint_columns


def _f32(a: Any, shape: tuple, what: str) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float32)
    if arr.shape != shape:
        raise ValueError(f"Poses.{what}: expected shape {shape}, got {arr.shape}")
    return arr


@dataclass
class Poses:
    """All people found in one image (N people, K keypoints of `layout`).

    Attributes:
        keypoints: (N, K, 2) float32 (x, y) pixel coordinates, see the module docstring.
        scores: (N, K) float32 keypoint confidences in [0, 1].
        boxes: (N, 4) float32 person boxes x1, y1, x2, y2.
        person_scores: (N,) float32 person (detection) confidences.
        layout: the keypoint layout (a name such as "coco17" is accepted and looked up).
        image_size: (height, width) of the original image in pixels.
        world: optional (N, K, 3) float32 world coordinates in metres.
        track_ids: optional (N,) int64 track identities (video).
        extra: per-keypoint arrays of shape (N, K, ...) (e.g. "visibility", "presence").
    """

    keypoints: np.ndarray
    scores: np.ndarray
    boxes: np.ndarray
    person_scores: np.ndarray
    layout: Layout
    image_size: tuple[int, int]
    world: np.ndarray | None = None
    track_ids: np.ndarray | None = None
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.layout = get_layout(self.layout)
        k = len(self.layout)
        kp = np.asarray(self.keypoints, dtype=np.float32)
        if kp.ndim != 3 or kp.shape[1:] != (k, 2):
            raise ValueError(
                f"Poses.keypoints: expected shape (N, {k}, 2) for layout {self.layout.name!r}, got {kp.shape}"
            )
        n = kp.shape[0]
        self.keypoints = kp
        self.scores = _f32(self.scores, (n, k), "scores")
        self.boxes = _f32(self.boxes, (n, 4), "boxes")
        self.person_scores = _f32(self.person_scores, (n,), "person_scores")
        h, w = (int(v) for v in self.image_size)
        if h <= 0 or w <= 0:
            raise ValueError(f"Poses.image_size: expected positive (height, width), got {self.image_size}")
        self.image_size = (h, w)
        if self.world is not None:
            self.world = _f32(self.world, (n, k, 3), "world")
        if self.track_ids is not None:
            ids = np.asarray(self.track_ids)
            if ids.shape != (n,) or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
                raise ValueError(f"Poses.track_ids: expected ({n},) integers, got {ids.shape} {ids.dtype}")
            self.track_ids = ids.astype(np.int64)
        extra = {}
        for name, arr in (self.extra or {}).items():
            arr = np.asarray(arr)
            if arr.shape[:2] != (n, k):
                raise ValueError(
                    f"Poses.extra[{name!r}]: expected shape (N={n}, K={k}, ...), got {arr.shape}"
                )
            extra[name] = arr
        self.extra = extra

    # ---------------------------------------------------------------- construction
    @classmethod
    def empty(cls, layout: str | Layout, image_size: tuple[int, int], *, world: bool = False) -> Poses:
        """No people."""
        lay = get_layout(layout)
        k = len(lay)
        return cls(
            np.zeros((0, k, 2)),
            np.zeros((0, k)),
            np.zeros((0, 4)),
            np.zeros(0),
            lay,
            image_size,
            world=np.zeros((0, k, 3)) if world else None,
        )

    @classmethod
    def concat(cls, items: list[Poses]) -> Poses:
        """Stack the people of several Poses of the same layout and image size."""
        if not items:
            raise ValueError("Poses.concat: need at least one Poses (use Poses.empty for none)")
        first = items[0]
        for p in items[1:]:
            if p.layout.name != first.layout.name or p.image_size != first.image_size:
                raise ValueError("Poses.concat: all items need the same layout and image_size")

        def cat(get):
            vals = [get(p) for p in items]
            if all(v is None for v in vals):
                return None
            if any(v is None for v in vals):
                raise ValueError("Poses.concat: an optional field is set on some items only")
            return np.concatenate(vals)

        keys = set(first.extra)
        if any(set(p.extra) != keys for p in items):
            raise ValueError("Poses.concat: all items need the same `extra` keys")
        return cls(
            cat(lambda p: p.keypoints),
            cat(lambda p: p.scores),
            cat(lambda p: p.boxes),
            cat(lambda p: p.person_scores),
            first.layout,
            first.image_size,
            world=cat(lambda p: p.world),
            track_ids=cat(lambda p: p.track_ids),
            extra={k: cat(lambda p, k=k: p.extra[k]) for k in keys},
        )

    # ---------------------------------------------------------------- selection
    def __len__(self) -> int:
        return int(self.keypoints.shape[0])

    def __getitem__(self, index: int | slice | np.ndarray | list) -> Poses:
        """Select people: an int gives a Poses of one person; slices, masks and index arrays work."""
        if isinstance(index, (int, np.integer)):
            if not -len(self) <= index < len(self):
                raise IndexError(f"person index {index} out of range for {len(self)} people")
            index = [int(index)]
        elif not isinstance(index, slice):
            index = np.asarray(index)
            if index.dtype == bool and index.shape != (len(self),):
                raise IndexError(f"boolean mask of shape {index.shape} for {len(self)} people")
            if index.size == 0:
                index = index.astype(np.intp)
        opt = lambda a: None if a is None else a[index]
        return Poses(
            self.keypoints[index],
            self.scores[index],
            self.boxes[index],
            self.person_scores[index],
            self.layout,
            self.image_size,
            world=opt(self.world),
            track_ids=opt(self.track_ids),
            extra={k: v[index] for k, v in self.extra.items()},
        )

    def filter(
        self, min_score: float = 0.0, *, min_keypoints: int = 0, min_keypoint_score: float = 0.0
    ) -> Poses:
        """People with person_score >= min_score and at least `min_keypoints` keypoints scoring
        >= min_keypoint_score."""
        keep = self.person_scores >= min_score
        if min_keypoints:
            keep &= (self.scores >= min_keypoint_score).sum(axis=1) >= min_keypoints
        return self[keep]

    # ---------------------------------------------------------------- conversion
    def to_layout(self, layout: str | Layout) -> Poses:
        """The same people in another layout (e.g. BlazePose-33 → COCO-17); LayoutError if impossible."""
        target = get_layout(layout)
        if target.name == self.layout.name:
            return self
        idx = get_mapping(self.layout, target)
        return replace(
            self,
            keypoints=self.keypoints[:, idx],
            scores=self.scores[:, idx],
            layout=target,
            world=None if self.world is None else self.world[:, idx],
            extra={k: v[:, idx] for k, v in self.extra.items()},
        )

    def to_dicts(self) -> list[dict[str, Any]]:
        """One JSON-ready dict per person: keypoints [[x, y], ...], scores, box, score, and
        track_id / world / extra entries where set. Non-finite numbers become None."""
        clean = _nan_to_none
        out = []
        for i in range(len(self)):
            d: dict[str, Any] = {
                "keypoints": clean(self.keypoints[i]),
                "scores": clean(self.scores[i]),
                "box": clean(self.boxes[i]),
                "score": clean(self.person_scores[i]),
            }
            if self.track_ids is not None:
                d["track_id"] = int(self.track_ids[i])
            if self.world is not None:
                d["world"] = clean(self.world[i])
            for k, v in self.extra.items():
                d.setdefault("extra", {})[k] = clean(v[i])
            out.append(d)
        return out

    @classmethod
    def from_dicts(
        cls, people: list[dict[str, Any]], layout: str | Layout, image_size: tuple[int, int]
    ) -> Poses:
        """Inverse of `to_dicts` (None → NaN)."""
        lay = get_layout(layout)
        if not people:
            return cls.empty(lay, image_size)
        arr = lambda key: np.array([_none_to_nan(p[key]) for p in people], dtype=np.float32)
        has = lambda key: all(key in p for p in people)
        extra_keys = set(people[0].get("extra", {}))
        return cls(
            arr("keypoints"),
            arr("scores"),
            arr("box"),
            arr("score"),
            lay,
            image_size,
            world=arr("world") if has("world") else None,
            track_ids=np.array([p["track_id"] for p in people]) if has("track_id") else None,
            extra={k: np.array([_none_to_nan(p["extra"][k]) for p in people]) for k in extra_keys},
        )

    def to_json(self, **kwargs: Any) -> str:
        """{"layout": name, "image_size": [h, w], "people": to_dicts()} as strict JSON."""
        return json.dumps(
            {"layout": self.layout.name, "image_size": list(self.image_size), "people": self.to_dicts()},
            allow_nan=False,
            **kwargs,
        )

    @classmethod
    def from_json(cls, text: str) -> Poses:
        d = json.loads(text)
        return cls.from_dicts(d["people"], d["layout"], tuple(d["image_size"]))

    def to_coco(
        self, image_id: int, category_id: int = 1, *, pixel_indices: bool = True
    ) -> list[dict[str, Any]]:
        """COCO keypoint *results* entries, one per person (converting to COCO-17 if needed).

        Each is {"image_id", "category_id", "keypoints": [x, y, score] * 17, "score": person score}.
        COCO's ground truth stores keypoints as pixel indices (pixel centers at integers), so by
        default 0.5 is subtracted from our corner-origin coordinates (as detectron2 does); pass
        `pixel_indices=False` to write posekit coordinates unchanged. NaN keypoints are written as
        (0, 0) with score 0.
        """
        p = self.to_layout("coco17")
        xy = np.nan_to_num(p.keypoints.astype(np.float64) - (0.5 if pixel_indices else 0.0), nan=0.0)
        s = np.where(np.isfinite(p.keypoints).all(axis=2), np.nan_to_num(p.scores.astype(np.float64)), 0.0)
        flat = np.concatenate([xy, s[..., None]], axis=2).reshape(len(p), 3 * len(p.layout))
        return [
            {
                "image_id": image_id,
                "category_id": category_id,
                "keypoints": [round(v, 6) for v in row.tolist()],
                "score": float(p.person_scores[i]),
            }
            for i, row in enumerate(flat)
        ]

    def to_columns(self, *, world: bool | None = None, extra: Sequence[str] = ()) -> dict[str, np.ndarray]:
        """One (N,) float32 array per column, in the order of `person_columns`: the single place that
        lays people out as a table (results files, DataFrames, CSV).

        world: add `<name>_wx/_wy/_wz` (NaN when these poses have none); None: when `world` is set.
        extra: `Poses.extra` keys to add as `<name>_<key>` columns (per-keypoint (N, K) arrays; NaN
            where these poses lack one).
        """
        world = self.world is not None if world is None else world
        n, k = len(self), len(self.layout)
        cols: dict[str, np.ndarray] = {"score": self.person_scores}
        cols.update({c: self.boxes[:, j] for j, c in enumerate(BOX_COLUMNS)})
        planes = [self.keypoints[..., 0], self.keypoints[..., 1], self.scores]  # (N, K) each, suffix order
        if world:
            w = self.world if self.world is not None else np.full((n, k, 3), np.nan, np.float32)
            planes += [w[..., j] for j in range(3)]
        for key in extra:
            a = self.extra.get(key)
            if a is not None and a.shape != (n, k):
                raise ValueError(
                    f"Poses.to_columns: extra[{key!r}] has shape {a.shape}, need (N, K) = {(n, k)}"
                )
            planes.append(np.full((n, k), np.nan, np.float32) if a is None else a.astype(np.float32))
        names = keypoint_columns(self.layout, world=world, extra=extra)
        stacked = np.stack(planes, axis=2).reshape(n, k * len(planes))  # keypoint-major, as keypoint_columns
        cols.update({c: stacked[:, j] for j, c in enumerate(names)})
        return cols

    @classmethod
    def from_columns(
        cls,
        columns: Mapping[str, np.ndarray],
        layout: str | Layout,
        image_size: tuple[int, int],
        *,
        track_ids: np.ndarray | None = None,
    ) -> Poses:
        """Inverse of `to_columns` (extra columns beyond `person_columns` are ignored unless they are
        `<name>_<key>` for every keypoint). World coordinates and each extra key are left out when
        absent or all NaN. A missing column raises KeyError."""
        lay = get_layout(layout)
        names = lay.keypoint_names

        def plane(suffix: str) -> np.ndarray:
            return np.stack([np.asarray(columns[f"{n}_{suffix}"], dtype=np.float32) for n in names], axis=1)

        def unless_all_nan(a: np.ndarray) -> np.ndarray | None:
            return None if np.isnan(a).all() else a

        kp = np.stack([plane("x"), plane("y")], axis=2)
        world = None
        if all(f"{n}_{s}" in columns for n in names for s in WORLD_SUFFIXES):
            world = unless_all_nan(np.stack([plane(s) for s in WORLD_SUFFIXES], axis=2))
        extra = {}
        for key in extra_keys(columns, lay):
            values = unless_all_nan(plane(key))
            if values is not None:
                extra[key] = values
        boxes = np.stack([np.asarray(columns[c], dtype=np.float32) for c in BOX_COLUMNS], axis=1)
        return cls(
            kp,
            plane("score"),
            boxes,
            np.asarray(columns["score"], dtype=np.float32),
            lay,
            image_size,
            world=world,
            track_ids=track_ids,
            extra=extra,
        )

    def to_dataframe(self):
        """pandas DataFrame, one row per person. Columns: `person` (0..N-1), `score`, `x1`, `y1`,
        `x2`, `y2`, `track_id` (if set), then `keypoint_columns` (world ones if `world` is set)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("Poses.to_dataframe needs pandas: pip install pandas") from None
        table = self.to_columns()
        cols: dict[str, Any] = {"person": np.arange(len(self))}
        for c in ("score", *BOX_COLUMNS):
            cols[c] = table.pop(c)
        if self.track_ids is not None:
            cols["track_id"] = self.track_ids
        return pd.DataFrame({**cols, **table})

    def to_supervision(self):
        """`supervision.KeyPoints` (xy, keypoint confidences, person confidences, tracker ids in data)."""
        try:
            import supervision as sv
        except ImportError:
            raise ImportError("Poses.to_supervision needs supervision: pip install supervision") from None
        data = {} if self.track_ids is None else {"tracker_id": self.track_ids.copy()}
        return sv.KeyPoints(
            xy=self.keypoints.copy(),
            class_id=np.zeros(len(self), dtype=int),
            keypoint_confidence=self.scores.copy(),
            detection_confidence=self.person_scores.copy(),
            data=data,
        )


def _nan_to_none(a: np.ndarray) -> Any:
    a = np.asarray(a, dtype=np.float64)
    out = a.astype(object)
    out[~np.isfinite(a)] = None
    return out.tolist()


def _none_to_nan(v: Any) -> Any:
    if v is None:
        return float("nan")
    if isinstance(v, list):
        return [_none_to_nan(x) for x in v]
    return v
