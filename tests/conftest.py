"""Fixtures and paths shared by the whole test suite.

The real test data lives beside the project root, in `../shared/data` (see its README.md). It is licensed for
internal testing only, so it is read from there and never copied into the repository; tests that need it skip
with a clear reason when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from shared_data import SHARED_DATA, needs_shared, shared_path

__all__ = ["SHARED_DATA", "needs_shared", "shared_data", "shared_path"]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """`../shared/data`, or a skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"test data not found at {SHARED_DATA} (../shared is absent)")
    return SHARED_DATA
