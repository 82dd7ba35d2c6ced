"""Campus / Shelf / CMU Panoptic ground truth (../shared/data/3d): exact projections triangulate back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posekit.threed.pipeline import ReconstructParams, View2D, reconstruct

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.mark.parametrize("name", ["campus", "shelf", "panoptic"])
def test_exact_views_reconstruct_ground_truth(name):
    from posekit.threed import datasets

    if not (DATA / "3d").exists():
        pytest.skip(f"shared 3D ground truth absent ({DATA / '3d'})")
    gt = {"campus": datasets.load_campus, "shelf": datasets.load_shelf, "panoptic": datasets.load_panoptic}[
        name
    ](DATA)
    P = max(len(p) for p in gt.frames)
    K = len(gt.layout)
    views = []
    for c, cam in enumerate(gt.calib.cameras):
        kp = np.full((len(gt.frames), P, K, 2), np.nan)
        for f, people in enumerate(gt.frames):
            for i, person in enumerate(people[::-1] if c % 2 else people):  # order differs per camera
                kp[f, i] = cam.project(person)
        views.append(View2D(kp, np.isfinite(kp).all(-1).astype(float), gt.layout, cam.name))
    res = reconstruct(gt.calib, views, 30.0, ReconstructParams(filter="none", max_gap=0))
    for f, people in enumerate(gt.frames):
        for person in people:
            d = np.linalg.norm(res.positions[f] - person, axis=-1)  # (T, K)
            best = np.nanmin(np.nanmean(d, axis=1))
            assert best < 1e-4, f"{name} frame {f}: {best}"
            if gt.layout.name == "campus14":
                t = int(np.nanargmin(np.nanmean(d, axis=1)))
                assert all(v == 1.0 for v in datasets.pcp(res.positions[f, t], person).values())
