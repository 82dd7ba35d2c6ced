"""The browser page in a real Chromium (Debian's `chromium`, driven by Playwright) against a running server.

Needs `pip install playwright` (its own browser download is not used) and `/usr/bin/chromium`
(`apt-get install chromium`; `python3 tasks.py test` installs it when run as root). Screenshots are kept
in the test's tmp folder (and in $POSEKIT_SCREENSHOTS when set) to look at.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from posekit.io.images import decode_image
from posekit.serve.engine import ModelPool

from .conftest import KEY, MODEL

CHROMIUM = os.environ.get("POSEKIT_CHROMIUM", "/usr/bin/chromium")
pytestmark = [
    pytest.mark.models,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"no Chromium at {CHROMIUM}: apt-get install chromium (or set POSEKIT_CHROMIUM)",
    ),
]
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="browser tests need playwright: pip install playwright"
)
LIVE_VIDEO = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "data"
    / "video"
    / "mmhuman3d_single_person_1080x1920.mp4"
)


def magenta(rgb: np.ndarray) -> np.ndarray:
    """Pixels of the page's keypoint colour (#ff00ff), allowing for anti-aliasing."""
    r, g, b = (rgb[..., i].astype(int) for i in range(3))
    return (r > 200) & (b > 200) & (g < 90)


def save_shot(png: bytes, tmp_path: Path, name: str) -> np.ndarray:
    (tmp_path / name).write_bytes(png)
    if os.environ.get("POSEKIT_SCREENSHOTS"):
        Path(os.environ["POSEKIT_SCREENSHOTS"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / name, Path(os.environ["POSEKIT_SCREENSHOTS"]) / name)
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def make_y4m(video: Path, out: Path, frames: int = 60, size: tuple[int, int] = (360, 640)) -> Path:
    """Chromium's fake camera plays a raw Y4M file: the first `frames` frames of `video`, resized."""
    import cv2

    from posekit.io.video import open_source

    w, h = size
    with open(out, "wb") as f, open_source(video) as src:
        f.write(f"YUV4MPEG2 W{w} H{h} F12:1 Ip A1:1 C420jpeg\n".encode())
        for i, frame in enumerate(src):
            if i >= frames:
                break
            rgb = cv2.resize(frame.image, (w, h), interpolation=cv2.INTER_AREA)
            f.write(b"FRAME\n" + cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).tobytes())
    return out


@pytest.fixture(scope="module")
def camera_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not LIVE_VIDEO.exists():
        pytest.skip(f"test data not found at {LIVE_VIDEO} (../shared is absent)")
    return make_y4m(LIVE_VIDEO, tmp_path_factory.mktemp("camera") / "camera.y4m")


@pytest.fixture
def browser(camera_file: Path) -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={camera_file}",
                "--no-sandbox",
            ],
        )
        try:
            yield b
        finally:
            b.close()


def test_image_upload_draws_the_skeleton_where_the_model_found_it(
    browser: Any, live_server: str, tmp_path: Path, pool: ModelPool, astronaut_jpeg: bytes
) -> None:
    photo = tmp_path / "astronaut.jpg"
    photo.write_bytes(astronaut_jpeg)
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    page.goto(live_server + "/", timeout=20_000)
    page.wait_for_function("document.getElementById('model').options.length > 0", timeout=20_000)
    page.set_input_files("#image-file", str(photo))
    page.wait_for_function("document.getElementById('image-canvas').dataset.people > 0", timeout=30_000)
    canvas = page.locator("#image-canvas")
    box = canvas.bounding_box()
    assert box is not None and round(box["width"]) == 512 and round(box["height"]) == 512
    shot = save_shot(canvas.screenshot(), tmp_path, "image_overlay.png")
    assert "people in" in page.inner_text("#image-status")

    poses = pool.estimate(decode_image(astronaut_jpeg), MODEL)
    person = int(np.argmax(poses.person_scores))
    drawn = magenta(shot)
    assert not magenta(decode_image(astronaut_jpeg)).any(), "the photo itself has no keypoint-coloured pixels"
    near = np.zeros_like(drawn)
    hits = 0
    visible = [(x, y) for (x, y), s in zip(poses.keypoints[person], poses.scores[person]) if s >= 0.3]
    assert len(visible) >= 5  # head and shoulders (the photo shows the upper body)
    for x, y in visible:  # every keypoint the model saw has a dot where it was found (±6 px)
        x0, y0 = int(np.rint(x)), int(np.rint(y))
        patch = drawn[max(0, y0 - 6) : y0 + 7, max(0, x0 - 6) : x0 + 7]
        hits += bool(patch.any())
        near[max(0, y0 - 10) : y0 + 11, max(0, x0 - 10) : x0 + 11] = True
    assert hits == len(visible), f"{hits}/{len(visible)} keypoints drawn at their position"
    others = [
        (x, y)
        for p in range(len(poses))
        if p != person
        for (x, y), s in zip(poses.keypoints[p], poses.scores[p])
        if s >= 0.3
    ]
    for x, y in others:
        near[max(0, int(y) - 10) : int(y) + 11, max(0, int(x) - 10) : int(x) + 11] = True
    assert drawn[~near].sum() == 0, "keypoint dots drawn where no keypoint is"
    page.close()


def test_page_fits_a_phone_screen(
    browser: Any, live_server: str, tmp_path: Path, astronaut_jpeg: bytes
) -> None:
    photo = tmp_path / "astronaut.jpg"
    photo.write_bytes(astronaut_jpeg)
    page = browser.new_page(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page.goto(live_server + "/", timeout=20_000)
    page.set_input_files("#image-file", str(photo))
    page.wait_for_function("document.getElementById('image-canvas').dataset.people > 0", timeout=30_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling on a phone"
    box = page.locator("#image-canvas").bounding_box()
    assert box is not None and box["width"] <= 390 - 2 * 8
    save_shot(page.screenshot(full_page=True), tmp_path, "phone.png")
    page.close()


def test_live_mode_with_a_fake_camera_shows_poses_and_frame_rate(
    browser: Any, live_server: str, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.goto(live_server + "/", timeout=20_000)
    page.click("nav button[data-tab=live]")
    page.click("#live-start")
    page.wait_for_function("parseFloat(document.getElementById('live-fps').textContent) > 0", timeout=40_000)
    page.wait_for_timeout(2500)  # a few more frames, so the rate is measured over a couple of seconds
    fps = float(page.inner_text("#live-fps"))
    latency = float(page.inner_text("#live-latency"))
    shot = save_shot(page.locator("#live-canvas").screenshot(), tmp_path, "live.png")
    assert fps > 0 and 0 < latency < 30_000
    assert "streaming" in page.inner_text("#live-status")
    assert magenta(shot).sum() > 20, "the person of the fake camera's video gets a skeleton"
    page.click("#live-start")  # stop: camera and socket closed
    page.close()


def test_video_upload_shows_progress_then_the_annotated_video(
    browser: Any, live_server: str, tmp_path: Path, small_video: Path
) -> None:
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.goto(live_server + "/", timeout=20_000)
    page.click("nav button[data-tab=video]")
    page.set_input_files("#video-file", str(small_video))
    page.wait_for_selector("#video-out:not([hidden])", timeout=60_000)
    assert page.inner_text("#video-status").startswith("done: 6 frames")
    assert page.evaluate("document.getElementById('video-progress').value") == 1
    links = page.locator("#video-links a")
    assert links.count() == 2 and links.nth(0).get_attribute("download") == "poses.jsonl"
    page.wait_for_function("document.getElementById('video-out').readyState >= 2", timeout=20_000)
    assert page.evaluate("document.getElementById('video-out').videoWidth") == 256  # the MP4 plays
    save_shot(page.screenshot(), tmp_path, "video.png")

    page.check("#video-analyze")  # the same video with the analysis: a link to its report appears
    page.set_input_files("#video-file", [])
    page.set_input_files("#video-file", str(small_video))
    page.wait_for_selector("#video-report", timeout=60_000)
    report = page.evaluate("fetch(document.getElementById('video-report').href).then((r) => r.text())")
    assert "Movement analysis report" in report and "Falls" in report, report[:300]
    page.close()


def test_api_key_field_unlocks_uploads_and_live(
    browser: Any, keyed_server: str, tmp_path: Path, astronaut_jpeg: bytes
) -> None:
    photo = tmp_path / "astronaut.jpg"
    photo.write_bytes(astronaut_jpeg)
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.goto(keyed_server + "/", timeout=20_000)
    page.set_input_files("#image-file", str(photo))
    page.wait_for_function(
        "document.getElementById('image-status').textContent.startsWith('401')", timeout=20_000
    )
    assert "API key" in page.inner_text("#image-status")
    page.fill("#api-key", KEY)
    page.dispatch_event("#api-key", "change")
    page.set_input_files("#image-file", [])
    page.set_input_files("#image-file", str(photo))
    page.wait_for_function("document.getElementById('image-canvas').dataset.people > 0", timeout=30_000)
    page.click("nav button[data-tab=live]")
    page.click("#live-start")  # the key goes in the socket's first message
    page.wait_for_function("parseFloat(document.getElementById('live-fps').textContent) > 0", timeout=40_000)
    page.click("#live-start")
    page.reload()  # the key is remembered by the browser
    assert page.input_value("#api-key") == KEY
    page.close()
