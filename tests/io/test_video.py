import http.server
import logging
import os
import threading
import time
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from PIL import Image

from posekit.errors import InputError
from posekit.io import Frame, PrefetchReader, open_source
from posekit.io.video import ImageSequenceSource, OpenCVSource, PyAVSource

SHARED_VIDEO = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "video"
needs_shared = pytest.mark.skipif(
    not SHARED_VIDEO.is_dir(), reason=f"real test clips not found at {SHARED_VIDEO}"
)


def frame_image(i, w=96, h=64):
    """A frame whose color bar width encodes its index (survives lossy coding)."""
    img = np.full((h, w, 3), 40, np.uint8)
    img[:, : 4 * (i + 1)] = (220, 30, 40)  # red: checks RGB order too
    return img


def make_video(path, n=30, fps=10, codec="libx264", w=96, h=64, gop=10, options=None):
    c = av.open(str(path), "w", options=options or {})
    s = c.add_stream(codec, rate=fps, options={"g": str(gop)})
    s.width, s.height, s.pix_fmt = w, h, "yuv420p"
    rng = np.random.default_rng(0)
    for i in range(n):
        img = frame_image(i, w, h)
        img[h // 2 :] = rng.integers(
            0, 255, (h - h // 2, w, 3), dtype=np.uint8
        )  # noise: realistic file sizes
        for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
            c.mux(p)
    for p in s.encode(None):
        c.mux(p)
    c.close()
    return path


def bar_width(img):
    return int((img[5, :, 0] > 128).sum())


def test_pyav_file_frames_times_and_properties(tmp_path):
    path = make_video(tmp_path / "a.mp4", n=20, fps=10)
    with open_source(path) as src:
        assert isinstance(src, PyAVSource)
        assert src.fps == 10 and src.size == (96, 64) and src.frame_count == 20 and src.name == str(path)
        frames = list(src)
    assert [f.index for f in frames] == list(range(20))
    assert [f.time for f in frames] == pytest.approx([i / 10 for i in range(20)])
    f = frames[7]
    assert isinstance(f, Frame) and f.image.shape == (64, 96, 3) and f.image.dtype == np.uint8
    assert f.image.flags.c_contiguous and abs(bar_width(f.image) - 32) <= 1
    assert f.image[5, 0, 0] > 180 and f.image[5, 0, 2] < 80  # RGB, not BGR


@pytest.mark.parametrize(
    "ext,codec", [("mkv", "libx264"), ("avi", "mpeg4"), ("webm", "libvpx-vp9"), ("mov", "libx264")]
)
def test_containers(tmp_path, ext, codec):
    path = make_video(tmp_path / f"v.{ext}", n=12, codec=codec)
    frames = list(open_source(path))
    assert len(frames) == 12 and abs(bar_width(frames[11].image) - 48) <= 1


def test_opencv_backend_matches(tmp_path):
    path = make_video(tmp_path / "a.avi", n=10, codec="mpeg4")
    with open_source(path, backend="opencv") as src:
        assert isinstance(src, OpenCVSource) and src.frame_count == 10 and src.size == (96, 64)
        frames = list(src)
    ref = list(open_source(path, backend="pyav"))
    assert len(frames) == 10
    assert [f.time for f in frames] == pytest.approx([f.time for f in ref])
    assert np.abs(frames[5].image.astype(int) - ref[5].image.astype(int)).mean() < 3


def test_falls_back_to_opencv_when_pyav_cannot_open(tmp_path, monkeypatch, caplog):
    path = make_video(tmp_path / "a.mp4", n=5)

    def broken(*a, **k):
        raise av.error.InvalidDataError(1094995529, "Invalid data found when processing input")

    monkeypatch.setattr(av, "open", broken)
    with caplog.at_level(logging.WARNING):
        src = open_source(path)
    assert isinstance(src, OpenCVSource) and len(list(src)) == 5
    assert "using OpenCV" in caplog.text


def test_input_errors(tmp_path):
    with pytest.raises(InputError, match=r"nope\.mp4: no such file"):
        open_source(tmp_path / "nope.mp4")
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.mp4: file is empty"):
        open_source(tmp_path / "empty.mp4")
    (tmp_path / "text.mp4").write_text("hello, this is not a video\n" * 100)
    with pytest.raises(InputError, match=r"text\.mp4: not a video") as e:
        open_source(tmp_path / "text.mp4")
    assert "\n" not in str(e.value)
    with pytest.raises(InputError, match="camera index must be an integer"):
        open_source("webcam:front")
    with pytest.raises(ValueError, match="on_corrupt"):
        open_source(tmp_path / "nope.mp4", on_corrupt="ignore")


@pytest.mark.parametrize("ext", ["mp4", "mov"])
def test_zero_frame_video(tmp_path, ext):
    path = tmp_path / f"zero.{ext}"
    c = av.open(str(path), "w")
    s = c.add_stream("libx264", rate=10)
    s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
    c.start_encoding()
    c.close()
    assert path.stat().st_size > 0
    with pytest.raises(InputError, match=rf"zero\.{ext}: .*no (video stream|frames)"):
        open_source(path)


@pytest.mark.parametrize(
    "ext,codec,options",
    [("mp4", "libx264", {"movflags": "+faststart"}), ("avi", "mpeg4", None), ("mkv", "libx264", None)],
)
def test_truncated_video_yields_good_frames_then_raises(tmp_path, ext, codec, options):
    full = make_video(tmp_path / f"full.{ext}", n=60, codec=codec, options=options)
    cut = tmp_path / f"cut.{ext}"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size * 6 // 10])
    got = []
    with pytest.raises(
        InputError, match=rf"cut\.{ext}: video is truncated or corrupt after frame (\d+)"
    ) as e:
        for f in open_source(cut):
            got.append(f)
    assert 10 < len(got) < 60 and f"after frame {len(got) - 1} " in str(e.value)
    assert [f.index for f in got] == list(range(len(got)))
    assert abs(bar_width(got[5].image) - 24) <= 1  # frames before the damage are intact


def test_truncated_video_warn_mode(tmp_path, caplog):
    full = make_video(tmp_path / "full.avi", n=40, codec="mpeg4")
    cut = tmp_path / "cut.avi"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    with caplog.at_level(logging.WARNING):
        n = len(list(open_source(cut, on_corrupt="warn")))
    assert 5 < n < 40 and "truncated or corrupt" in caplog.text


def test_image_sequences(tmp_path):
    for i in range(4):
        Image.fromarray(frame_image(i)).save(tmp_path / f"f{i:03d}.png")
    (tmp_path / "notes.txt").write_text("ignored")
    with open_source(tmp_path, fps=5) as src:
        assert isinstance(src, ImageSequenceSource)
        assert src.frame_count == 4 and src.size == (96, 64) and src.fps == 5
        frames = list(src)
    assert [f.time for f in frames] == pytest.approx([0, 0.2, 0.4, 0.6])
    assert np.array_equal(frames[2].image, frame_image(2))
    assert len(list(open_source(str(tmp_path / "f00[12].png")))) == 2
    assert open_source(tmp_path / "f000.png").frame_count == 1
    with pytest.raises(InputError, match="matches no files"):
        open_source(str(tmp_path / "*.jpg"))


def test_prefetch_reader_delivers_everything_in_order(tmp_path):
    path = make_video(tmp_path / "a.mp4", n=25)
    with PrefetchReader(open_source(path), depth=3) as r:
        assert r.fps == 10 and r.size == (96, 64) and r.frame_count == 25
        frames = list(r)
    assert [f.index for f in frames] == list(range(25))
    assert abs(bar_width(frames[20].image) - 84) <= 1


def test_prefetch_reader_raises_error_at_its_position(tmp_path):
    full = make_video(tmp_path / "full.avi", n=40, codec="mpeg4")
    cut = tmp_path / "cut.avi"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    direct = []
    with pytest.raises(InputError) as e1:
        for f in open_source(cut):
            direct.append(f.index)
    got = []
    with pytest.raises(InputError) as e2, PrefetchReader(open_source(cut), depth=2) as r:
        for f in r:
            got.append(f.index)
    assert got == direct and str(e1.value) == str(e2.value)


def test_prefetch_reader_stops_early_and_closes_source(tmp_path):
    path = make_video(tmp_path / "a.mp4", n=40)
    src = open_source(path)
    r = PrefetchReader(src, depth=2)
    for f in r:
        if f.index == 3:
            break
    r.close()
    assert not r._thread.is_alive() and src._closed
    assert list(r) == []
    before = threading.active_count()
    with PrefetchReader(open_source(path), depth=2) as r2:
        next(r2)
    assert threading.active_count() <= before


def test_abandoned_prefetch_reader_ends_its_thread(tmp_path):
    import gc

    src = open_source(make_video(tmp_path / "a.mp4", n=40))
    r = PrefetchReader(src, depth=2)
    next(r)
    thread = r._thread
    del r
    gc.collect()
    thread.join(timeout=5)
    assert not thread.is_alive() and src._closed


class _Handler(http.server.SimpleHTTPRequestHandler):
    stall_after = None  # bytes after which the server stops sending (without closing)

    def log_message(self, *args):
        pass

    def do_GET(self):
        data = Path(self.directory, self.path.lstrip("/")).read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "video/mp2t")
        if self.stall_after is None:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.stall_after is None:
            self.wfile.write(data)
            return
        self.wfile.write(data[: self.stall_after])
        self.wfile.flush()
        time.sleep(3)  # longer than the reader's timeout


@pytest.fixture
def http_dir(tmp_path):
    servers = []

    def serve(stall_after=None):
        handler = type("H", (_Handler,), {"stall_after": stall_after})
        srv = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), lambda *a: handler(*a, directory=str(tmp_path))
        )
        srv.daemon_threads = True
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_address[1]}"

    yield serve
    for srv in servers:
        srv.shutdown()
        srv.server_close()


def test_http_stream(tmp_path, http_dir, caplog):
    make_video(tmp_path / "live.ts", n=20)
    url = http_dir() + "/live.ts"
    with caplog.at_level(logging.WARNING), open_source(url, timeout=5) as src:
        assert isinstance(src, PyAVSource) and src.frame_count is None
        frames = list(src)
    assert len(frames) == 20 and "stream ended after 20 frames" in caplog.text


def test_stalled_stream_ends_with_warning_not_hang(tmp_path, http_dir, caplog):
    path = make_video(tmp_path / "live.ts", n=60)
    url = http_dir(stall_after=os.path.getsize(path) // 2) + "/live.ts"
    t0 = time.monotonic()
    with caplog.at_level(logging.WARNING):
        frames = list(open_source(url, timeout=1.0))
    assert 0 < len(frames) < 60 and time.monotonic() - t0 < 2.9
    assert "stream ended" in caplog.text


def test_unreachable_stream(tmp_path):
    with pytest.raises(InputError, match=r"rtsp://127\.0\.0\.1:9/x: cannot open stream"):
        open_source("rtsp://127.0.0.1:9/x", timeout=1)


@needs_shared
@pytest.mark.parametrize(
    "name,count,size,fps",
    [
        ("ntu_rgbd_S001C001P001R001A001_rgb_1920x1080.avi", 103, (1920, 1080), 30),
        ("mmpose_demo_street_960x540_5frames.mp4", 5, (960, 540), 5),
        ("mmhuman3d_single_person_1080x1920.mp4", 40, (1080, 1920), 12),
    ],
)
def test_real_clips(name, count, size, fps):
    with PrefetchReader(open_source(SHARED_VIDEO / name)) as r:
        assert r.size == size and r.frame_count == count and r.fps == pytest.approx(fps, rel=0.01)
        n, last = 0, None
        for f in r:
            n, last = n + 1, f
    assert n == count and last.image.shape == (size[1], size[0], 3)
    assert last.time == pytest.approx((count - 1) / fps, abs=0.05)


@needs_shared
def test_real_clip_pyav_matches_opencv():
    path = SHARED_VIDEO / "mmpose_demo_street_960x540_5frames.mp4"
    a = [f.image for f in open_source(path)]
    b = [f.image for f in open_source(path, backend="opencv")]
    assert len(a) == len(b) == 5
    assert np.abs(a[3].astype(int) - b[3].astype(int)).mean() < 3
    assert cv2.PSNR(a[3], b[3]) > 30
