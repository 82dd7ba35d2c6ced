"""Fixtures and paths shared by the whole test suite.

The real test data lives beside the project root, in `../shared/data` (see its README.md). It is licensed for
internal testing only, so it is read from there and never copied into the repository; tests that need it skip
with a clear reason when it is absent.
"""

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
    return pytest.mark.skipif(not path.exists(), reason=f"test data not found at {path} (../shared is absent)")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """`../shared/data`, or a skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"test data not found at {SHARED_DATA} (../shared is absent)")
    return SHARED_DATA
