import logging

import av
import numpy as np
import pytest

from posekit.errors import InputError
from posekit.io import VideoWriter, open_source
from posekit.io import video_writer as vw


def frames(n, w, h):
    for i in range(n):
        img = np.full((h, w, 3), 30, np.uint8)
        img[:, : 2 * (i + 1)] = (220, 30, 40)
        yield img


@pytest.mark.parametrize("suffix", [".mp4", ".mkv", ".avi", ".mov", ".webm"])
def test_write_and_read_back(tmp_path, suffix):
    path = tmp_path / f"out{suffix}"
    with VideoWriter(path, 25, (64, 48)) as w:
        for img in frames(15, 64, 48):
            w.write(img)
    assert w.frames_written == 15 and [p.name for p in tmp_path.iterdir()] == [path.name]
    with open_source(path) as src:
        got = list(src)
        assert src.size == (64, 48) and src.fps == pytest.approx(25)
    assert len(got) == 15 and got[-1].time == pytest.approx(14 / 25)
    px = got[9].image[10, 5].astype(int)
    assert abs(px[0] - 220) < 12 and abs(px[2] - 40) < 12  # RGB order kept
    assert int((got[9].image[10, :, 0] > 128).sum()) in (19, 20, 21)


def test_h264_and_yuv420p(tmp_path):
    path = tmp_path / "a.mp4"
    with VideoWriter(path, 30, (32, 32)) as w:
        assert w.codec == "libx264"
        for img in frames(3, 32, 32):
            w.write(img)
    with av.open(str(path)) as c:
        st = c.streams.video[0]
        assert st.codec_context.name == "h264" and st.codec_context.pix_fmt == "yuv420p"


def test_fractional_fps_and_frame_objects(tmp_path):
    path = tmp_path / "ntsc.mp4"
    src_frames = []
    with VideoWriter(path, 30000 / 1001, (32, 32)) as w:
        for img in frames(4, 32, 32):
            w.write(type("F", (), {"image": img})())  # anything with .image (a Frame)
            src_frames.append(img)
    src = open_source(path)
    assert src.fps == pytest.approx(29.97, abs=0.01) and len(list(src)) == 4


def test_odd_size_is_padded_to_even(tmp_path):
    path = tmp_path / "odd.mp4"
    with VideoWriter(path, 10, (33, 21)) as w:
        for img in frames(3, 33, 21):
            w.write(img)
    got = list(open_source(path))
    assert got[0].image.shape == (22, 34, 3)
    assert abs(int(got[2].image[21, 3, 0]) - 220) < 15  # the padded row repeats the last one


def test_exception_removes_temp_file_and_keeps_old_output(tmp_path):
    path = tmp_path / "out.mp4"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="boom"), VideoWriter(path, 10, (32, 32)) as w:
        w.write(next(frames(1, 32, 32)))
        raise RuntimeError("boom")
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["out.mp4"]


def test_bad_arguments(tmp_path):
    with pytest.raises(InputError, match=r"out\.gif: unsupported video file type"):
        VideoWriter(tmp_path / "out.gif", 10, (32, 32))
    with pytest.raises(ValueError, match="fps"):
        VideoWriter(tmp_path / "a.mp4", 0, (32, 32))
    with VideoWriter(tmp_path / "a.mp4", 10, (32, 32)) as w:
        with pytest.raises(ValueError, match="expected a 32x32x3 uint8"):
            w.write(np.zeros((32, 30, 3), np.uint8))
        w.write(np.zeros((32, 32, 3), np.uint8))
    with pytest.raises(ValueError, match="after close"):
        w.write(np.zeros((32, 32, 3), np.uint8))
    assert not list(tmp_path.glob(".*"))


def test_fallback_encoder_without_h264(tmp_path, monkeypatch, caplog):
    real = vw._has_encoder
    monkeypatch.setattr(
        vw, "_has_encoder", lambda name: name not in ("libx264", "libopenh264") and real(name)
    )
    path = tmp_path / "fallback.mp4"
    with caplog.at_level(logging.WARNING), VideoWriter(path, 10, (32, 32)) as w:
        for img in frames(5, 32, 32):
            w.write(img)
    assert w.codec == "mpeg4" and "no libx264 encoder" in caplog.text
    assert len(caplog.records) == 1 and "\n" not in caplog.records[0].getMessage()
    assert len(list(open_source(path))) == 5
