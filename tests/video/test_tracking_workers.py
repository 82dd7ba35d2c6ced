"""How many frames the video tracker keeps in flight, per pipeline."""

from __future__ import annotations

import pytest

from posekit.video.tracking import VideoPoseTracker

pytestmark = pytest.mark.models


def test_blazepose_follows_frame_by_frame_others_two_at_once():
    """Two frames in flight make even and odd frames two chains of crops (t from t - 2) that drift apart
    in fast motion; BlazePose runs one frame at a time instead (its network threads itself)."""
    assert VideoPoseTracker("blazepose").workers == 1
    assert VideoPoseTracker("blazepose", workers=2).workers == 2
    assert VideoPoseTracker("default").workers == 2
