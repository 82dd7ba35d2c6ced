"""Fuzzed video files (mp4, avi, mkv made on the fly with PyAV), garbage, and absurd declared frame sizes."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from fuzz_harness import FUZZ, check, mutated_bytes, scratch
from hypothesis import example, given
from hypothesis import strategies as st

from posekit.errors import InputError
from posekit.io.video import open_source

av = pytest.importorskip("av")

#: container -> (suffix, codec)
KINDS = {"mp4": (".mp4", "mpeg4"), "avi": (".avi", "mjpeg"), "mkv": (".mkv", "ffv1")}


def make_video(container: str, codec: str, frames: int = 6, size: tuple[int, int] = (32, 24)) -> bytes:
    """A small valid video: a bright square moving over a gradient."""
    buf = io.BytesIO()
    w, h = size
    with av.open(buf, "w", format=container) as out:
        st_ = out.add_stream(codec, rate=10)
        st_.width, st_.height = w, h
        st_.pix_fmt = "yuvj420p" if codec == "mjpeg" else ("yuv420p" if codec != "rawvideo" else "bgr24")
        y, x = np.mgrid[0:h, 0:w]
        for i in range(frames):
            img = np.stack([x * 6, y * 8, np.full_like(x, 60)], -1).astype(np.uint8)
            img[4:12, 2 + 3 * i : 10 + 3 * i] = 255
            for packet in st_.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in st_.encode():
            out.mux(packet)
    return buf.getvalue()


VALID = {k: make_video("matroska" if k == "mkv" else k, codec) for k, (_, codec) in KINDS.items()}


def read_all(path: str, backend: str) -> int:
    """Open and decode every frame (what `posekit track` does); returns the frame count."""
    n = 0
    with open_source(path, backend=backend) as src:
        for f in src:
            assert f.image.dtype == np.uint8 and f.image.shape[2] == 3
            n += 1
    return n


@FUZZ
@given(
    case=st.sampled_from(sorted(KINDS)).flatmap(lambda k: st.tuples(st.just(k), mutated_bytes(VALID[k]))),
    suffix=st.sampled_from(["", ".mp4", ".bin"]),
    backend=st.sampled_from(["auto", "opencv"]),
)
@example(case=("mkv", VALID["mkv"].replace(b"V_FFV1", b"V_QQQ1")), suffix="", backend="auto")  # bug:
# an unknown codec id leaves PyAV's codec_context None: AttributeError escaped
def test_mutated_video_files(case: tuple[str, bytes], suffix: str, backend: str) -> None:
    kind, blob = case
    suffix = suffix or KINDS[kind][0]
    with scratch() as d:
        path = d / f"clip{suffix}"
        path.write_bytes(blob)
        check(f"video ({backend})", path.name, lambda: read_all(str(path), backend))


def avi_declaring(width: int, height: int) -> bytes:
    """A valid raw-video AVI whose headers (avih and the stream's BITMAPINFOHEADER) declare another size."""
    data = bytearray(make_video("avi", "rawvideo", frames=2))
    avih, strf = data.find(b"avih"), data.find(b"strf")
    struct.pack_into("<II", data, avih + 8 + 32, width, height)  # dwWidth, dwHeight
    struct.pack_into("<ii", data, strf + 8 + 4, width, height)  # biWidth, biHeight
    return bytes(data)


@pytest.mark.parametrize("backend", ["auto", "opencv"])
def test_absurd_declared_frame_size_refused(backend: str) -> None:
    with scratch() as d:
        path = d / "huge.avi"
        path.write_bytes(avi_declaring(16_000, 16_000))
        with pytest.raises(InputError, match=r"huge\.avi: .*16000x16000.*POSEKIT_MAX_VIDEO_PIXELS"):
            read_all(str(path), backend)


def test_video_limit_can_be_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    with scratch() as d:
        path = d / "small.mp4"
        path.write_bytes(VALID["mp4"])  # 32 x 24 = 768 pixels a frame
        monkeypatch.setenv("POSEKIT_MAX_VIDEO_PIXELS", "500")
        with pytest.raises(InputError, match=r"small\.mp4: .*32x24.*500-pixel limit"):
            read_all(str(path), "auto")
        monkeypatch.setenv("POSEKIT_MAX_VIDEO_PIXELS", "1000")
        assert read_all(str(path), "auto") == 6
