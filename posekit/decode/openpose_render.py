"""OpenPose's training targets, rendered from COCO-17 people: the maps `decode_openpose` inverts.

A perfect OpenPose network outputs, for every person it sees, a Gaussian peak per body part and a unit
vector field (PAF) along every limb. Ground truth labels only some joints: a shoulder and a wrist may
be labelled while the elbow between them is not (hidden behind another person, or simply not clicked).
The network still sees that arm and outputs an elbow and both arm PAFs; a render of the labels alone
would have no field between shoulder and wrist, and no decoder could join them.

So, with `virtual_joints` (the default), each person's unlabelled joints that lie on the limb path
between labelled ones (the smallest subtree of the skeleton that holds all labelled parts) are rendered
too, where the labels put them best: each such joint at the mean of its neighbours on that subtree,
which spaces a chain's joints evenly on the straight line between its labelled ends (the virtual
elbow at the middle of shoulder and wrist) and puts a branch joint (a neck between nose, wrist and
hip) at the balance of its three chains. Joints beyond the outermost labelled ones (a foot below a
labelled knee, an unlabelled head above the neck) are not invented: their position is unknown and no
labelled part needs them to be joined. The real joint lies elsewhere than the virtual one (arms bend),
which changes where the fields are, not whether they link the person.
"""

from __future__ import annotations

import numpy as np

from posekit.decode.openpose_layouts import BODY25, NetLayout


def net_parts(coco: np.ndarray, visible: np.ndarray, net: NetLayout) -> tuple[np.ndarray, np.ndarray]:
    """COCO-17 keypoints (17, 2) → the net layout's parts (P, 2) and visibility; the neck (and BODY_25's
    mid-hip) is the middle of the shoulders (hips); parts COCO-17 lacks (feet) are not visible."""
    pts = np.zeros((net.num_parts, 2))
    vis = np.zeros(net.num_parts, bool)
    for c, p in enumerate(net.to_coco17):
        pts[p], vis[p] = coco[c], visible[c]
    if visible[5] and visible[6]:
        pts[1], vis[1] = (coco[5] + coco[6]) / 2, True
    if net is BODY25 and visible[11] and visible[12]:
        pts[8], vis[8] = (coco[11] + coco[12]) / 2, True
    return pts, vis


def bridge_parts(pts: np.ndarray, vis: np.ndarray, net: NetLayout) -> tuple[np.ndarray, np.ndarray]:
    """Parts (P, 2) and visibility with the unlabelled joints between labelled ones filled in (see the
    module docstring); returns the new points and the mask of the joints that were filled in."""
    tree = [limb for li, limb in enumerate(net.limbs) if li not in net.redundant]  # a spanning tree
    keep = set(range(net.num_parts))
    pruned = True
    while pruned:  # strip unlabelled leaves: what is left is the smallest subtree holding the labels
        pruned = False
        for p in list(keep):
            if not vis[p] and sum(1 for a, b in tree if p in (a, b) and {a, b} <= keep) <= 1:
                keep.discard(p)
                pruned = True
    unknown = sorted(p for p in keep if not vis[p])
    out, filled = pts.astype(np.float64).copy(), np.zeros(net.num_parts, bool)
    if not unknown:
        return out, filled
    # each unknown joint is the mean of its subtree neighbours: a small linear system (a tree Laplacian)
    index = {p: i for i, p in enumerate(unknown)}
    lap = np.zeros((len(unknown), len(unknown)))
    rhs = np.zeros((len(unknown), 2))
    for a, b in tree:
        if not {a, b} <= keep:
            continue
        for u, v in ((a, b), (b, a)):
            if u in index:
                lap[index[u], index[u]] += 1
                if v in index:
                    lap[index[u], index[v]] -= 1
                else:
                    rhs[index[u]] += pts[v]
    out[unknown] = np.linalg.solve(lap, rhs)
    filled[unknown] = True
    return out, filled


def render_openpose(
    people: np.ndarray,
    visible: np.ndarray,
    input_size: tuple[int, int],
    net: NetLayout = BODY25,
    stride: int = 8,
    sigma: float = 7.0,
    limb_width: float = 1.0,
    *,
    virtual_joints: bool = True,
) -> np.ndarray:
    """(1, C, H/stride, W/stride) maps as OpenPose is trained to output them, for COCO-17 people
    (N, 17, 2) in input pixels: part heatmaps are the max of Gaussians (`sigma` input pixels), the
    background channel is 1 − their max, and each limb's PAF is its unit vector within `limb_width`
    map pixels of the segment, averaged where people overlap. `virtual_joints`: also the unlabelled
    joints between labelled ones (`bridge_parts`); without it, only the labels."""
    w, h = input_size[0] // stride, input_size[1] // stride
    out = np.zeros((net.channels, h, w), np.float32)
    gx = (np.arange(w) + 0.5) * stride
    gy = (np.arange(h) + 0.5) * stride
    counts = np.zeros((len(net.limbs), h, w), np.float32)
    first_paf = net.num_parts + 1
    for person, vis in zip(people, visible):
        pts, pvis = net_parts(np.asarray(person, np.float64), np.asarray(vis, bool), net)
        if virtual_joints:
            pts, filled = bridge_parts(pts, pvis, net)
            pvis = pvis | filled
        for p in np.flatnonzero(pvis):
            g = np.exp(-((gy[:, None] - pts[p, 1]) ** 2 + (gx[None] - pts[p, 0]) ** 2) / (2 * sigma**2))
            out[p] = np.maximum(out[p], g)
        for li, ((a, b), (cx, cy)) in enumerate(zip(net.limbs, net.paf)):
            if not (pvis[a] and pvis[b]):
                continue
            pa, pb = pts[a] / stride, pts[b] / stride  # map units, corner origin
            d = pb - pa
            length = float(np.hypot(*d))
            if length < 1e-6:
                continue
            u = d / length
            rx, ry = np.meshgrid(np.arange(w) + 0.5 - pa[0], np.arange(h) + 0.5 - pa[1])
            along = rx * u[0] + ry * u[1]
            across = np.abs(rx * u[1] - ry * u[0])
            mask = (along >= 0) & (along <= length) & (across <= limb_width)
            out[first_paf + cx][mask] += u[0]
            out[first_paf + cy][mask] += u[1]
            counts[li][mask] += 1
    for li, (cx, cy) in enumerate(net.paf):
        n = np.maximum(counts[li], 1)
        out[first_paf + cx] /= n
        out[first_paf + cy] /= n
    out[net.num_parts] = 1.0 - out[: net.num_parts].max(0)
    return out[None]
