"""The synthetic BlazePose-like sequences of tests/export."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "_export_conftest", Path(__file__).parents[2] / "export" / "conftest.py"
)
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)


@pytest.fixture
def make_frames():
    return _mod.synthetic_frames
