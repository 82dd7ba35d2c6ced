"""COCO keypoint evaluation: OKS AP (pycocotools), a bootstrap interval for AP, and PCK.

Ground truth is a COCO keypoint annotation file (path or loaded dict); detections are COCO
*results* entries {"image_id", "category_id", "keypoints": [x, y, score] * 17, "score"}, as
`Poses.to_coco` writes them. Both use COCO's pixel-index coordinates.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
from collections.abc import Iterator
from typing import Any

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from posekit.errors import InputError
from posekit.eval.oks import oks
from posekit.io.messages import one_line
from posekit.layouts import COCO17

STAT_NAMES = ("AP", "AP50", "AP75", "APm", "APl", "AR", "AR50", "AR75", "ARm", "ARl")

GroundTruth = str | os.PathLike | dict

#: Per image, the detections of the "all" area range: (scores, true positives, false positives, n_gt),
#: or None where the image has neither ground truth nor detections.
ImageRow = tuple[np.ndarray, np.ndarray, np.ndarray, int] | None


def _gt_dict(gt: GroundTruth) -> dict:
    if isinstance(gt, dict):
        data: Any = gt
    else:
        try:
            with open(gt, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            raise InputError(f"{gt}: cannot read COCO ground truth ({one_line(e)})") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k, []), list) for k in _LISTS):
        raise InputError(f"{_name(gt)}: not a COCO ground truth (an object with lists {', '.join(_LISTS)})")
    return data


_LISTS = ("images", "annotations", "categories")


def _name(gt: GroundTruth) -> str:
    return "COCO ground truth (dict)" if isinstance(gt, dict) else str(gt)


def _check_detections(dets: Any) -> None:
    """Detections must be COCO results entries with finite numbers (pycocotools fails obscurely otherwise)."""
    if not isinstance(dets, list):
        raise InputError(f"detections: expected a list of COCO results entries, got {type(dets).__name__}")
    for i, d in enumerate(dets):
        ok = isinstance(d, dict) and {"image_id", "keypoints", "score"} <= d.keys()
        try:
            ok = ok and isinstance(d["image_id"], (int, str)) and not isinstance(d["image_id"], bool)
            kp = np.asarray(d["keypoints"], dtype=np.float64) if ok else np.zeros(0)
            ok = ok and kp.ndim == 1 and kp.size > 0 and kp.size % 3 == 0 and bool(np.isfinite(kp).all())
            ok = ok and math.isfinite(float(d["score"])) and isinstance(d.get("category_id", 1), int)
        except (TypeError, ValueError, OverflowError):
            ok = False
        if not ok:
            raise InputError(
                f"detection {i}: expected {{'image_id', 'category_id': int, 'keypoints': "
                "[x, y, score] * K finite numbers, 'score': number}"
            )


@contextlib.contextmanager
def _checked(gt: GroundTruth, dets: Any) -> Iterator[None]:
    """Malformed ground truth (a field of the wrong type, a keypoint list of the wrong length, ...)
    breaks pycocotools deep inside: report it as an InputError naming the ground truth."""
    _check_detections(dets)
    try:
        yield
    except (
        KeyError,
        TypeError,
        ValueError,
        IndexError,
        AttributeError,
        OverflowError,
        ZeroDivisionError,
    ) as e:
        raise InputError(
            f"{_name(gt)}: malformed COCO ground truth ({type(e).__name__}: {one_line(e)})"
        ) from None


def _coco_gt(gt: GroundTruth) -> COCO:
    coco = COCO()
    coco.dataset = _gt_dict(gt)
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    return coco


def _cocoeval(coco_gt: COCO, detections: list[dict], sigmas: np.ndarray | None) -> COCOeval | None:
    """COCOeval after `evaluate()` (per-image matching), or None without detections."""
    if not detections:
        return None
    unknown = {d["image_id"] for d in detections} - set(coco_gt.getImgIds())
    if unknown:
        raise InputError(
            f"detections refer to {len(unknown)} image ids not in the ground truth, e.g. {min(unknown)}"
        )
    with contextlib.redirect_stdout(io.StringIO()):
        coco_dt = coco_gt.loadRes([dict(d) for d in detections])  # loadRes adds fields: copy
        ev = COCOeval(coco_gt, coco_dt, "keypoints")
        if sigmas is not None:
            ev.params.kpt_oks_sigmas = np.asarray(sigmas, dtype=np.float64)
        ev.evaluate()
    return ev


def evaluate_keypoints(
    gt_json: GroundTruth, detections: list[dict[str, Any]], *, sigmas: np.ndarray | None = None
) -> dict[str, float]:
    """COCO keypoint metrics with pycocotools (its printing silenced).

    Returns {"AP", "AP50", "AP75", "APm", "APl", "AR", "AR50", "AR75", "ARm", "ARl"} as floats in
    [0, 1] (-1 where pycocotools has nothing to measure, e.g. no medium-sized people). No
    detections at all give zeros. `sigmas` overrides COCO's per-keypoint OKS sigmas.
    """
    with _checked(gt_json, detections):
        ev = _cocoeval(_coco_gt(gt_json), detections, sigmas)
        if ev is None:
            return dict.fromkeys(STAT_NAMES, 0.0)
        with contextlib.redirect_stdout(io.StringIO()):
            ev.accumulate()
            ev.summarize()
        return {name: float(v) for name, v in zip(STAT_NAMES, ev.stats)}


def _per_image_tables(ev: COCOeval) -> list[list[ImageRow]]:
    """For each category, per image (in `ev.params.imgIds` order): (scores, tp, fp, n_gt) of the
    "all" area range, or None where the image has neither ground truth nor detections."""
    p = ev.params
    n_img, n_area, max_det = len(p.imgIds), len(p.areaRng), p.maxDets[-1]
    tables: list[list[ImageRow]] = []
    for k in range(len(p.catIds)):
        rows: list[ImageRow] = []
        for e in ev.evalImgs[k * n_area * n_img : k * n_area * n_img + n_img]:  # area index 0 = all
            if e is None:
                rows.append(None)
                continue
            dtm, dtig = e["dtMatches"][:, :max_det], e["dtIgnore"][:, :max_det].astype(bool)
            matched = dtm != 0  # pycocotools stores matched gt ids; 0 means unmatched
            rows.append(
                (
                    np.asarray(e["dtScores"][:max_det], dtype=np.float64),
                    matched & ~dtig,
                    ~matched & ~dtig,
                    int(np.count_nonzero(np.asarray(e["gtIgnore"]) == 0)),
                )
            )
        tables.append(rows)
    return tables


def _ap_from_rows(image_rows: list[ImageRow], rec_thrs: np.ndarray) -> float:
    """AP over OKS thresholds exactly as COCOeval.accumulate + summarize compute it (one category)."""
    rows = [r for r in image_rows if r is not None]
    if not rows:
        return float("nan")
    n_gt = sum(r[3] for r in rows)
    if n_gt == 0:
        return float("nan")
    scores = np.concatenate([r[0] for r in rows])
    order = np.argsort(-scores, kind="mergesort")
    tp = np.cumsum(np.concatenate([r[1] for r in rows], axis=1)[:, order], axis=1, dtype=np.float64)
    fp = np.cumsum(np.concatenate([r[2] for r in rows], axis=1)[:, order], axis=1, dtype=np.float64)
    nd = tp.shape[1]
    if nd == 0:
        return 0.0
    rc = tp / n_gt
    pr = tp / (fp + tp + np.spacing(1))
    pr = np.maximum.accumulate(pr[:, ::-1], axis=1)[:, ::-1]  # precision envelope
    total = 0.0
    for t in range(tp.shape[0]):
        idx = np.searchsorted(rc[t], rec_thrs, side="left")
        total += pr[t, idx[idx < nd]].sum()
    return total / (tp.shape[0] * len(rec_thrs))


def _ap_for_images(tables: list[list[ImageRow]], image_index: np.ndarray, rec_thrs: np.ndarray) -> float:
    aps = [_ap_from_rows([rows[i] for i in image_index], rec_thrs) for rows in tables]
    aps = [a for a in aps if not np.isnan(a)]
    return float(np.mean(aps)) if aps else float("nan")


def bootstrap_ap(
    gt: GroundTruth,
    dets: list[dict[str, Any]],
    n: int = 200,
    seed: int = 0,
    confidence: float = 0.95,
    *,
    return_samples: bool = False,
):
    """Percentile bootstrap interval for COCO keypoint AP, resampling images with replacement.

    Images are drawn with replacement from all ground-truth images (those without people too);
    a duplicated image counts as a separate image, exactly as if its id (and its annotations' and
    detections' ids) were renamed (tested against pycocotools on such a renamed set). COCOeval's
    per-image matching is done once; each resample only re-accumulates, so 500 resamples of a
    125-image set take about a second. Returns (low, high) (and the AP samples if asked).
    """
    with _checked(gt, dets):
        ev = _cocoeval(_coco_gt(gt), dets, None)
        tables = _per_image_tables(ev) if ev is not None else []
    if ev is None:
        samples = np.zeros(n)
    else:
        rec = np.asarray(ev.params.recThrs, dtype=np.float64)
        rng = np.random.default_rng(seed)
        n_img = len(ev.params.imgIds)
        samples = np.array([_ap_for_images(tables, rng.integers(0, n_img, n_img), rec) for _ in range(n)])
    tail = (1 - confidence) / 2 * 100
    valid = samples[~np.isnan(samples)]
    low, high = np.percentile(valid, [tail, 100 - tail]) if valid.size else (float("nan"),) * 2
    return (float(low), float(high), samples) if return_samples else (float(low), float(high))


def pck(
    gt: GroundTruth,
    dets: list[dict[str, Any]],
    alpha: float = 0.2,
    ref: str = "torso",
    *,
    return_details: bool = False,
):
    """PCK: the fraction of labelled ground-truth keypoints predicted within alpha × reference size.

    Each non-crowd ground-truth person with labelled keypoints (v > 0) is matched to the detection
    in its image with the highest OKS against it (COCO sigmas, ground-truth area; detections may
    serve several people). A person without any detection misses all its keypoints.

    Reference size: `ref="torso"`: mean length of the two torso diagonals (left shoulder ↔ right
    hip and right shoulder ↔ left hip), or the one that is labelled; people with neither diagonal
    labelled are skipped (reported as persons_skipped). `ref="bbox"`: max(width, height) of the
    ground-truth box. A keypoint is correct when its distance is <= alpha × size.

    Returns the PCK as a float (NaN with nothing to measure), or with `return_details` a dict with
    "pck", "per_keypoint" (K floats), "keypoints", "persons", "persons_skipped".
    """
    if ref not in ("torso", "bbox"):
        raise ValueError(f"pck: ref must be 'torso' or 'bbox', got {ref!r}")
    with _checked(gt, dets):
        return _pck(_gt_dict(gt), dets, alpha, ref, return_details)


def _pck(data: dict, dets: list[dict[str, Any]], alpha: float, ref: str, return_details: bool) -> Any:
    k = len(COCO17)
    sig = np.asarray(COCO17.sigmas, dtype=np.float64)  # COCO-17 always has its OKS sigmas
    by_image: dict[Any, list[np.ndarray]] = {}
    for i, d in enumerate(dets):
        xy = np.asarray(d["keypoints"], np.float64).reshape(-1, 3)[:, :2]
        if len(xy) != k:
            raise InputError(f"detection {i}: {len(xy)} keypoints; PCK is measured on the {k} COCO keypoints")
        by_image.setdefault(d["image_id"], []).append(xy)
    hits, counts = np.zeros(k), np.zeros(k)
    persons = skipped = 0
    ls, rs, lh, rh = (COCO17.index(n) for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip"))
    for ann in data.get("annotations", []):
        g = np.asarray(ann.get("keypoints", []), np.float64).reshape(-1, 3)
        if ann.get("iscrowd", 0) or g.shape[0] != k or not (g[:, 2] > 0).any():
            continue
        vis = g[:, 2] > 0
        if ref == "torso":
            diags = [
                np.linalg.norm(g[a, :2] - g[b, :2]) for a, b in ((ls, rh), (rs, lh)) if vis[a] and vis[b]
            ]
            size = float(np.mean(diags)) if diags else 0.0
        else:
            size = float(max(ann["bbox"][2], ann["bbox"][3]))
        if size < 1e-6:
            skipped += 1
            continue
        persons += 1
        counts += vis
        found = by_image.get(ann["image_id"])
        if not found:
            continue
        cands = np.stack(found)
        area = float(ann.get("area") or ann["bbox"][2] * ann["bbox"][3])
        best = cands[int(np.argmax(oks(g[None, :, :2], cands, area, sig, vis[None])[0]))]
        hits += vis & (np.linalg.norm(best - g[:, :2], axis=1) <= alpha * size)
    total = counts.sum()
    value = float(hits.sum() / total) if total else float("nan")
    if not return_details:
        return value
    per_kpt = np.divide(hits, counts, out=np.full(k, np.nan), where=counts > 0)
    return {
        "pck": value,
        "per_keypoint": per_kpt.tolist(),
        "keypoints": int(total),
        "persons": persons,
        "persons_skipped": skipped,
    }
