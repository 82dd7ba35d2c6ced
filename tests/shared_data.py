"""Where the shared test data lives: `../shared/data` beside the project root (see tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_path(*parts: str) -> Path:
    """A path under `../shared/data` (which may not exist)."""
    return SHARED_DATA.joinpath(*parts)


def needs_shared(*parts: str) -> pytest.MarkDecorator:
    """Skip marker for tests that read `../shared/data/<parts>`."""
    path = shared_path(*parts)
    return pytest.mark.skipif(
        not path.exists(), reason=f"test data not found at {path} (../shared is absent)"
    )
