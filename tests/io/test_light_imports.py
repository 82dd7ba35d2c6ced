"""The model zoo (and `posekit.io.atomic`, which it writes through) must not load OpenCV, PIL or video code:
`posekit models ...` and code that only fetches models stay fast to import."""

import subprocess
import sys

import pytest

HEAVY = ("cv2", "PIL", "av", "posekit.io.video", "posekit.io.images")


@pytest.mark.parametrize("module", ["posekit.zoo", "posekit.io", "posekit.io.atomic", "posekit.ops"])
def test_import_stays_light(module):
    code = f"import sys, {module}; loaded = [m for m in {HEAVY!r} if m in sys.modules]; assert not loaded, loaded"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_lazy_names_resolve():
    import posekit.io

    assert set(posekit.io.__all__) <= set(dir(posekit.io))
    for name in posekit.io.__all__:
        assert getattr(posekit.io, name) is not None
    with pytest.raises(AttributeError):
        posekit.io.no_such_name  # noqa: B018
    from posekit.io import video_writer  # submodules still import through the package

    assert video_writer.VideoWriter is posekit.io.VideoWriter
