from __future__ import annotations

import pytest
from multiview_rigs import make_rig

from posekit.threed.camera import Calibration


@pytest.fixture
def rig() -> Calibration:
    return make_rig()
