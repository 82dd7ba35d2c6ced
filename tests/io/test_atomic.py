import json
import os

import numpy as np
import pytest

from posekit.errors import InputError
from posekit.io import atomic_write, load_image, write_image_atomic, write_json_atomic
from posekit.io.atomic import atomic_path


def test_atomic_write_replaces(tmp_path):
    p = tmp_path / "out.txt"
    p.write_text("old")
    with atomic_write(p, "w") as f:
        f.write("new")
        assert p.read_text() == "old"  # not visible until the block ends
    assert p.read_text() == "new"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_atomic_write_error_keeps_old_and_removes_temp(tmp_path):
    p = tmp_path / "out.txt"
    p.write_text("old")
    with pytest.raises(RuntimeError), atomic_write(p, "w") as f:
        f.write("partial")
        raise RuntimeError("boom")
    assert p.read_text() == "old" and os.listdir(tmp_path) == ["out.txt"]
    with pytest.raises(ValueError), atomic_write(p, "a"):
        pass


def test_json_and_image(tmp_path):
    write_json_atomic(tmp_path / "x.json", {"a": [1, 2], "é": 1})
    assert json.loads((tmp_path / "x.json").read_text(encoding="utf-8")) == {"a": [1, 2], "é": 1}
    img = np.zeros((5, 7, 3), np.uint8)
    img[1, 2] = (255, 10, 0)
    write_image_atomic(tmp_path / "x.png", img)
    assert np.array_equal(load_image(tmp_path / "x.png"), img)
    with pytest.raises(InputError, match="cannot write image"):
        write_image_atomic(tmp_path / "y.png", np.zeros((5, 7, 3), np.float32))
    assert sorted(os.listdir(tmp_path)) == ["x.json", "x.png"]


def test_atomic_path_for_libraries_that_write_by_name(tmp_path):
    p = tmp_path / "trial.c3d"
    with atomic_path(p, suffix=".c3d") as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".c3d" and not p.exists()
        tmp.write_bytes(b"new")
    assert p.read_bytes() == b"new"
    with pytest.raises(RuntimeError), atomic_path(p, suffix=".c3d") as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("the library failed")
    assert p.read_bytes() == b"new" and os.listdir(tmp_path) == ["trial.c3d"]
