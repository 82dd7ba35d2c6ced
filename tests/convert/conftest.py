"""Shared fixtures for the converter tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tfjs_model_json():
    """`tfjs_model_json(name)` -> Path of a TF.js model's model.json, fetched into the cache if needed."""
    from posekit.zoo import source_path

    def locate(name: str) -> Path:
        return Path(source_path(name))

    return locate
