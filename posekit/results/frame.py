"""`FrameResult`: the poses of one video frame."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from posekit.results.poses import Poses


@dataclass
class FrameResult:
    """The poses of one video frame: what tracking yields and what reading a results file gives.

    index: frame number from 0; time: seconds from the first frame; image: the RGB frame, when asked for.
    Unpacks as (index, time, poses), like the tuples `read_tracks` used to give.
    """

    index: int
    time: float
    poses: Poses
    image: np.ndarray | None = None

    def __iter__(self) -> Iterator[Any]:
        return iter((self.index, self.time, self.poses))

    def __getitem__(self, i: int) -> Any:  # r[2] is r.poses, as with the tuples read_tracks used to give
        return (self.index, self.time, self.poses)[i]
