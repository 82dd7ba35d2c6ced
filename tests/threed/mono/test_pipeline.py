"""The "blazepose-3d" preset and `posekit track --world` on a real clip (needs the BlazePose models)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.models

VIDEO = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "video"
CLIP = VIDEO / "ntu_rgbd_S001C001P001R001A001_rgb_1920x1080.avi"
needs_clip = pytest.mark.skipif(not CLIP.exists(), reason="../shared/data/video is not present")


@needs_clip
def test_ensemble_readings_agree_with_blazepose():
    from posekit.io.video import open_source
    from posekit.pipeline.presets import build_pipeline

    with open_source(str(CLIP)) as src:
        image = next(iter(src)).image
    plain = build_pipeline("blazepose", threads=2)(image)
    ens = build_pipeline("blazepose-3d", threads=2)(image)
    assert len(ens) == len(plain) == 1
    r = ens.extra["world_readings"]
    assert r.shape == (1, 33, 4, 3)
    np.testing.assert_allclose(ens.world, r.mean(2), atol=1e-6)
    # four readings of one person: same body within a few centimetres on average, and close to plain full
    assert np.linalg.norm(r - ens.world[:, :, None], axis=-1).mean() < 0.08
    assert np.linalg.norm(ens.world - plain.world, axis=-1).mean() < 0.08
    assert np.abs(ens.keypoints - plain.keypoints).mean() < 15  # pixels, 1920×1080


@needs_clip
def test_track_writes_refined_world_and_keeps_raw(tmp_path):
    from posekit.cli.main import main

    out_ref, out_raw = tmp_path / "ref.jsonl", tmp_path / "raw.jsonl"
    common = [
        "track",
        str(CLIP),
        "--model",
        "blazepose",
        "--max-frames",
        "12",
        "--threads",
        "2",
        "--smooth",
        "none",
    ]
    assert main([*common, "--out", str(out_ref)]) == 0
    assert main([*common, "--world", "raw", "--out", str(out_raw)]) == 0
    ref = [json.loads(line) for line in out_ref.read_text().splitlines()]
    raw = [json.loads(line) for line in out_raw.read_text().splitlines()]
    assert len(ref) == len(raw) == 12
    p_ref, p_raw = ref[5]["people"][0], raw[5]["people"][0]
    assert "world_raw" in p_ref["extra"] and "world_raw" not in p_raw.get("extra", {})
    np.testing.assert_allclose(p_ref["extra"]["world_raw"], p_raw["world"], atol=1e-6)
    assert not np.allclose(p_ref["world"], p_raw["world"])  # filtered over the clip
    assert np.abs(np.array(p_ref["world"]) - np.array(p_raw["world"])).mean() < 0.05
