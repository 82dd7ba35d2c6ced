"""`posekit serve` fails with one line, before listening, on bad options or a missing extra."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from posekit.cli.main import main
from posekit.errors import PosekitError
from posekit.serve import require_serve


def test_bad_options_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "70000", "--data-dir", str(tmp_path)]) == 2
    assert "--port 70000" in capsys.readouterr().err
    assert main(["serve", "--model", "no-such-model", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("posekit: error:") and "no-such-model" in err and len(err.strip().splitlines()) == 1


def test_missing_extra_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import fails as if not installed
    with pytest.raises(PosekitError, match=r"pip install posekit\[serve\]"):
        require_serve()
