"""Tracker tests on synthetic people (a fixed COCO-17 skeleton scaled into a box)."""

import numpy as np
import pytest

from posekit.layouts import get_mapping
from posekit.results import Poses
from posekit.track import UNTRACKED, Tracker, TrackerConfig

# COCO-17 skeleton in units of the person height, relative to the box center.
TEMPLATE = np.array(
    [
        [0, -0.42],
        [0.03, -0.45],
        [-0.03, -0.45],
        [0.06, -0.43],
        [-0.06, -0.43],
        [0.12, -0.3],
        [-0.12, -0.3],
        [0.16, -0.1],
        [-0.16, -0.1],
        [0.18, 0.05],
        [-0.18, 0.05],
        [0.08, 0.02],
        [-0.08, 0.02],
        [0.09, 0.25],
        [-0.09, 0.25],
        [0.1, 0.48],
        [-0.1, 0.48],
    ]
)
SIZE = (720, 1280)


def make_poses(people, rng=None, kp_noise=0.0, box_noise=0.0, score=0.9, layout="coco17"):
    """people: list of (cx, cy, height). Returns a Poses in that order."""
    if not people:
        return Poses.empty(layout, SIZE)
    rng = rng or np.random.default_rng(0)
    kps, boxes = [], []
    for cx, cy, h in people:
        kps.append(TEMPLATE * h + (cx, cy) + rng.normal(0, kp_noise, TEMPLATE.shape))
        boxes.append(np.array([cx - h / 4, cy - h / 2, cx + h / 4, cy + h / 2]) + rng.normal(0, box_noise, 4))
    kp = np.stack(kps)
    n = len(people)
    scores = np.full(n, score) if np.isscalar(score) else np.asarray(score)
    if layout == "blazepose33":
        full = np.repeat(kp.mean(axis=1, keepdims=True), 33, axis=1)
        full[:, get_mapping("blazepose33", "coco17")] = kp
        kp = full
    k = kp.shape[1]
    return Poses(kp, np.full((n, k), 0.9), np.stack(boxes), scores, layout, SIZE)


def run(tracker, frames, start=0):
    return [tracker.update(p, i) for i, p in enumerate(frames, start)]


def ids_of(outs, j):
    """Track id of the j-th person of each frame (None where that frame has fewer people)."""
    return [int(o.track_ids[j]) if len(o) > j else None for o in outs]


@pytest.mark.parametrize("layout", ["coco17", "blazepose33"])
def test_two_people_crossing_keep_ids(layout):
    rng = np.random.default_rng(1)
    frames, order = [], []
    for t in range(60):
        a = (200 + 13 * t, 400, 300)
        b = (1000 - 13 * t, 405, 290)
        flip = bool(rng.integers(2))  # detection order must not matter
        order.append(flip)
        frames.append(make_poses([b, a] if flip else [a, b], rng, kp_noise=2, box_noise=2, layout=layout))
    outs = run(Tracker(), frames)
    ida = [int(o.track_ids[1 if f else 0]) for o, f in zip(outs, order)]
    idb = [int(o.track_ids[0 if f else 1]) for o, f in zip(outs, order)]
    assert ida[:2] == idb[:2] == [UNTRACKED] * 2
    assert set(ida[2:]) == {ida[2]} and set(idb[2:]) == {idb[2]} and ida[2] != idb[2]
    assert sorted([ida[2], idb[2]]) == [1, 2]


def test_identical_people_crossing_keep_ids():
    """Same size, same height in the image: only the motion tells them apart at the crossing."""
    frames = [make_poses([(300 + 10 * t, 400, 300), (900 - 10 * t, 400, 300)]) for t in range(60)]
    outs = run(Tracker(), frames)
    assert set(ids_of(outs, 0)[2:]) == {1} and set(ids_of(outs, 1)[2:]) == {2}


def test_occluded_ten_frames_keeps_id():
    rng = np.random.default_rng(2)
    frames = []
    for t in range(60):
        people = [(1000, 300, 250)]  # a bystander
        if not 20 <= t < 30:  # walks behind an occluder
            people.insert(0, (200 + 8 * t, 400, 300))
        frames.append(make_poses(people, rng, kp_noise=2, box_noise=2))
    outs = run(Tracker(), frames)
    walker = [int(o.track_ids[0]) for t, o in enumerate(outs) if not 20 <= t < 30][2:]
    assert set(walker) == {1}
    assert set(int(o.track_ids[-1]) for o in outs[2:]) == {2}


def test_person_who_stopped_behind_occluder_keeps_id():
    """Walks, disappears for 15 frames, reappears having stopped short of the predicted place."""
    frames = [make_poses([(200 + 10 * t, 400, 300)]) for t in range(20)]
    frames += [make_poses([])] * 15 + [make_poses([(420, 400, 300)])] * 10
    outs = run(Tracker(), frames)
    assert set(int(o.track_ids[0]) for o in outs[2:] if len(o)) == {1}


def test_leaving_longer_than_max_age_gets_new_id():
    person = make_poses([(600, 400, 300)])
    frames = [person] * 10 + [make_poses([])] * 40 + [person] * 10
    tracker = Tracker(max_age=30)
    outs = run(tracker, frames)
    assert ids_of(outs, 0)[2:10] == [1] * 8
    assert ids_of(outs, 0)[50:] == [UNTRACKED, UNTRACKED] + [2] * 8
    # within max_age the same person comes back with the same id
    outs = run(Tracker(max_age=30), [person] * 10 + [make_poses([])] * 25 + [person] * 5)
    assert ids_of(outs, 0)[35:] == [1] * 5


def test_new_person_elsewhere_gets_new_id_while_other_is_lost():
    a, b = (300, 400, 300), (1000, 400, 300)
    frames = [make_poses([a])] * 10 + [make_poses([b])] * 10 + [make_poses([a, b])] * 5
    outs = run(Tracker(), frames)
    assert ids_of(outs, 0)[12:20] == [2] * 8  # b is new, not lost a
    assert [list(o.track_ids) for o in outs[20:]] == [[1, 2]] * 5


def test_jittery_detections_do_not_spawn_ids():
    rng = np.random.default_rng(3)
    frames = [
        make_poses(
            [(400, 400, 300), (800, 380, 280)], rng, kp_noise=6, box_noise=8, score=rng.uniform(0.4, 1.0, 2)
        )
        for _ in range(150)
    ]
    tracker = Tracker()
    outs = run(tracker, frames)
    assert set(ids_of(outs, 0)[2:]) == {1} and set(ids_of(outs, 1)[2:]) == {2}
    assert len(tracker.tracks) == 2


def test_single_missing_frames_do_not_break_tracks():
    frames = [make_poses([] if t % 5 == 4 else [(200 + 12 * t, 400, 300)]) for t in range(60)]
    outs = run(Tracker(), frames)
    assert set(i for i in ids_of(outs, 0)[2:] if i is not None) == {1}


def test_skipped_frame_indices_count_as_motion_time():
    """Every other frame processed (frame_index 0, 2, 4, ...), fast motion: still one track."""
    tracker = Tracker()
    outs = [tracker.update(make_poses([(100 + 15 * t, 400, 200)]), t) for t in range(0, 80, 2)]
    assert set(ids_of(outs, 0)[2:]) == {1}


def test_empty_frames():
    tracker = Tracker()
    out = tracker.update(make_poses([]), 0)
    assert out.track_ids.shape == (0,) and out.track_ids.dtype == np.int64
    outs = run(tracker, [make_poses([(500, 400, 300)])] * 4 + [make_poses([])] * 3, start=1)
    assert len(outs[-1]) == 0 and len(tracker.tracks) == 1 and tracker.tracks[0].track_id == 1


def test_low_score_people_do_not_start_tracks_but_stay_matched():
    tracker = Tracker(min_score=0.5)
    outs = run(tracker, [make_poses([(500, 400, 300)], score=0.2)] * 5)
    assert ids_of(outs, 0) == [UNTRACKED] * 5 and tracker.tracks == []
    tracker.reset()
    outs = run(
        tracker,
        [make_poses([(500, 400, 300)], score=0.9)] * 3 + [make_poses([(505, 400, 300)], score=0.2)] * 3,
    )
    assert ids_of(outs, 0) == [UNTRACKED, UNTRACKED, 1, 1, 1, 1]


def test_n_init_and_reset():
    tracker = Tracker(TrackerConfig(n_init=1))
    assert ids_of(run(tracker, [make_poses([(500, 400, 300)])] * 2), 0) == [1, 1]
    with pytest.raises(ValueError, match="increase"):
        tracker.update(make_poses([]), 1)
    tracker.reset()
    assert tracker.tracks == []
    assert tracker.update(make_poses([(100, 400, 300)]), 0).track_ids.tolist() == [1]
    with pytest.raises(TypeError):
        Tracker(max_agee=3)


def test_tentative_false_positive_consumes_no_id():
    frames = [make_poses([(500, 400, 300)] + ([(1100, 300, 200)] if t == 5 else [])) for t in range(10)]
    tracker = Tracker()
    outs = run(tracker, frames)
    assert outs[5].track_ids.tolist() == [1, UNTRACKED]
    assert [t.track_id for t in tracker.tracks] == [1]
    assert tracker.update(make_poses([(500, 400, 300), (100, 300, 200)]), 10).track_ids.tolist() == [
        1,
        UNTRACKED,
    ]


def test_degenerate_boxes_do_not_break_tracking():
    tracker = Tracker()
    run(tracker, [make_poses([(500, 400, 300)])] * 3)
    bad = make_poses([(500, 400, 300), (900, 400, 300)])
    bad.boxes[1] = np.nan
    out = tracker.update(bad, 3)
    assert out.track_ids.tolist() == [1, UNTRACKED] and len(tracker.tracks) == 1
