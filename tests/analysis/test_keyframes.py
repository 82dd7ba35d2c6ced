"""Report key frames: the moments chosen, and the source video's frames drawn in the report."""

from __future__ import annotations

import base64
import re

import av
import cv2
import numpy as np
import pytest
from shared_data import needs_shared, shared_path

from posekit.analysis import analyze
from posekit.analysis.keyframes import choose_key_frames, key_frame_photos
from posekit.cli.main import main
from posekit.errors import InputError
from posekit.io.tracks import TrackWriter
from posekit.results import Poses

from .synth import fall, one_person, squats

H, W = 400, 480  # the frames the synthetic results were "made on"


def level(i: int) -> int:
    """Frame i of the test video is a flat grey of this level, so a key frame's photo tells its frame."""
    return 20 + 3 * i  # 3 levels apart: a neighbouring frame is told apart from the right one


def write_video(path, frames: int, size=(H, W)) -> None:
    with av.open(str(path), "w") as out:
        st = out.add_stream("libx264", rate=30)
        st.height, st.width = size
        st.pix_fmt, st.options = "yuv420p", {"crf": "0", "preset": "ultrafast"}
        for i in range(frames):
            img = np.full((*size, 3), level(i), np.uint8)
            out.mux(st.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        out.mux(st.encode())


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """Two squats (75 frames) as a results file, and the matching video."""
    kp = squats(2, period_s=1.0, lead_s=0.25) * 0.5  # about 180 px tall, feet at y = 350
    d = tmp_path_factory.mktemp("kf")
    with TrackWriter(d / "r.jsonl") as w:
        for i, k in enumerate(kp):
            box = np.array([[*np.nanmin(k, 0), *np.nanmax(k, 0)]])
            w.write(
                i,
                i / 30.0,
                Poses(
                    k[None], np.ones((1, 33)), box, np.ones(1), "blazepose33", (H, W), track_ids=np.array([7])
                ),
            )
    write_video(d / "v.mp4", len(kp))
    return d / "r.jsonl", d / "v.mp4", len(kp)


def decode(uri: str) -> np.ndarray:
    data = base64.b64decode(uri.split(",", 1)[1])
    return cv2.cvtColor(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def test_key_frames_are_the_videos_frames(clip, tmp_path):
    results, video, _ = clip
    res = analyze(results, reps=True, ergonomics="reba", out=tmp_path / "o", video=video)
    keys = choose_key_frames(res)[7]
    assert keys[0].title.startswith("Riskiest posture")
    assert re.match(r"Repetition [12] at its peak", keys[1].title)
    rep = res.details["repetitions"][7]
    assert keys[1].sample == max(rep.repetitions, key=lambda r: r.range).peak
    photos = key_frame_photos(res, video, {7: keys})
    for k in keys:
        img = decode(photos[(7, k.sample)])
        assert img.shape[0] == 320
        grey = img[(img.max(2) - img.min(2)) < 8]  # background pixels, not the drawn skeleton
        assert abs(float(np.median(grey)) - level(k.frame)) <= 1.5, k  # the right frame was drawn
        colourful = ((img.max(2).astype(int) - img.min(2)) > 60).mean()
        assert colourful > 0.01  # the skeleton is drawn on it
    html = (tmp_path / "o" / "report.html").read_text()
    assert len(re.findall(r'<img src="data:image/jpeg;base64,', html)) == 2
    assert "Riskiest posture" in html and "at its peak" in html


def test_without_the_video_key_frames_are_stick_figures(clip, tmp_path):
    results, _, _ = clip
    analyze(results, reps=True, out=tmp_path / "o")
    html = (tmp_path / "o" / "report.html").read_text()
    assert "data:image" not in html and 'aria-label="Repetition' in html


def test_a_fall_is_a_key_frame():
    kp, lying = fall(before_s=1.0, after_s=2.0)
    frames = [(i, i / 30.0, one_person(k, (900, 900), track_id=3)) for i, k in enumerate(kp)]
    res = analyze(frames, angles=False, falls=True)
    (k,) = choose_key_frames(res)[3]
    assert k.title.startswith("Fall at") and abs(k.time - res.summary["falls"][0]["time"]) < 0.05


def test_a_video_that_does_not_match_is_refused(clip, tmp_path):
    results, _, n = clip
    other = tmp_path / "other.mp4"
    write_video(other, 5, size=(240, 320))
    with pytest.raises(InputError, match=r"320x240 .* 480x400 frames: not the video"):
        analyze(results, reps=True, out=tmp_path / "o", video=other)
    assert not (tmp_path / "o").exists()  # nothing written
    short = tmp_path / "short.mp4"
    write_video(short, 10)
    with pytest.raises(InputError, match="ends before frame"):
        analyze(results, reps=True, out=tmp_path / "o", video=short)
    assert not (tmp_path / "o").exists()


def test_cli_video_option(clip, tmp_path, capsys):
    results, video, _ = clip
    assert main(["analyze", str(results), "--out", str(tmp_path / "o"), "--reps", "--video", str(video)]) == 0
    assert "data:image/jpeg" in (tmp_path / "o" / "report.html").read_text()
    assert (
        main(["analyze", str(results), "--out", str(tmp_path / "p"), "--video", str(tmp_path / "none.mp4")])
        == 2
    )
    err = capsys.readouterr().err
    assert "none.mp4" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


NTU = ("video", "ntu_rgbd_S001C001P001R001A001_rgb_1920x1080.avi")


@needs_shared(*NTU)
def test_track_then_analyze_draws_the_tracked_video(tmp_path, capsys):
    """`posekit track VIDEO --out R --analyze DIR`: the report's key frame is a frame of VIDEO."""
    out, rep = tmp_path / "r.jsonl", tmp_path / "rep"
    argv = ["track", str(shared_path(*NTU)), "--model", "blazepose", "--max-frames", "20"]
    assert main([*argv, "--out", str(out), "--analyze", str(rep), "--analyze-angles"]) == 0
    html = (rep / "report.html").read_text()
    (uri,) = re.findall(r'<img src="(data:image/jpeg;base64,[^"]+)"', html)
    img = decode(uri)
    assert img.shape[0] == 320 and img.std() > 20  # a real photo, not a flat canvas
