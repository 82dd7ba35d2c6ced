"""The converters' shared core: layout algebra, SAME padding, names, the layout table, the version."""

from __future__ import annotations

import itertools
import json
import shutil

import numpy as np
import pytest

from posekit.convert import CONVERTER_VERSION
from posekit.convert.core.layout import (
    NCHW,
    NHWC,
    LayoutTable,
    after_reduce,
    after_transpose,
    broadcast_const,
    identity,
    inverse,
    permute_pads,
    relayout,
    stored_axis,
)
from posekit.convert.core.naming import sanitize, short
from posekit.convert.core.padding import same_pads, spatial_pads

RNG = np.random.default_rng(0)
PERMS4 = list(itertools.permutations(range(4)))


def test_nchw_and_nhwc_are_inverse():
    x = RNG.normal(size=(2, 5, 7, 3))
    assert inverse(NCHW) == NHWC
    assert x.transpose(NCHW).shape == (2, 3, 5, 7)
    np.testing.assert_array_equal(x.transpose(NCHW).transpose(NHWC), x)


@pytest.mark.parametrize("src,dst", [(NCHW, identity(4)), (identity(4), NCHW), (NCHW, (0, 2, 1, 3))])
def test_relayout_moves_between_stored_layouts(src, dst):
    x = RNG.normal(size=(2, 5, 7, 3))
    np.testing.assert_array_equal(x.transpose(src).transpose(relayout(src, dst)), x.transpose(dst))


@pytest.mark.parametrize("perm", PERMS4)
def test_after_transpose_is_a_relabelling(perm):
    """Transposing a tensor stored in `perm` by t leaves the stored data; the new layout says so."""
    x = RNG.normal(size=(2, 3, 4, 5))
    for t in PERMS4[::5]:
        stored = x.transpose(perm)
        np.testing.assert_array_equal(stored, x.transpose(t).transpose(after_transpose(perm, t)))


@pytest.mark.parametrize("perm", PERMS4[::3])
@pytest.mark.parametrize("axes", [[1, 2], [3], [0, 2]])
@pytest.mark.parametrize("keep", [False, True])
def test_after_reduce_matches_numpy(perm, axes, keep):
    x = RNG.normal(size=(2, 3, 4, 5))
    stored = x.transpose(perm).sum(axis=tuple(stored_axis(perm, a) for a in axes), keepdims=keep)
    expected = x.sum(axis=tuple(axes), keepdims=keep)
    np.testing.assert_allclose(stored, expected.transpose(after_reduce(perm, axes, keep)))


def test_broadcast_const_and_pads_follow_the_layout():
    x = RNG.normal(size=(1, 4, 5, 3))
    bias = RNG.normal(size=(3,))
    np.testing.assert_allclose(x.transpose(NCHW) + broadcast_const(bias, 4, NCHW), (x + bias).transpose(NCHW))
    pads = np.asarray([[0, 0], [1, 2], [3, 4], [0, 0]])
    assert permute_pads(pads, NCHW) == [0, 0, 1, 3, 0, 0, 2, 4]
    assert permute_pads(pads, identity(4)) == [0, 1, 3, 0, 0, 2, 4, 0]


@pytest.mark.parametrize(
    "n,k,s,d", [(9, 3, 1, 1), (9, 3, 2, 1), (8, 3, 2, 1), (10, 4, 3, 1), (7, 3, 1, 2), (5, 1, 2, 1)]
)
def test_same_pads_cover_exactly_and_put_the_odd_pixel_last(n, k, s, d):
    begin, end = same_pads(n, k, s, d)
    out = -(-n // s)
    assert (n + begin + end - ((k - 1) * d + 1)) // s + 1 == out  # as many windows as TF's SAME gives
    assert end - begin in (0, 1)
    assert spatial_pads(True, (n, n), (k, k), (s, s), (d, d)) == [begin, begin, end, end]
    assert spatial_pads(False, (n, n), (k, k), (s, s), (d, d)) == [0, 0, 0, 0]


def test_names():
    assert sanitize("Identity:0") == "Identity_0"
    assert sanitize("serving/input:0") == "serving_input_0"
    assert sanitize("") == "t"
    assert short("head/out;fused;more") == "head_out"
    assert len(short("x" * 200)) == 80


def test_layout_table_transposes_once_per_layout():
    made = []

    def transpose(src: str, perm: list[int], dst: tuple[int, ...]) -> str:
        made.append((src, tuple(perm), dst))
        return f"{src}_{len(made)}"

    table = LayoutTable()
    table.put("x", "conv", NCHW)
    assert table.get("x", NCHW, transpose) == "conv"
    assert table.get("x", identity(4), transpose) == "conv_1"
    assert table.get("x", identity(4), transpose) == "conv_1"
    assert made == [("conv", NHWC, identity(4))]
    assert table.produced("x") == (NCHW, "conv")


def test_converter_version_is_defined_once():
    from posekit.convert import tfjs, tflite
    from posekit.zoo import store

    assert CONVERTER_VERSION
    for module in (tfjs, tflite):
        assert not hasattr(module, "CONVERTER_VERSION") or module.CONVERTER_VERSION is CONVERTER_VERSION
    assert store.CONVERTER_VERSION is CONVERTER_VERSION


@pytest.mark.models
def test_model_from_another_converter_version_is_rebuilt(tmp_path, monkeypatch):
    """A cached ONNX whose provenance names another converter version is converted again."""
    from posekit.zoo import cache_dir, get_record, model_path, store

    built = model_path("movenet-lightning")
    copy = tmp_path / "cache"
    shutil.copytree(cache_dir() / "sources", copy / "sources")
    (copy / "models").mkdir()
    onnx_file = copy / "models" / built.name
    meta_file = onnx_file.with_suffix(".json")
    meta = json.loads(built.with_suffix(".json").read_text())
    assert meta["sha256"] == get_record("movenet-lightning").onnx_sha256
    monkeypatch.setenv("POSEKIT_CACHE", str(copy))
    # Same recorded hash, other converter version: only the version says the file is stale.
    onnx_file.write_bytes(b"built by another converter")
    meta_file.write_text(json.dumps({**meta, "converter": "0.9"}))
    path = model_path("movenet-lightning")
    assert path == onnx_file
    assert store.sha256_file(path) == get_record("movenet-lightning").onnx_sha256
    assert json.loads(meta_file.read_text())["converter"] == CONVERTER_VERSION
