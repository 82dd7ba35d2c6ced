"""OpenPose bottom-up decoding: part heatmaps + part affinity fields → people (Cao et al., CVPR 2017 / TPAMI 2019).

What it implements, exactly:
- layouts: BODY_25 (78 channels: 25 parts + background heatmaps, then 26 limbs × (x, y) PAFs) and
  COCO-18 (57 channels: 18 + background, then 19 × 2), with OpenPose's limb list and PAF channel
  order; the people found are mapped to COCO-17 (neck, mid-hip and feet are dropped);
- the part heatmaps (stride 8 at the network input) are upsampled to input resolution (bicubic), as
  OpenPose does; the PAFs are read at their own resolution, bilinearly interpolated (as accurate on
  the synthetic sets, and half the time);
- peaks: pixels above `peak_threshold` that are the maximum of their 3×3 neighbourhood, refined by
  the weighted centroid of that neighbourhood; none in the half-stride band along the border, beyond
  the outermost map pixel centres, where the resize only repeats the edge (a flat band that shifted a
  border peak outwards and made a false second one); a part inside that band is found at its inner
  edge, at most stride/2 input pixels off;
- limb scoring: for each limb and each pair of candidate parts, the PAF is sampled at 20 points on
  the segment; the score is the mean of its dot product with the segment's direction plus a
  penalty for segments longer than half the image height; a pair is a candidate when more than 80 %
  of the samples exceed 0.05 and the score is positive. A limb shorter than one PAF pixel (stride)
  is scored by its shortness: there the fields of neighbouring limbs average out (mid-hip→left hip
  against mid-hip→right hip), which is a limit of stride-8 PAFs, not of the person;
- assembly: per limb, candidate pairs are matched with each part used once, by the largest total
  score (the Hungarian method; `matching="greedy"` takes the best pairs first, as OpenPose does, which
  can leave a neck without its hip where two people overlap); a limb joins the person that holds one
  of its parts, merges two people that share no part type, or starts a new person; people with
  fewer than `min_parts` parts or a low mean score are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.optimize import linear_sum_assignment

from posekit.decode.openpose_layouts import BODY25, COCO18, NET_LAYOUTS, NetLayout, layout_for_channels
from posekit.decode.openpose_render import bridge_parts, net_parts, render_openpose

__all__ = [
    "BODY25",
    "COCO18",
    "NET_LAYOUTS",
    "NetLayout",
    "OpenPosePeople",
    "bridge_parts",
    "decode_openpose",
    "find_peaks",
    "layout_for_channels",
    "net_parts",
    "render_openpose",
]

NUM_SAMPLES = 20  # points sampled along a limb (more than the usual 10: +0.007 AP on COCO-18 renders)


@dataclass
class OpenPosePeople:
    """People in input pixels: (N, 17, 2) COCO-17 keypoints (NaN where not found), (N, 17) scores,
    (N,) person scores."""

    keypoints: np.ndarray
    scores: np.ndarray
    person_scores: np.ndarray


def find_peaks(heatmap: np.ndarray, threshold: float, min_distance: float = 3.0) -> np.ndarray:
    """(P, 3) peaks (x, y, score) of one map, x/y in its pixels (corner origin), centroid-refined,
    strongest first. A flat top can make two neighbouring pixels equal maxima: of peaks closer than
    `min_distance` only the strongest is kept."""
    local_max = heatmap >= cv2.dilate(heatmap, np.ones((3, 3), np.uint8))
    ys, xs = np.nonzero(local_max & (heatmap > threshold))
    order = np.argsort(-heatmap[ys, xs], kind="stable")
    pad = np.pad(heatmap, 1)
    offsets = np.array([-1.0, 0.0, 1.0])
    kept: list[tuple[float, float, float]] = []
    for x, y in zip(xs[order], ys[order]):
        if any((x + 0.5 - kx) ** 2 + (y + 0.5 - ky) ** 2 < min_distance**2 for kx, ky, _ in kept):
            continue
        patch = np.clip(pad[y : y + 3, x : x + 3].astype(np.float64), 0, None)
        total = patch.sum()
        kept.append(
            (
                x + 0.5 + (patch.sum(0) @ offsets) / total,
                y + 0.5 + (patch.sum(1) @ offsets) / total,
                float(heatmap[y, x]),
            )
        )
    return np.array(kept, np.float64).reshape(-1, 3)


def _bilinear(fx: np.ndarray, fy: np.ndarray, uv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both fields at (..., 2) points (map pixel centres at integers), bilinearly interpolated."""
    h, w = fx.shape
    u = np.clip(uv[..., 0], 0, w - 1)
    v = np.clip(uv[..., 1], 0, h - 1)
    u0 = np.minimum(np.floor(u).astype(int), max(w - 2, 0))
    v0 = np.minimum(np.floor(v).astype(int), max(h - 2, 0))
    du, dv = u - u0, v - v0
    u1, v1 = np.minimum(u0 + 1, w - 1), np.minimum(v0 + 1, h - 1)

    def at(f: np.ndarray) -> np.ndarray:
        return (f[v0, u0] * (1 - du) + f[v0, u1] * du) * (1 - dv) + (
            f[v1, u0] * (1 - du) + f[v1, u1] * du
        ) * dv

    return at(fx), at(fy)


def _limb_candidates(
    pa: np.ndarray,
    pb: np.ndarray,
    paf_x: np.ndarray,
    paf_y: np.ndarray,
    height: int,
    short_limb: float,
    stride: int,
) -> list[tuple[int, int, float]]:
    """Scored (i, j, score) pairs of part-a peak i and part-b peak j, best first."""
    if len(pa) == 0 or len(pb) == 0:
        return []
    t = np.linspace(0.0, 1.0, NUM_SAMPLES)
    found = []
    for i, a in enumerate(pa[:, :2]):
        d = pb[:, :2] - a  # (nb, 2)
        norm = np.linalg.norm(d, axis=1)
        unit = d / np.maximum(norm, 1e-6)[:, None]
        pts = a[None, None] + t[None, :, None] * d[:, None]  # (nb, S, 2)
        fx, fy = _bilinear(paf_x, paf_y, pts / stride - 0.5)
        dots = fx * unit[:, None, 0] + fy * unit[:, None, 1]
        prior = np.minimum(0.5 * height / np.maximum(norm, 1e-6) - 1.0, 0.0)
        score = dots.mean(1) + prior
        # a limb shorter than `short_limb` input pixels lies within about one PAF pixel, where the
        # fields of neighbouring limbs (mid-hip→left hip, mid-hip→right hip) are averaged and may
        # cancel out: its PAF says nothing, so it is scored by its shortness alone
        short = norm < short_limb
        score = np.where(short, np.maximum(dots.mean(1), 0) + 0.5 * (1 - norm / max(short_limb, 1e-6)), score)
        ok = (((dots > 0.05).sum(1) > 0.8 * NUM_SAMPLES) | short) & (score > 0) & (norm > 0)
        found += [(i, int(j), float(score[j])) for j in np.flatnonzero(ok)]
    return sorted(found, key=lambda c: -c[2])


def _match(cands: list[tuple[int, int, float]], limit: int, optimal: bool) -> list[tuple[int, int, float]]:
    """Bipartite matching, each part used at most once: the pairs of the largest total score
    (`optimal`, the Hungarian method), or greedily the best pairs first (OpenPose's)."""
    if optimal and cands:
        na, nb = max(c[0] for c in cands) + 1, max(c[1] for c in cands) + 1
        weight = np.zeros((na, nb))
        for i, j, s in cands:
            weight[i, j] = s  # every candidate scores > 0, so the best total never takes a non-candidate
        rows, cols = linear_sum_assignment(weight, maximize=True)
        picked = [(int(i), int(j), float(weight[i, j])) for i, j in zip(rows, cols) if weight[i, j] > 0]
        return sorted(picked, key=lambda c: -c[2])
    used_a: set[int] = set()
    used_b: set[int] = set()
    out = []
    for i, j, s in cands:
        if i not in used_a and j not in used_b:
            out.append((i, j, s))
            used_a.add(i)
            used_b.add(j)
            if len(out) >= limit:
                break
    return out


def decode_openpose(
    maps: np.ndarray,
    layout: NetLayout | str | None = None,
    stride: int = 8,
    *,
    peak_threshold: float = 0.1,
    min_parts: int = 3,
    min_mean_score: float = 0.2,
    matching: str = "optimal",
) -> OpenPosePeople:
    """(C, h, w) network output → people, keypoints in the network input's pixels (w·stride × h·stride)."""
    if matching not in ("optimal", "greedy"):
        raise ValueError(f"openpose matching {matching!r}: expected 'optimal' or 'greedy'")
    m = np.asarray(maps, np.float32)
    if m.ndim == 4 and m.shape[0] == 1:
        m = m[0]
    if m.ndim != 3:
        raise ValueError(f"openpose output: expected (1, C, h, w), got shape {np.shape(maps)}")
    net = (
        layout_for_channels(m.shape[0])
        if layout is None
        else (NET_LAYOUTS[layout] if isinstance(layout, str) else layout)
    )
    if m.shape[0] != net.channels:
        raise ValueError(f"openpose output has {m.shape[0]} channels; {net.name} needs {net.channels}")
    _, h, w = m.shape
    parts = np.ascontiguousarray(m[: net.num_parts].transpose(1, 2, 0))
    big = cv2.resize(parts, (w * stride, h * stride), interpolation=cv2.INTER_CUBIC)
    big = big.reshape(h * stride, w * stride, net.num_parts).copy()
    # beyond the outermost map pixel centres the resize only repeats the edge: a flat band where a peak
    # near the border shifts outwards and a second, false peak appears; no peak is looked for there
    edge = stride // 2
    big[:edge], big[-edge:], big[:, :edge], big[:, -edge:] = 0, 0, 0, 0
    peaks = [find_peaks(np.ascontiguousarray(big[..., p]), peak_threshold) for p in range(net.num_parts)]

    # a person: part index → peak index per part type, and the sum of its part and limb scores
    people: list[dict[int, int]] = []
    totals: list[float] = []
    owner: list[dict[int, int]] = [{} for _ in range(net.num_parts)]  # part type → {peak: person}
    first_paf = net.num_parts + 1
    for li, ((a, b), (cx, cy)) in enumerate(zip(net.limbs, net.paf)):
        paf_x, paf_y = m[first_paf + cx], m[first_paf + cy]
        cands = _limb_candidates(peaks[a], peaks[b], paf_x, paf_y, h * stride, float(stride), stride)
        for i, j, s in _match(cands, min(len(peaks[a]), len(peaks[b])), matching == "optimal"):
            pa, pb = owner[a].get(i), owner[b].get(j)
            if pa is not None and pb is not None:
                if pa != pb and not set(people[pa]) & set(people[pb]):
                    _merge(people, totals, owner, pa, pb, s)
                continue
            if pa is not None or pb is not None:
                k = pa if pa is not None else pb
                assert k is not None
                part, peak = (b, j) if pa is not None else (a, i)
                if part not in people[k]:
                    people[k][part] = peak
                    owner[part][peak] = k
                    totals[k] += float(peaks[part][peak, 2]) + s
                continue
            if li not in net.redundant:
                people.append({a: i, b: j})
                totals.append(float(peaks[a][i, 2] + peaks[b][j, 2]) + s)
                owner[a][i] = owner[b][j] = len(people) - 1
    if min_parts <= 1:  # parts no limb reached are people of their own
        for part in range(net.num_parts):
            for peak in range(len(peaks[part])):
                if peak not in owner[part]:
                    people.append({part: peak})
                    totals.append(float(peaks[part][peak, 2]))
    return _to_coco17(people, totals, peaks, net, min_parts, min_mean_score)


def _merge(
    people: list[dict[int, int]],
    totals: list[float],
    owner: list[dict[int, int]],
    keep: int,
    gone: int,
    score: float,
) -> None:
    for part, peak in people[gone].items():
        people[keep][part] = peak
        owner[part][peak] = keep
    totals[keep] += totals[gone] + score
    people[gone] = {}
    totals[gone] = 0.0


def _to_coco17(
    people: list[dict[int, int]],
    totals: list[float],
    peaks: list[np.ndarray],
    net: NetLayout,
    min_parts: int,
    min_mean_score: float,
) -> OpenPosePeople:
    kps, scores, person_scores = [], [], []
    for person, total in zip(people, totals):
        if len(person) < min_parts or total / len(person) < min_mean_score:
            continue
        k = np.full((17, 2), np.nan, np.float32)
        s = np.zeros(17, np.float32)
        for c, p in enumerate(net.to_coco17):
            if p in person:
                k[c] = peaks[p][person[p], :2]
                s[c] = min(1.0, float(peaks[p][person[p], 2]))
        if not (s > 0).any():
            continue
        kps.append(k)
        scores.append(s)
        person_scores.append(float(s[s > 0].mean()) * min(1.0, len(person) / 10))
    if not kps:
        return OpenPosePeople(
            np.zeros((0, 17, 2), np.float32), np.zeros((0, 17), np.float32), np.zeros(0, np.float32)
        )
    return OpenPosePeople(np.stack(kps), np.stack(scores), np.array(person_scores, np.float32))
