"""OpenPose's network layouts: BODY_25 (78 channels) and COCO-18 (57): parts, limbs in OpenPose's order,
the PAF channel of each limb, and the mapping of the parts to COCO-17."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NetLayout:
    name: str
    num_parts: int
    limbs: tuple[tuple[int, int], ...]  # (part a, part b) pairs, in OpenPose's order
    paf: tuple[tuple[int, int], ...]  # (x, y) channel of each limb's PAF, counted from the first PAF channel
    to_coco17: tuple[int, ...]  # net part index of each COCO-17 keypoint
    redundant: frozenset[int]  # limbs that only add parts to people, never start one (ear–shoulder links)

    @property
    def channels(self) -> int:
        return self.num_parts + 1 + 2 * len(self.limbs)


COCO18 = NetLayout(
    "coco18",
    18,
    (
        (1, 2),
        (1, 5),
        (2, 3),
        (3, 4),
        (5, 6),
        (6, 7),
        (1, 8),
        (8, 9),
        (9, 10),
        (1, 11),
        (11, 12),
        (12, 13),
        (1, 0),
        (0, 14),
        (14, 16),
        (0, 15),
        (15, 17),
        (2, 16),
        (5, 17),
    ),
    (
        (12, 13),
        (20, 21),
        (14, 15),
        (16, 17),
        (22, 23),
        (24, 25),
        (0, 1),
        (2, 3),
        (4, 5),
        (6, 7),
        (8, 9),
        (10, 11),
        (28, 29),
        (30, 31),
        (34, 35),
        (32, 33),
        (36, 37),
        (18, 19),
        (26, 27),
    ),
    (0, 15, 14, 17, 16, 5, 2, 6, 3, 7, 4, 11, 8, 12, 9, 13, 10),
    frozenset({17, 18}),
)

BODY25 = NetLayout(
    "body25",
    25,
    (
        (1, 8),
        (1, 2),
        (1, 5),
        (2, 3),
        (3, 4),
        (5, 6),
        (6, 7),
        (8, 9),
        (9, 10),
        (10, 11),
        (8, 12),
        (12, 13),
        (13, 14),
        (1, 0),
        (0, 15),
        (15, 17),
        (0, 16),
        (16, 18),
        (2, 17),
        (5, 18),
        (14, 19),
        (19, 20),
        (14, 21),
        (11, 22),
        (22, 23),
        (11, 24),
    ),
    (
        (0, 1),
        (14, 15),
        (22, 23),
        (16, 17),
        (18, 19),
        (24, 25),
        (26, 27),
        (6, 7),
        (2, 3),
        (4, 5),
        (8, 9),
        (10, 11),
        (12, 13),
        (30, 31),
        (32, 33),
        (36, 37),
        (34, 35),
        (38, 39),
        (20, 21),
        (28, 29),
        (40, 41),
        (42, 43),
        (44, 45),
        (46, 47),
        (48, 49),
        (50, 51),
    ),
    (0, 16, 15, 18, 17, 5, 2, 6, 3, 7, 4, 12, 9, 13, 10, 14, 11),
    frozenset({18, 19}),
)

NET_LAYOUTS = {"coco18": COCO18, "body25": BODY25}


def layout_for_channels(channels: int) -> NetLayout:
    for layout in NET_LAYOUTS.values():
        if layout.channels == channels:
            return layout
    raise ValueError(f"openpose output has {channels} channels; BODY_25 has 78 and COCO-18 has 57")
