"""The package layout is the architecture (docs/architecture.md): imports point one way, modules stay small,
and the light entry points stay light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "posekit"

# Lower layers never import higher ones. Same-layer imports are allowed between different packages only
# where listed in SAME_LAYER_OK, so that a cycle cannot creep in unnoticed.
LAYERS: dict[str, int] = {
    "errors": 0,
    "layouts": 1,
    "ops": 2,
    "runtime": 2,
    "results": 3,
    "io": 4,
    "convert": 4,
    "smooth": 4,
    "decode": 4,
    "zoo": 5,
    "draw": 5,
    "pipeline": 6,
    "track": 6,
    "video": 7,
    "estimator": 8,
    "eval": 9,
    "threed": 9,
    "analysis": 9,
    "export": 9,
    "batch": 10,
    "serve": 10,
    "cli": 11,
    "__init__": 12,
    "__main__": 12,
}
SAME_LAYER_OK = {
    ("export", "threed"),
    ("threed", "export"),
    ("analysis", "export"),
    ("eval", "threed"),
    ("threed", "eval"),
    ("export", "analysis"),
}
MAX_LINES = 400


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py"))


def _package_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def _imported_packages(path: Path) -> set[str]:
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for block in ast.walk(tree):  # annotations-only imports (`if TYPE_CHECKING:`) do not count
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test):
            block.body = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "posekit" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_every_package_has_a_layer():
    packages = {_package_of(p) for p in _modules()}
    assert packages <= set(LAYERS), (
        f"place these in LAYERS and docs/architecture.md: {packages - set(LAYERS)}"
    )


def test_imports_point_downwards():
    bad = []
    for path in _modules():
        here = _package_of(path)
        for target in _imported_packages(path) - {here}:
            if target not in LAYERS:
                continue
            up = LAYERS[target] > LAYERS[here]
            sideways = LAYERS[target] == LAYERS[here] and (here, target) not in SAME_LAYER_OK
            if up or sideways:
                bad.append(f"{path.relative_to(PACKAGE.parent)} ({here}) imports posekit.{target}")
    assert not bad, "imports against the layering:\n" + "\n".join(bad)


def test_modules_stay_small():
    big = [
        f"{p.relative_to(PACKAGE.parent)}: {n} lines"
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert not big, "split these modules:\n" + "\n".join(big)


@pytest.mark.parametrize("module", ["posekit", "posekit.zoo", "posekit.errors", "posekit.layouts"])
def test_light_imports_do_not_load_opencv_or_pil(module):
    code = (
        f"import sys, {module}; heavy = [m for m in ('cv2', 'PIL', 'av', 'onnxruntime') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"import {module} loaded {out}"
