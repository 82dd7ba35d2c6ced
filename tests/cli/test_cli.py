"""The `posekit` command, run as a user runs it (a subprocess), including bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

DEV = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "posebench-dev"


def posekit(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "posekit", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=os.environ.copy(),
        timeout=900,
    )


def test_models_list_shows_models_and_presets():
    out = posekit("models", "list")
    assert out.returncode == 0, out.stderr
    for name in ("blazepose-full", "movenet-multipose", "mediapipe-pose-landmark-full", "default", "fast"):
        assert name in out.stdout
    listing = json.loads(posekit("models", "list", "--json").stdout)
    assert {m["name"] for m in listing["models"]} >= {"centernet", "nanodet", "blazepose-heavy"}


def test_unknown_model_is_one_line():
    out = posekit("predict", "--samples", "--model", "movenet-thundr")
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and "Did you mean movenet-thunder" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.models
def test_predict_samples_writes_json_and_overlays(tmp_path):
    out = posekit(
        "predict",
        "--samples",
        "--out",
        tmp_path / "poses.json",
        "--render",
        tmp_path / "png",
        "--csv",
        tmp_path / "people.csv",
        "--per-image-json",
        tmp_path / "per",
    )
    assert out.returncode == 0, out.stderr
    results = json.loads((tmp_path / "poses.json").read_text())
    assert {r["file_name"] for r in results} >= {"astronaut", "camera"}
    assert all(len(r["keypoints"]) == 51 for r in results)
    for stem in ("astronaut", "camera"):
        png = cv2.imread(str(tmp_path / "png" / f"{stem}.png"))
        assert png is not None and png.shape[:2] == (512, 512)
        assert json.loads((tmp_path / "per" / f"{stem}.json").read_text())["people"]
    header = (tmp_path / "people.csv").read_text().splitlines()[0]
    assert "nose_x" in header and "left_ankle_score" in header


@pytest.mark.models
def test_bad_images_give_one_line_errors_and_no_partial_files(tmp_path):
    good = tmp_path / "good.png"
    cv2.imwrite(str(good), cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    jpg = cv2.imencode(".jpg", data.astronaut())[1].tobytes()
    bad = {
        "truncated.jpg": jpg[: len(jpg) // 2],
        "empty.jpg": b"",
        "text.jpg": b"this is not an image",
    }
    for name, payload in bad.items():
        (tmp_path / name).write_bytes(payload)
    out_json = tmp_path / "out" / "r.json"
    for name in bad:
        res = posekit("predict", tmp_path / name, "--model", "fast", "--out", out_json)
        assert res.returncode != 0
        assert "Traceback" not in res.stderr and name in res.stderr, res.stderr
        assert "no image could be read" in res.stderr and "results:" not in res.stdout
        assert not out_json.exists()  # nothing succeeded: no file, not an empty list
        assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    # some good, some bad: the good ones are written, the bad ones named, the exit code says so
    res = posekit("predict", tmp_path / "empty.jpg", good, "--model", "fast", "--out", out_json)
    assert res.returncode == 1, res.stderr
    assert (
        "skipped" in res.stderr and "empty.jpg" in res.stderr and "1 of 2 image(s) (1 skipped)" in res.stdout
    )
    results = json.loads(out_json.read_text())
    assert results and {r["file_name"] for r in results} == {str(good)}
    assert {r["image_id"] for r in results} == {2}  # the input's position, skipped ones counted
    missing = posekit("predict", tmp_path / "nope.jpg")
    assert missing.returncode == 2 and "no such file" in missing.stderr and "Traceback" not in missing.stderr


@pytest.mark.models
def test_odd_but_valid_images_work(tmp_path):
    rgb = data.astronaut()
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    cv2.imwrite(str(tmp_path / "gray.png"), gray)
    cv2.imwrite(str(tmp_path / "deep16.png"), (cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR).astype(np.uint16) * 257))
    cv2.imwrite(str(tmp_path / "rgba.png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGRA))
    huge = cv2.resize(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), (7800, 7800), interpolation=cv2.INTER_NEAREST)
    cv2.imwrite(str(tmp_path / "huge.jpg"), huge)  # 61 megapixels
    res = posekit("predict", tmp_path, "--model", "fast", "--out", tmp_path / "r.json")
    assert res.returncode == 0, res.stderr
    results = json.loads((tmp_path / "r.json").read_text())
    by_file = {Path(r["file_name"]).stem: r for r in results}
    assert set(by_file) == {"gray", "deep16", "rgba", "huge"}
    nose_huge = np.array(by_file["huge"]["keypoints"][:2])
    nose_rgba = np.array(by_file["rgba"]["keypoints"][:2])
    np.testing.assert_allclose(nose_huge / (7800 / 512), nose_rgba, atol=6)


@pytest.mark.models
@pytest.mark.skipif(not DEV.exists(), reason="../shared/data/posebench-dev is not present")
def test_eval_writes_flat_json(tmp_path):
    gt = json.loads((DEV / "annotations" / "person_keypoints.json").read_text())
    images = gt["images"][:8]
    ids = {i["id"] for i in images}
    sub = {**gt, "images": images, "annotations": [a for a in gt["annotations"] if a["image_id"] in ids]}
    (tmp_path / "gt.json").write_text(json.dumps(sub))
    res = posekit(
        "eval",
        "--gt",
        tmp_path / "gt.json",
        "--images",
        DEV / "images",
        "--model",
        "fast",
        "--json",
        tmp_path / "m.json",
        "--bootstrap",
        "20",
    )
    assert res.returncode == 0, res.stderr
    m = json.loads((tmp_path / "m.json").read_text())
    for key in ("AP", "AP50", "AP75", "APm", "APl", "AR", "AP_ci_low", "AP_ci_high", "images_per_s"):
        assert isinstance(m[key], float), key
    assert m["AP_ci_low"] <= m["AP"] <= m["AP_ci_high"] or m["AP"] == 0


@pytest.mark.models
def test_without_npm_the_pip_models_still_work(tmp_path):
    """The pip-only path: no npm on PATH and an empty cache."""
    env = dict(os.environ, PATH=str(tmp_path / "bin"), POSEKIT_CACHE=str(tmp_path / "cache"))
    (tmp_path / "bin").mkdir()

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "posekit", *map(str, args)],
            capture_output=True,
            text=True,
            env=env,
            timeout=900,
            check=False,
        )

    listing = run("models", "list")
    assert "npm is not installed" in listing.stdout
    ok = run("predict", "--samples", "--model", "blazepose-pip", "--out", tmp_path / "r.json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads((tmp_path / "r.json").read_text())
    refused = run("predict", "--samples", "--model", "blazepose-full")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "npm, which is not installed" in refused.stderr and "models import" in refused.stderr
