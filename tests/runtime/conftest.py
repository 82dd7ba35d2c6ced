"""Fixtures shared by the runtime tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posekit.convert.core.graph import GraphBuilder


@pytest.fixture
def two_heads(tmp_path: Path) -> Path:
    g = GraphBuilder("two_heads")
    x = g.input("x", np.float32, ["N", 3])
    g.output(g.node("Mul", [x, g.const(np.array([1, 2, 3], np.float32))]), "kept")
    g.output(g.node("Exp", [x]), "dropped")
    path = tmp_path / "two.onnx"
    path.write_bytes(g.build().SerializeToString())
    return path
