"""Shared fixtures for the converter tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tfjs_model_json():
    """`tfjs_model_json(name)` -> Path of a TF.js model's model.json.

    Uses `posekit.zoo.source_path`; while the zoo cannot provide the file (not written yet, or
    offline) it falls back to the development copy under /tmp/src/hm. Remove the fallback once the
    zoo is reliable.
    """

    def locate(name: str) -> Path:
        try:
            from posekit.zoo import source_path

            return Path(source_path(name))
        except Exception as e:  # noqa: BLE001 - TEMPORARY fallback to the development copy
            dev = Path(f"/tmp/src/hm/package/models/{name}.json")
            if dev.is_file():
                return dev
            pytest.skip(f"TF.js source of {name} unavailable: {e}")

    return locate
