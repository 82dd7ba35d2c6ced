"""Bundle refinement of one person's 3D track (scipy least squares, robust loss).

Minimises, over the 3D joints of every frame that triangulation found:
* the reprojection error in each camera used (pixels, weighted by 2D confidence),
* acceleration (second differences over consecutive frames): smooth motion,
* changes of bone length from the person's median length (bones = the layout's skeleton),
with a soft-L1 loss so that a wrong 2D point or a fast movement costs linearly, not quadratically.
Smoothness and bone terms are in metres scaled by `px_per_m` (≈ focal / distance) so all terms are
in comparable pixel units. Joints triangulation left missing stay missing.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import least_squares

from posekit.layouts import Layout
from posekit.threed.camera import Calibration


def refine_track(
    calib: Calibration,
    pixels: np.ndarray,
    weights: np.ndarray,
    init: np.ndarray,
    fps: float,
    layout: Layout,
    *,
    smooth: float = 1.0,
    bones: float = 1.0,
    f_scale: float = 3.0,
    max_nfev: int = 30,
) -> np.ndarray:
    """Refine (F, K, 3) `init` from (C, F, K, 2) `pixels` with (C, F, K) `weights` (0 = not used).

    smooth, bones: weights of the acceleration and bone-length terms (0 turns one off; frames must be
    consecutive video frames for `smooth`). Returns a new (F, K, 3) array.
    """
    F, K, _ = init.shape
    C = len(calib)
    var = np.isfinite(init).all(-1)  # (F, K)
    n = int(var.sum())
    if n == 0:
        return init.copy()
    index = np.full((F, K), -1)
    index[var] = np.arange(n)
    obs = (weights > 0) & var[None] & np.isfinite(pixels).all(-1)  # (C, F, K)
    oc, of, ok = np.nonzero(obs)
    ow = np.sqrt(weights[oc, of, ok])
    opx = pixels[oc, of, ok]
    depth = np.median([np.linalg.norm(init[var] - cam.center, axis=-1).mean() for cam in calib.cameras])
    px_per_m = float(np.mean([cam.focal for cam in calib.cameras]) / max(depth, 1e-3))
    # Smoothness triples (f-1, f, f+1) of the same joint, all optimised.
    trip = (
        [
            (index[f - 1, k], index[f, k], index[f + 1, k])
            for f in range(1, F - 1)
            for k in range(K)
            if var[f - 1, k] and var[f, k] and var[f + 1, k]
        ]
        if smooth > 0
        else []
    )
    trip_a = np.asarray(trip, dtype=np.int64).reshape(-1, 3)
    # Bones: skeleton edges seen in several frames, target = median length from the initial track.
    bone_rows = []
    lengths = []
    if bones > 0:
        for a, b in layout.skeleton:
            both = var[:, a] & var[:, b]
            if both.sum() >= 3:
                L = float(np.median(np.linalg.norm(init[both, a] - init[both, b], axis=-1)))
                for f in np.flatnonzero(both):
                    bone_rows.append((index[f, a], index[f, b]))
                    lengths.append(L)
    bone_a = np.asarray(bone_rows, dtype=np.int64).reshape(-1, 2)
    bone_l = np.asarray(lengths)
    # Acceleration residuals are metres per frame²; scaled so that 10 m/s² (brisk human motion) costs
    # about one pixel.
    s_w = smooth * fps**2 / 10.0
    b_w = bones * px_per_m

    def residuals(x: np.ndarray) -> np.ndarray:
        X = x.reshape(n, 3)
        pts = np.full((F, K, 3), np.nan)
        pts[var] = X
        parts = []
        for c, cam in enumerate(calib.cameras):
            m = oc == c
            if m.any():
                proj = cam.project(pts[of[m], ok[m]])
                parts.append(((proj - opx[m]) * ow[m][:, None]).reshape(-1))
        if len(trip_a):
            acc = X[trip_a[:, 0]] - 2 * X[trip_a[:, 1]] + X[trip_a[:, 2]]
            parts.append(s_w * acc.reshape(-1))
        if len(bone_a):
            d = np.linalg.norm(X[bone_a[:, 0]] - X[bone_a[:, 1]], axis=-1) - bone_l
            parts.append(b_w * d)
        return np.concatenate(parts) if parts else np.zeros(0)

    # Analytic Jacobian (sparse): pinhole projection derivatives (distortion is small and left out of the
    # Jacobian only; the residuals use the full model), second differences, bone directions.
    from scipy.sparse import coo_matrix

    Rs = np.stack([cam.R for cam in calib.cameras])
    ts = np.stack([cam.translation for cam in calib.cameras])
    fs = np.stack([cam.matrix[[0, 1], [0, 1]] for cam in calib.cameras])
    order = np.concatenate([np.flatnonzero(oc == c) for c in range(C)])  # residual order: by camera
    o_c, o_v, o_w = oc[order], index[of[order], ok[order]], ow[order]
    n_obs, n_tri, n_bone = len(order), len(trip_a), len(bone_a)
    rows_total = 2 * n_obs + 3 * n_tri + n_bone
    if rows_total == 0:
        return init.copy()
    tri_r = 2 * n_obs + 3 * np.arange(n_tri)[:, None] + np.arange(3)[None]  # (n_tri, 3)
    bone_r = 2 * n_obs + 3 * n_tri + np.arange(n_bone)

    def jac(x: np.ndarray) -> coo_matrix:
        X = x.reshape(n, 3)
        R = Rs[o_c]
        xc = np.einsum("nij,nj->ni", R, X[o_v]) + ts[o_c]
        z = xc[:, 2:3]
        # d(u, v)/dX = f * (R[0|1] - (x|y)/z * R[2]) / z
        du = fs[o_c, 0:1] * (R[:, 0] - xc[:, 0:1] / z * R[:, 2]) / z * o_w[:, None]
        dv = fs[o_c, 1:2] * (R[:, 1] - xc[:, 1:2] / z * R[:, 2]) / z * o_w[:, None]
        rr, cc, vv = [], [], []
        base = 2 * np.arange(n_obs)
        for d in range(3):
            rr += [base, base + 1]
            cc += [3 * o_v + d, 3 * o_v + d]
            vv += [du[:, d], dv[:, d]]
        for j, coef in enumerate((1.0, -2.0, 1.0)):
            for d in range(3):
                rr.append(tri_r[:, d])
                cc.append(3 * trip_a[:, j] + d)
                vv.append(np.full(n_tri, s_w * coef))
        if n_bone:
            diff = X[bone_a[:, 0]] - X[bone_a[:, 1]]
            u = diff / np.maximum(np.linalg.norm(diff, axis=-1, keepdims=True), 1e-9)
            for d in range(3):
                rr += [bone_r, bone_r]
                cc += [3 * bone_a[:, 0] + d, 3 * bone_a[:, 1] + d]
                vv += [b_w * u[:, d], -b_w * u[:, d]]
        return coo_matrix(
            (np.concatenate(vv), (np.concatenate(rr), np.concatenate(cc))), shape=(rows_total, 3 * n)
        )

    x0 = init[var].reshape(-1)
    # Many small vector products: BLAS threads only contend with each other here (10x slower on 2 cores).
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        sol = least_squares(
            residuals,
            x0,
            jac=jac,
            loss="soft_l1",
            f_scale=f_scale,
            max_nfev=max_nfev,
            x_scale=0.01,
            method="trf",
            tr_solver="lsmr",
        )
    out = np.full_like(init, np.nan)
    out[var] = sol.x.reshape(n, 3)
    return out
