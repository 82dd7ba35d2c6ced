"""BlazePose in video crops from the decoder's YUV planes (no whole-frame RGB conversion) and gives the
same skeletons, within the conversions' rounding; images that are kept are RGB frames."""

from __future__ import annotations

import numpy as np
import pytest
from shared_data import needs_shared, shared_path

from posekit.io.video import open_source
from posekit.io.video.yuv import YuvFrame
from posekit.video.tracking import VideoPoseTracker

pytestmark = pytest.mark.models

CLIP = ("video", "ntu_rgbd_S001C001P001R001A001_rgb_1920x1080.avi")


def _run(tracker: VideoPoseTracker, yuv: bool, frames: int = 40, keep_images: bool = False):
    tracker.pipeline.accepts_yuv = yuv  # (instance attribute: the tracker reads it per video)
    src = open_source(shared_path(*CLIP))
    seen: list[type] = []
    work = tracker.follower.work  # type: ignore[union-attr]

    def spy(image, rois, detect):  # type: ignore[no-untyped-def]
        seen.append(type(image))
        return work(image, rois, detect)

    tracker.follower.work = spy  # type: ignore[union-attr,method-assign]
    try:
        results = list(tracker.track(src, max_frames=frames, keep_images=keep_images))
    finally:
        tracker.follower.work = work  # type: ignore[union-attr,method-assign]
    return results, seen


@needs_shared(*CLIP)
def test_blazepose_crops_from_yuv_planes_and_finds_the_same_skeleton():
    tracker = VideoPoseTracker("blazepose")
    rgb, seen_rgb = _run(tracker, yuv=False)
    yuv, seen_yuv = _run(tracker, yuv=True)
    assert YuvFrame not in seen_rgb
    assert seen_yuv[1:] == [YuvFrame] * (len(seen_yuv) - 1)  # (the first frame is decoded at open, as RGB)
    a = np.stack([r.poses.keypoints[0] for r in rgb])
    b = np.stack([r.poses.keypoints[0] for r in yuv])
    d = np.linalg.norm(a - b, axis=-1)
    # 1080p, a person ~700 px tall; measured: mean 0.5 px, 95th percentile 1.2 px
    assert d.mean() < 1.0 and np.percentile(d, 95) < 3.0


@needs_shared(*CLIP)
def test_kept_images_are_rgb_frames():
    tracker = VideoPoseTracker("blazepose")
    results, seen = _run(tracker, yuv=True, frames=3, keep_images=True)
    assert YuvFrame not in seen  # images wanted: decoded to RGB by FFmpeg, as before
    assert all(isinstance(r.image, np.ndarray) and r.image.shape == (1080, 1920, 3) for r in results)


def test_blazepose_follows_frame_by_frame_others_two_at_once():
    """Two frames in flight make even and odd frames two chains of crops (t from t - 2) that drift apart
    in fast motion; BlazePose runs one frame at a time instead (its network threads itself)."""
    assert VideoPoseTracker("blazepose").workers == 1
    assert VideoPoseTracker("blazepose", workers=2).workers == 2
    assert VideoPoseTracker("default").workers == 2
