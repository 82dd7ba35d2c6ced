"""Unit tests of the TF.js graph-model → ONNX converter, one op (or op family) at a time.

Every test writes a tiny synthetic TF.js graph model (model.json + .bin) into tmp_path with
`TfjsGraph`, converts it, runs it in onnxruntime and compares with a NumPy reference.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from posekit.convert import CONVERTER_VERSION
from posekit.convert.tfjs import convert_tfjs, read_weights
from posekit.errors import ConversionError

ort = pytest.importorskip("onnxruntime")

RNG = np.random.default_rng(0)
_TF = {
    np.dtype(np.float32): "DT_FLOAT",
    np.dtype(np.int32): "DT_INT32",
    np.dtype(np.bool_): "DT_BOOL",
    np.dtype(np.int64): "DT_INT64",
}


class Type(str):
    """An attribute value that is a TF dtype (encoded as {"type": ...})."""


def _attr(v):
    if isinstance(v, Type):
        return {"type": str(v)}
    if isinstance(v, bool):
        return {"b": v}
    if isinstance(v, int):
        return {"i": str(v)}
    if isinstance(v, float):
        return {"f": v}
    if isinstance(v, str):
        return {"s": base64.b64encode(v.encode()).decode()}
    if isinstance(v, (list, tuple)):
        if all(isinstance(x, str) for x in v) and v:
            return {"list": {"s": [base64.b64encode(x.encode()).decode() for x in v]}}
        if all(isinstance(x, float) for x in v) and v:
            return {"list": {"f": list(v)}}
        return {"list": {"i": [str(int(x)) for x in v]}}
    raise TypeError(v)


class TfjsGraph:
    """Writes a minimal TF.js graph model: placeholders, consts (optionally quantised) and ops."""

    def __init__(self):
        self.nodes, self.weights, self.chunks, self.inputs = [], [], [], {}

    def placeholder(self, name, shape, dtype=np.float32):
        self.nodes.append(
            {
                "name": name,
                "op": "Placeholder",
                "attr": {
                    "dtype": {"type": _TF[np.dtype(dtype)]},
                    "shape": {"shape": {"dim": [{"size": str(d)} for d in shape]}},
                },
            }
        )
        self.inputs[name] = {
            "name": name + ":0",
            "dtype": _TF[np.dtype(dtype)],
            "tensorShape": {"dim": [{"size": str(d)} for d in shape]},
        }
        return name

    def const(self, name, value, quant: str | None = None):
        v = np.asarray(value)
        if v.dtype == np.float64:
            v = v.astype(np.float32)
        spec = {
            "name": name,
            "shape": list(v.shape),
            "dtype": {"f": "float32", "i": "int32", "b": "bool"}[v.dtype.kind],
        }
        if quant == "float16":
            self.chunks.append(v.astype("<f2").tobytes())
            spec["quantization"] = {"dtype": "float16", "original_dtype": "float32"}
        elif quant in ("uint8", "uint16"):
            levels = 255 if quant == "uint8" else 65535
            lo, hi = float(v.min()), float(v.max())
            scale = (hi - lo) / levels or 1.0
            q = np.round((v - lo) / scale).astype("u1" if quant == "uint8" else "<u2")
            self.chunks.append(q.tobytes())
            spec["quantization"] = {"dtype": quant, "scale": scale, "min": lo}
        else:
            self.chunks.append(v.astype({"f": "<f4", "i": "<i4", "b": "u1"}[v.dtype.kind]).tobytes())
        self.weights.append(spec)
        self.nodes.append(
            {"name": name, "op": "Const", "attr": {"dtype": {"type": _TF[v.dtype]}, "value": {}}}
        )
        return name

    def op(self, op, name, inputs, **attrs):
        self.nodes.append(
            {"name": name, "op": op, "input": list(inputs), "attr": {k: _attr(v) for k, v in attrs.items()}}
        )
        return name

    def save(self, folder: Path, outputs: dict[str, str], stem: str = "model") -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{stem}.bin").write_bytes(b"".join(self.chunks))
        spec = {
            "format": "graph-model",
            "generatedBy": "test",
            "convertedBy": "test",
            "signature": {"inputs": self.inputs, "outputs": {k: {"name": v} for k, v in outputs.items()}},
            "modelTopology": {"node": self.nodes, "library": {}, "versions": {}},
            "weightsManifest": [{"paths": [f"{stem}.bin"], "weights": self.weights}],
        }
        path = folder / f"{stem}.json"
        path.write_text(json.dumps(spec))
        return path


def run(path: Path, feeds: dict, model=None) -> dict:
    model = model or convert_tfjs(path)
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds)))


def convert_run(g: TfjsGraph, tmp_path: Path, outputs: dict[str, str], feeds: dict):
    path = g.save(tmp_path, outputs)
    model = convert_tfjs(path)
    return run(path, feeds, model), model


def n_ops(model, op: str) -> int:
    return sum(n.op_type == op for n in model.graph.node)


# --- NumPy references ------------------------------------------------------------------------
def same_pads(n, k, s, d=1):
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def np_conv(x, w, stride, padding, depthwise=False):
    """NHWC conv / depthwise conv (filter HWIO / HWCM), TF padding semantics."""
    kh, kw = w.shape[:2]
    if padding == "SAME":
        ph, pw = same_pads(x.shape[1], kh, stride), same_pads(x.shape[2], kw, stride)
        x = np.pad(x, [(0, 0), ph, pw, (0, 0)])
    oh = (x.shape[1] - kh) // stride + 1
    ow = (x.shape[2] - kw) // stride + 1
    if depthwise:
        out = np.zeros((x.shape[0], oh, ow, w.shape[2], w.shape[3]), np.float64)
    else:
        out = np.zeros((x.shape[0], oh, ow, w.shape[3]), np.float64)
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i : i + stride * oh : stride, j : j + stride * ow : stride, :].astype(np.float64)
            if depthwise:
                out += patch[..., None] * w[i, j]
            else:
                out += patch @ w[i, j]
    return out.reshape(out.shape[0], oh, ow, -1).astype(np.float32)


def np_pool(x, k, s, padding, kind):
    if padding == "SAME":
        ph, pw = same_pads(x.shape[1], k, s), same_pads(x.shape[2], k, s)
        fill = -np.inf if kind == "max" else np.nan
        x = np.pad(x.astype(np.float64), [(0, 0), ph, pw, (0, 0)], constant_values=fill)
    oh, ow = (x.shape[1] - k) // s + 1, (x.shape[2] - k) // s + 1
    win = np.stack([x[:, i : i + s * oh : s, j : j + s * ow : s] for i in range(k) for j in range(k)])
    return (np.max(win, 0) if kind == "max" else np.nanmean(win, 0)).astype(np.float32)


def np_resize_bilinear(x, oh, ow, align_corners, half_pixel):
    def coords(n_in, n_out):
        scale = (n_in - 1) / (n_out - 1) if align_corners and n_out > 1 else n_in / n_out
        o = np.arange(n_out, dtype=np.float64)
        src = (o + 0.5) * scale - 0.5 if half_pixel else o * scale
        lo = np.maximum(np.floor(src), 0).astype(int)
        hi = np.minimum(np.ceil(src), n_in - 1).astype(int)
        return lo, hi, src - np.floor(src)

    y0, y1, fy = coords(x.shape[1], oh)
    x0, x1, fx = coords(x.shape[2], ow)
    top = x[:, y0][:, :, x0] + (x[:, y0][:, :, x1] - x[:, y0][:, :, x0]) * fx[None, None, :, None]
    bot = x[:, y1][:, :, x0] + (x[:, y1][:, :, x1] - x[:, y1][:, :, x0]) * fx[None, None, :, None]
    return (top + (bot - top) * fy[None, :, None, None]).astype(np.float32)


def np_resize_nearest(x, oh, ow, align_corners, half_pixel):
    def idx(n_in, n_out):
        scale = (n_in - 1) / (n_out - 1) if align_corners and n_out > 1 else n_in / n_out
        o = np.arange(n_out, dtype=np.float64)
        src = (o + 0.5) * scale if half_pixel else o * scale
        i = np.floor(src + 0.5) if align_corners else np.floor(src)
        return np.minimum(i, n_in - 1).astype(int)

    return x[:, idx(x.shape[1], oh)][:, :, idx(x.shape[2], ow)]


def _conv_input(g, name="x", shape=(1, 9, 9, 4)):
    """Placeholder -> 1x1 conv, so the tensor under test is an NCHW-laid activation."""
    g.placeholder(name, shape)
    w = RNG.normal(size=(1, 1, shape[3], shape[3])).astype(np.float32)
    g.const(name + "_w", w)
    g.op(
        "Conv2D",
        name + "_c",
        [name, name + "_w"],
        strides=[1, 1, 1, 1],
        padding="VALID",
        data_format="NHWC",
        dilations=[1, 1, 1, 1],
    )
    return name + "_c", w


# --- weights -----------------------------------------------------------------------------------
@pytest.mark.parametrize("quant,tol", [(None, 0), ("float16", 2e-3), ("uint8", 1.5e-2), ("uint16", 1e-4)])
def test_weight_decoding(tmp_path, quant, tol):
    w = RNG.normal(size=(3, 5)).astype(np.float32)
    g = TfjsGraph()
    g.placeholder("x", [3, 5])
    g.const("w", w, quant)
    g.const("k", np.asarray([2, 3], np.int32))
    g.op("AddV2", "y", ["x", "w"])
    path = g.save(tmp_path, {"y": "y"})
    spec = json.loads(path.read_text())
    weights = read_weights(spec["weightsManifest"], tmp_path)
    assert weights["k"].dtype == np.int32 and weights["k"].tolist() == [2, 3]
    assert weights["w"].dtype == np.float32
    np.testing.assert_allclose(weights["w"], w, atol=tol * (w.max() - w.min()) + 1e-7)
    x = RNG.normal(size=(3, 5)).astype(np.float32)
    out = run(path, {"x": x})["y"]
    np.testing.assert_allclose(out, x + weights["w"], rtol=1e-6, atol=1e-6)


def test_uint8_quantised_conv_filter(tmp_path):
    g = TfjsGraph()
    g.placeholder("x", [1, 6, 6, 3])
    w = RNG.normal(size=(3, 3, 3, 4)).astype(np.float32)
    g.const("w", w, "uint8")
    g.op("Conv2D", "y", ["x", "w"], strides=[1, 1, 1, 1], padding="SAME", data_format="NHWC")
    path = g.save(tmp_path, {"y": "y"})
    wq = read_weights(json.loads(path.read_text())["weightsManifest"], tmp_path)["w"]
    x = RNG.normal(size=(1, 6, 6, 3)).astype(np.float32)
    np.testing.assert_allclose(run(path, {"x": x})["y"], np_conv(x, wq, 1, "SAME"), atol=1e-4)


# --- convolutions and pools -----------------------------------------------------------------------
@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("size", [7, 8])
def test_conv2d_padding_stride(tmp_path, padding, stride, size):
    g = TfjsGraph()
    g.placeholder("x", [1, size, size, 3])
    w = RNG.normal(size=(3, 3, 3, 5)).astype(np.float32)
    g.const("w", w, "float16")
    g.op(
        "Conv2D",
        "y",
        ["x", "w"],
        strides=[1, stride, stride, 1],
        padding=padding,
        data_format="NHWC",
        dilations=[1, 1, 1, 1],
    )
    x = RNG.normal(size=(1, size, size, 3)).astype(np.float32)
    out, _ = convert_run(g, tmp_path, {"y": "y"}, {"x": x})
    np.testing.assert_allclose(
        out["y"], np_conv(x, w.astype(np.float16).astype(np.float32), stride, padding), atol=1e-4
    )


@pytest.mark.parametrize("padding,stride", [("SAME", 2), ("VALID", 2), ("SAME", 1)])
def test_depthwise_conv_with_multiplier(tmp_path, padding, stride):
    g = TfjsGraph()
    g.placeholder("x", [1, 9, 9, 3])
    w = RNG.normal(size=(3, 3, 3, 2)).astype(np.float32)
    g.const("w", w)
    g.op(
        "DepthwiseConv2dNative",
        "y",
        ["x", "w"],
        strides=[1, stride, stride, 1],
        padding=padding,
        data_format="NHWC",
        dilations=[1, 1, 1, 1],
    )
    x = RNG.normal(size=(1, 9, 9, 3)).astype(np.float32)
    out, _ = convert_run(g, tmp_path, {"y": "y"}, {"x": x})
    np.testing.assert_allclose(out["y"], np_conv(x, w, stride, padding, depthwise=True), atol=1e-4)


@pytest.mark.parametrize("act", ["Relu", "Relu6", "Prelu", "LeakyRelu", None])
@pytest.mark.parametrize("depthwise", [False, True])
def test_fused_convs(tmp_path, act, depthwise):
    g = TfjsGraph()
    g.placeholder("x", [1, 8, 8, 4])
    w = RNG.normal(size=(3, 3, 4, 1 if depthwise else 6)).astype(np.float32)
    cout = 4 if depthwise else 6
    b = RNG.normal(size=(cout,)).astype(np.float32)
    alpha = RNG.uniform(0.1, 0.5, size=(cout,)).astype(np.float32)
    g.const("w", w)
    g.const("b", b)
    args = ["b"]
    if act == "Prelu":
        g.const("alpha", alpha)
        args.append("alpha")
    fused = ["BiasAdd"] + ([act] if act else [])
    op = "FusedDepthwiseConv2dNative" if depthwise else "_FusedConv2D"
    g.op(
        op,
        "y",
        ["x", "w", *args],
        strides=[1, 2, 2, 1],
        padding="SAME",
        data_format="NHWC",
        dilations=[1, 1, 1, 1],
        fused_ops=fused,
        num_args=len(args),
        leakyrelu_alpha=0.3,
    )
    x = RNG.normal(size=(1, 8, 8, 4)).astype(np.float32) * 3
    out, _ = convert_run(g, tmp_path, {"y": "y"}, {"x": x})
    ref = np_conv(x, w, 2, "SAME", depthwise) + b
    ref = {
        "Relu": lambda r: np.maximum(r, 0),
        "Relu6": lambda r: np.clip(r, 0, 6),
        "Prelu": lambda r: np.where(r > 0, r, r * alpha),
        "LeakyRelu": lambda r: np.where(r > 0, r, 0.3 * r),
        None: lambda r: r,
    }[act](ref)
    np.testing.assert_allclose(out["y"], ref, atol=1e-4)


def test_fused_matmul_and_matmul(tmp_path):
    g = TfjsGraph()
    g.placeholder("x", [2, 5])
    w = RNG.normal(size=(3, 5)).astype(np.float32)
    b = RNG.normal(size=(3,)).astype(np.float32)
    g.const("w", w)
    g.const("b", b)
    g.op(
        "_FusedMatMul",
        "y",
        ["x", "w", "b"],
        transpose_a=False,
        transpose_b=True,
        fused_ops=["BiasAdd", "Relu"],
        num_args=1,
    )
    g.op("MatMul", "z", ["y", "w"], transpose_a=False, transpose_b=False)
    x = RNG.normal(size=(2, 5)).astype(np.float32)
    out, _ = convert_run(g, tmp_path, {"y": "y", "z": "z"}, {"x": x})
    y = np.maximum(x @ w.T + b, 0)
    np.testing.assert_allclose(out["y"], y, atol=1e-5)
    np.testing.assert_allclose(out["z"], y @ w, atol=1e-5)


@pytest.mark.parametrize(
    "op,k,s,padding",
    [
        ("MaxPool", 3, 2, "SAME"),
        ("MaxPool", 2, 2, "VALID"),
        ("AvgPool", 3, 2, "SAME"),
        ("MaxPool", 5, 1, "SAME"),
        ("AvgPool", 2, 2, "VALID"),
    ],
)
def test_pools(tmp_path, op, k, s, padding):
    g = TfjsGraph()
    g.placeholder("x", [1, 9, 9, 3])
    g.op(op, "y", ["x"], ksize=[1, k, k, 1], strides=[1, s, s, 1], padding=padding, data_format="NHWC")
    x = RNG.normal(size=(1, 9, 9, 3)).astype(np.float32)
    out, _ = convert_run(g, tmp_path, {"y": "y"}, {"x": x})
    np.testing.assert_allclose(
        out["y"], np_pool(x, k, s, padding, "max" if op == "MaxPool" else "avg"), atol=1e-5
    )


# --- layout handling -----------------------------------------------------------------------------
def test_nhwc_conv_concat_reshape(tmp_path):
    """Conv → Concat(axis=3) → Reshape: channels stay last in TF order; one transpose in, one out."""
    g = TfjsGraph()
    g.placeholder("x", [-1, 6, 6, 3])
    w1 = RNG.normal(size=(3, 3, 3, 4)).astype(np.float32)
    w2 = RNG.normal(size=(1, 1, 3, 2)).astype(np.float32)
    g.const("w1", w1)
    g.const("w2", w2)
    g.op("Conv2D", "c1", ["x", "w1"], strides=[1, 1, 1, 1], padding="SAME", data_format="NHWC")
    g.op("Conv2D", "c2", ["x", "w2"], strides=[1, 1, 1, 1], padding="SAME", data_format="NHWC")
    g.op("Relu", "r", ["c1"])
    g.const("axis", np.asarray(3, np.int32))
    g.op("ConcatV2", "cat", ["r", "c2", "axis"], N=2)
    g.const("shape", np.asarray([-1, 36, 6], np.int32))
    g.op("Reshape", "y", ["cat", "shape"])
    x = RNG.normal(size=(2, 6, 6, 3)).astype(np.float32)
    out, model = convert_run(g, tmp_path, {"out:0": "y"}, {"x": x})
    ref = np.concatenate([np.maximum(np_conv(x, w1, 1, "SAME"), 0), np_conv(x, w2, 1, "SAME")], axis=3)
    np.testing.assert_allclose(out["out_0"], ref.reshape(-1, 36, 6), atol=1e-4)
    assert n_ops(model, "Transpose") == 2
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param and [d.dim_value for d in dims[1:]] == [6, 6, 3]


def test_per_channel_constants_and_reductions_stay_nchw(tmp_path):
    g = TfjsGraph()
    c, w = _conv_input(g)
    scale = RNG.normal(size=(4,)).astype(np.float32)
    bias4 = RNG.normal(size=(1, 1, 1, 4)).astype(np.float32)
    g.const("scale", scale)
    g.const("bias4", bias4)
    g.op("Mul", "m", [c, "scale"])
    g.op("AddV2", "a", ["m", "bias4"])
    g.const("hw", np.asarray([1, 2], np.int32))
    g.op("Mean", "se", ["a", "hw"], keep_dims=True)
    g.op("Sigmoid", "sg", ["se"])
    g.op("Mul", "y", ["a", "sg"])  # squeeze-excite style broadcast of [N,1,1,C]
    g.op("Sum", "pooled", ["y", "hw"], keep_dims=False)  # global pool: [N, C] in TF order
    x = RNG.normal(size=(1, 9, 9, 4)).astype(np.float32)
    out, model = convert_run(g, tmp_path, {"y": "y", "pooled": "pooled"}, {"x": x})
    a = (x @ w[0, 0]) * scale + bias4
    y = a * (1 / (1 + np.exp(-a.mean(axis=(1, 2), keepdims=True))))
    np.testing.assert_allclose(out["y"], y, atol=1e-4)
    np.testing.assert_allclose(out["pooled"], y.sum(axis=(1, 2)), atol=1e-3)
    assert n_ops(model, "Transpose") == 2  # input → NCHW, y → NHWC; pooled needs none


def test_transpose_of_nchw_input_costs_nothing(tmp_path):
    """An NCHW model input (like NanoDet's) transposed to NHWC feeds the convs without a transpose."""
    g = TfjsGraph()
    g.placeholder("x", [1, 3, 8, 8])
    g.const("p1", np.asarray([0, 2, 3, 1], np.int32))
    g.op("Transpose", "t", ["x", "p1"])
    w = RNG.normal(size=(3, 3, 3, 4)).astype(np.float32)
    g.const("w", w)
    g.op("Conv2D", "c", ["t", "w"], strides=[1, 1, 1, 1], padding="SAME", data_format="NHWC")
    g.const("p2", np.asarray([0, 3, 1, 2], np.int32))
    g.op("Transpose", "y", ["c", "p2"])
    x = RNG.normal(size=(1, 3, 8, 8)).astype(np.float32)
    out, model = convert_run(g, tmp_path, {"y": "y"}, {"x": x})
    np.testing.assert_allclose(
        out["y"], np_conv(x.transpose(0, 2, 3, 1), w, 1, "SAME").transpose(0, 3, 1, 2), atol=1e-4
    )
    assert n_ops(model, "Transpose") == 0
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["source_format"] == "tfjs-graph-model" and meta["converter_version"] == CONVERTER_VERSION


def test_split_stridedslice_pad_tile_on_nchw(tmp_path):
    g = TfjsGraph()
    c, w = _conv_input(g, shape=(1, 6, 6, 4))
    g.const("ax", np.asarray(3, np.int32))
    g.op("Split", "sp", ["ax", c], num_split=2)
    g.const("sizes", np.asarray([1, -1], np.int32))
    g.op("SplitV", "sv", [c, "sizes", "ax"], num_split=2)
    g.const("b", np.asarray([0, 1, 0, 1], np.int32))
    g.const("e", np.asarray([0, 5, 0, 3], np.int32))
    g.const("s", np.asarray([1, 2, 1, 1], np.int32))
    g.op(
        "StridedSlice",
        "ss",
        [c, "b", "e", "s"],
        begin_mask=5,
        end_mask=5,
        ellipsis_mask=0,
        new_axis_mask=0,
        shrink_axis_mask=0,
    )
    g.const("pads", np.asarray([[0, 0], [1, 2], [0, 1], [0, 0]], np.int32))
    g.op("Pad", "pd", [c, "pads"])
    g.const("cv", np.asarray(-1.5, np.float32))
    g.op("PadV2", "pd2", [c, "pads", "cv"])
    g.op("MirrorPad", "mp", [c, "pads"], mode="REFLECT")
    g.const("mult", np.asarray([1, 2, 1, 3], np.int32))
    g.op("Tile", "tl", [c, "mult"])
    outs = {
        "sp0": "sp",
        "sp1": "sp:1",
        "sv0": "sv",
        "sv1": "sv:1",
        "ss": "ss",
        "pd": "pd",
        "pd2": "pd2",
        "mp": "mp",
        "tl": "tl",
    }
    x = RNG.normal(size=(1, 6, 6, 4)).astype(np.float32)
    out, _ = convert_run(g, tmp_path, outs, {"x": x})
    a = x @ w[0, 0]
    p = [(0, 0), (1, 2), (0, 1), (0, 0)]
    ref = {
        "sp0": a[..., :2],
        "sp1": a[..., 2:],
        "sv0": a[..., :1],
        "sv1": a[..., 1:],
        "ss": a[:, 1:5:2, :, 1:3],
        "pd": np.pad(a, p),
        "pd2": np.pad(a, p, constant_values=-1.5),
        "mp": np.pad(a, p, mode="reflect"),
        "tl": np.tile(a, (1, 2, 1, 3)),
    }
    for k, v in ref.items():
        np.testing.assert_allclose(out[k], v, atol=1e-5, err_msg=k)


# --- resize / depth-to-space ---------------------------------------------------------------------
@pytest.mark.parametrize("align_corners,half_pixel", [(False, True), (True, False), (False, False)])
@pytest.mark.parametrize("size", [(10, 14), (3, 5)])
def test_resize_bilinear(tmp_path, align_corners, half_pixel, size):
    g = TfjsGraph()
    c, w = _conv_input(g, shape=(1, 5, 7, 3))
    g.const("size", np.asarray(size, np.int32))
    g.op("ResizeBilinear", "y", [c, "size"], align_corners=align_corners, half_pixel_centers=half_pixel)
    x = RNG.normal(size=(1, 5, 7, 3)).astype(np.float32)
    out, _ = convert_run(g, tmp_path, {"y": "y"}, {"x": x})
    ref = np_resize_bilinear(x @ w[0, 0], *size, align_corners, half_pixel)
    np.testing.assert_allclose(out["y"], ref, atol=1e-5)


@pytest.mark.parametrize("align_corners,half_pixel", [(False, True), (True, False), (False, False)])
def test_resize_nearest(tmp_path, align_corners, half_pixel):
    g = TfjsGraph()
    g.placeholder("x", [1, 5, 7, 2])
    g.const("size", np.asarray([11, 4], np.int32))
    g.op(
        "ResizeNearestNeighbor",
        "y",
        ["x", "size"],
        align_corners=align_corners,
        half_pixel_centers=half_pixel,
    )
    x = RNG.normal(size=(1, 5, 7, 2)).astype(np.float32)
    out, _ = convert_run(g, tmp_path, {"y": "y"}, {"x": x})
    np.testing.assert_allclose(out["y"], np_resize_nearest(x, 11, 4, align_corners, half_pixel))


def test_depth_to_space_matches_tf_channel_order(tmp_path):
    g = TfjsGraph()
    g.placeholder("x", [1, 3, 4, 8])
    g.op("DepthToSpace", "y", ["x"], block_size=2, data_format="NHWC")
    x = RNG.normal(size=(1, 3, 4, 8)).astype(np.float32)
    out, _ = convert_run(g, tmp_path, {"y": "y"}, {"x": x})
    # TF: out[b, h*bs+i, w*bs+j, c] = in[b, h, w, (i*bs + j)*C_out + c]
    ref = x.reshape(1, 3, 4, 2, 2, 2).transpose(0, 1, 3, 2, 4, 5).reshape(1, 6, 8, 2)
    np.testing.assert_allclose(out["y"], ref)


# --- element-wise ----------------------------------------------------------------------------------
BINARY = {
    "Add": np.add,
    "AddV2": np.add,
    "Sub": np.subtract,
    "Mul": np.multiply,
    "RealDiv": np.divide,
    "Maximum": np.maximum,
    "Minimum": np.minimum,
    "SquaredDifference": lambda a, b: (a - b) ** 2,
    "Pow": lambda a, b: np.power(np.abs(a), b),
    "FloorDiv": lambda a, b: np.floor(a / b),
    "FloorMod": lambda a, b: a - np.floor(a / b) * b,
}


@pytest.mark.parametrize("op", sorted(BINARY))
@pytest.mark.parametrize("nchw", [False, True])
def test_binary_float(tmp_path, op, nchw):
    g = TfjsGraph()
    if nchw:
        a, w = _conv_input(g, shape=(1, 4, 5, 3))
    else:
        a = g.placeholder("x", [1, 4, 5, 3])
    if op == "Pow":
        g.op("Abs", "aa", [a])
        a = "aa"
    bv = RNG.uniform(0.5, 2.0, size=(5, 3)).astype(np.float32)  # broadcast over N and H
    g.const("b", bv)
    g.op(op, "y", [a, "b"])
    x = RNG.normal(size=(1, 4, 5, 3)).astype(np.float32) * 3
    out, _ = convert_run(g, tmp_path, {"y": "y"}, {"x": x})
    av = x @ w[0, 0] if nchw else x
    np.testing.assert_allclose(out["y"], BINARY[op](av, bv), rtol=1e-5, atol=1e-5)


def test_integer_and_logical_ops(tmp_path):
    g = TfjsGraph()
    g.placeholder("a", [6], np.int32)
    g.placeholder("b", [6], np.int32)
    for op in ("FloorDiv", "FloorMod", "Maximum", "Minimum", "Mul", "Sub", "AddV2"):
        g.op(op, op, ["a", "b"])
    for op in ("Equal", "Greater", "GreaterEqual", "Less", "LessEqual", "NotEqual"):
        g.op(op, op, ["a", "b"])
    g.op("LogicalAnd", "and", ["Greater", "Less"])
    g.op("LogicalOr", "or", ["Greater", "Less"])
    g.op("LogicalNot", "not", ["Equal"])
    g.op("Select", "sel", ["Greater", "a", "b"])
    g.op("Cast", "castf", ["a"], SrcT=Type("DT_INT32"), DstT=Type("DT_FLOAT"), Truncate=False)
    g.op("Abs", "abs", ["a"])
    g.op("AddN", "addn", ["a", "b", "a"], N=3)
    outs = {
        k: k
        for k in (
            "FloorDiv",
            "FloorMod",
            "Maximum",
            "Minimum",
            "Mul",
            "Sub",
            "AddV2",
            "Equal",
            "Greater",
            "GreaterEqual",
            "Less",
            "LessEqual",
            "NotEqual",
            "and",
            "or",
            "not",
            "sel",
            "castf",
            "abs",
            "addn",
        )
    }
    a = np.asarray([7, -7, 7, -7, 0, 3], np.int32)
    b = np.asarray([2, 2, -2, -2, 5, 3], np.int32)
    out, _ = convert_run(g, tmp_path, outs, {"a": a, "b": b})
    ref = {
        "FloorDiv": a // b,
        "FloorMod": a % b,
        "Maximum": np.maximum(a, b),
        "Minimum": np.minimum(a, b),
        "Mul": a * b,
        "Sub": a - b,
        "AddV2": a + b,
        "Equal": a == b,
        "Greater": a > b,
        "GreaterEqual": a >= b,
        "Less": a < b,
        "LessEqual": a <= b,
        "NotEqual": a != b,
        "and": (a > b) & (a < b),
        "or": (a > b) | (a < b),
        "not": ~(a == b),
        "sel": np.where(a > b, a, b),
        "castf": a.astype(np.float32),
        "abs": np.abs(a),
        "addn": a + b + a,
    }
    for k, v in ref.items():
        assert out[k].dtype == v.dtype, k
        np.testing.assert_array_equal(out[k], v, err_msg=k)


UNARY = {
    "Relu": lambda x: np.maximum(x, 0),
    "Relu6": lambda x: np.clip(x, 0, 6),
    "Sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "Tanh": np.tanh,
    "Exp": np.exp,
    "Neg": np.negative,
    "Abs": np.abs,
    "Square": np.square,
    "Floor": np.floor,
    "Ceil": np.ceil,
    "Elu": lambda x: np.where(x > 0, x, np.exp(x) - 1),
    "Softmax": lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True),
    "LeakyRelu": lambda x: np.where(x > 0, x, 0.2 * x),
}
POSITIVE = {"Log": np.log, "Sqrt": np.sqrt, "Rsqrt": lambda x: 1 / np.sqrt(x), "Reciprocal": lambda x: 1 / x}


@pytest.mark.parametrize("op", sorted(UNARY) + sorted(POSITIVE))
@pytest.mark.parametrize("nchw", [False, True])
def test_unary(tmp_path, op, nchw):
    g = TfjsGraph()
    if nchw:
        a, w = _conv_input(g, shape=(1, 3, 4, 5))
    else:
        a = g.placeholder("x", [1, 3, 4, 5])
    if op in POSITIVE:
        g.op("Abs", "abs", [a])
        g.const("eps", np.asarray(0.1, np.float32))
        g.op("AddV2", "pos", ["abs", "eps"])
        a = "pos"
    g.op(op, "y", [a], alpha=0.2)
    x = RNG.normal(size=(1, 3, 4, 5)).astype(np.float32) * 4
    out, _ = convert_run(g, tmp_path, {"y": "y"}, {"x": x})
    av = x @ w[0, 0] if nchw else x
    if op in POSITIVE:
        av = np.abs(av) + np.float32(0.1)
    ref = {**UNARY, **POSITIVE}[op](av.astype(np.float64))
    np.testing.assert_allclose(out["y"], ref, rtol=1e-5, atol=1e-5)


def test_clip_and_prelu(tmp_path):
    g = TfjsGraph()
    c, w = _conv_input(g, shape=(1, 3, 3, 4))
    g.const("lo", np.asarray(-0.5, np.float32))
    g.const("hi", np.asarray(0.7, np.float32))
    g.op("ClipByValue", "clip", [c, "lo", "hi"])
    alpha = RNG.uniform(0, 1, size=(4,)).astype(np.float32)
    g.const("alpha", alpha)
    g.op("Prelu", "prelu", [c, "alpha"])
    x = RNG.normal(size=(1, 3, 3, 4)).astype(np.float32)
    out, _ = convert_run(g, tmp_path, {"clip": "clip", "prelu": "prelu"}, {"x": x})
    a = x @ w[0, 0]
    np.testing.assert_allclose(out["clip"], np.clip(a, -0.5, 0.7), atol=1e-6)
    np.testing.assert_allclose(out["prelu"], np.where(a > 0, a, a * alpha), atol=1e-6)


# --- reductions / arg ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "op,fn", [("Mean", np.mean), ("Sum", np.sum), ("Max", np.max), ("Min", np.min), ("Prod", np.prod)]
)
@pytest.mark.parametrize(
    "axes,keep", [([1, 2], True), ([1, 2], False), ([3], False), ([-1], True), ([0, 3], False)]
)
def test_reductions(tmp_path, op, fn, axes, keep):
    g = TfjsGraph()
    c, w = _conv_input(g, shape=(1, 3, 4, 5))
    g.const("axes", np.asarray(axes, np.int32))
    g.op(op, "y", [c, "axes"], keep_dims=keep)
    x = RNG.uniform(0.5, 1.5, size=(1, 3, 4, 5)).astype(np.float32)
    out, _ = convert_run(g, tmp_path, {"y": "y"}, {"x": x})
    ref = fn((x @ w[0, 0]).astype(np.float64), axis=tuple(axes), keepdims=keep)
    np.testing.assert_allclose(out["y"], ref, rtol=1e-4, atol=1e-5)


def test_argmax_topk(tmp_path):
    g = TfjsGraph()
    g.placeholder("x", [2, 7])
    g.const("ax", np.asarray(-1, np.int32))
    g.op("ArgMax", "am", ["x", "ax"], output_type=Type("DT_INT32"))
    g.const("k", np.asarray(3, np.int32))
    g.op("TopKV2", "tk", ["x", "k"], sorted=True)
    x = RNG.normal(size=(2, 7)).astype(np.float32)
    out, _ = convert_run(g, tmp_path, {"am": "am", "v": "tk", "i": "tk:1"}, {"x": x})
    assert out["am"].dtype == np.int32 and out["i"].dtype == np.int32
    np.testing.assert_array_equal(out["am"], x.argmax(-1))
    idx = np.argsort(-x, axis=-1, kind="stable")[:, :3]
    np.testing.assert_array_equal(out["i"], idx)
    np.testing.assert_allclose(out["v"], np.take_along_axis(x, idx, -1))


# --- shape manipulation -----------------------------------------------------------------------------
def test_shape_ops_static_and_dynamic_batch(tmp_path):
    g = TfjsGraph()
    g.placeholder("x", [-1, 4, 6, 2])
    w = RNG.normal(size=(1, 1, 2, 2)).astype(np.float32)
    g.const("w", w)
    g.op("Conv2D", "c", ["x", "w"], strides=[1, 1, 1, 1], padding="VALID", data_format="NHWC")
    g.op("Shape", "shp", ["c"], out_type=Type("DT_INT32"))
    g.const("b0", np.asarray([0], np.int32))
    g.const("b1", np.asarray([1], np.int32))
    g.const("s1", np.asarray([1], np.int32))
    g.op("StridedSlice", "n", ["shp", "b0", "b1", "s1"], shrink_axis_mask=1)
    g.const("m1", np.asarray(-1, np.int32))
    g.const("two", np.asarray(2, np.int32))
    g.op("Pack", "newshape", ["n", "m1", "two"], axis=0, N=3)
    g.op("Reshape", "y", ["c", "newshape"])
    g.op("Size", "size", ["c"], out_type=Type("DT_INT32"))
    x = RNG.normal(size=(3, 4, 6, 2)).astype(np.float32)
    out, model = convert_run(g, tmp_path, {"y": "y", "shp": "shp", "size": "size"}, {"x": x})
    a = x @ w[0, 0]
    np.testing.assert_allclose(out["y"], a.reshape(3, -1, 2), atol=1e-6)
    np.testing.assert_array_equal(out["shp"], [3, 4, 6, 2])
    assert out["shp"].dtype == np.int32 and out["size"] == a.size
    # static shape folds to a constant
    g2 = TfjsGraph()
    g2.placeholder("x", [1, 4, 6, 2])
    g2.op("Shape", "shp", ["x"], out_type=Type("DT_INT32"))
    path = g2.save(tmp_path / "static", {"shp": "shp"})
    model2 = convert_tfjs(path)
    assert n_ops(model2, "Shape") == 0
    np.testing.assert_array_equal(
        run(path, {"x": np.zeros((1, 4, 6, 2), np.float32)}, model2)["shp"], [1, 4, 6, 2]
    )


def test_strided_slice_masks(tmp_path):
    g = TfjsGraph()
    g.placeholder("x", [4, 5, 6])
    specs = {
        # name: (begin, end, strides, masks, numpy slice)
        "shrink": ([1, 0], [2, 0], [1, 1], dict(shrink_axis_mask=1, end_mask=2), lambda a: a[1, :]),
        "newaxis": (
            [0, 0, 1],
            [0, 0, 3],
            [1, 1, 1],
            dict(begin_mask=3, end_mask=3, new_axis_mask=2),
            lambda a: a[:, None, 1:3],
        ),
        "ellipsis": (
            [0, -1],
            [0, 0],
            [1, 1],
            dict(ellipsis_mask=1, shrink_axis_mask=2),
            lambda a: a[..., -1],
        ),
        "neg_stride": ([-1, 4], [0, 0], [-1, -2], dict(end_mask=3), lambda a: a[::-1, 4::-2]),
        "new_end": ([0, 0], [0, 0], [1, 1], dict(ellipsis_mask=1, new_axis_mask=2), lambda a: a[..., None]),
    }
    for name, (b, e, s, masks, _) in specs.items():
        for part, v in (("b", b), ("e", e), ("s", s)):
            g.const(f"{name}_{part}", np.asarray(v, np.int32))
        full = dict(begin_mask=0, end_mask=0, ellipsis_mask=0, new_axis_mask=0, shrink_axis_mask=0)
        full.update(masks)
        g.op("StridedSlice", name, ["x", f"{name}_b", f"{name}_e", f"{name}_s"], **full)
    g.const("sb", np.asarray([1, 0, 2], np.int32))
    g.const("sz", np.asarray([2, -1, 3], np.int32))
    g.op("Slice", "slice", ["x", "sb", "sz"])
    x = RNG.normal(size=(4, 5, 6)).astype(np.float32)
    out, _ = convert_run(g, tmp_path, {**{k: k for k in specs}, "slice": "slice"}, {"x": x})
    for name, spec in specs.items():
        np.testing.assert_array_equal(out[name], spec[4](x), err_msg=name)
    np.testing.assert_array_equal(out["slice"], x[1:3, :, 2:5])


def test_pack_unpack_expand_squeeze_transpose(tmp_path):
    g = TfjsGraph()
    g.placeholder("x", [2, 3, 4])
    g.op("Unpack", "u", ["x"], axis=1, num=3)
    g.op("Pack", "p", ["u:2", "u:0"], axis=-1, N=2)
    g.const("ax", np.asarray(-1, np.int32))
    g.op("ExpandDims", "e", ["x", "ax"])
    g.op("Squeeze", "s", ["e"], squeeze_dims=[-1])
    g.op("Squeeze", "s_all", ["e"])
    g.const("perm", np.asarray([2, 0, 1], np.int32))
    g.op("Transpose", "t", ["x", "perm"])
    g.op("Identity", "i", ["t"])
    x = RNG.normal(size=(2, 3, 4)).astype(np.float32)
    outs = {"u1": "u:1", "p": "p", "e": "e", "s": "s", "s_all": "s_all", "t": "i"}
    out, _ = convert_run(g, tmp_path, outs, {"x": x})
    np.testing.assert_array_equal(out["u1"], x[:, 1])
    np.testing.assert_array_equal(out["p"], np.stack([x[:, 2], x[:, 0]], axis=-1))
    np.testing.assert_array_equal(out["e"], x[..., None])
    np.testing.assert_array_equal(out["s"], x)
    np.testing.assert_array_equal(out["s_all"], x)
    np.testing.assert_array_equal(out["t"], x.transpose(2, 0, 1))


def test_fill_range_tile_gather_sparse(tmp_path):
    g = TfjsGraph()
    g.placeholder("n", [], np.int32)
    g.placeholder("x", [5, 3])
    g.const("zero", np.asarray(0, np.int32))
    g.const("one", np.asarray(1, np.int32))
    g.op("Range", "r", ["zero", "n", "one"])
    g.op("Size", "sz", ["r"], out_type=Type("DT_INT32"))
    g.const("two", np.asarray(2, np.int32))
    g.op("Pack", "dims", ["two", "sz"], axis=0, N=2)
    g.const("val", np.asarray(1.5, np.float32))
    g.op("Fill", "f", ["dims", "val"], index_type=Type("DT_INT32"))
    g.const("mult", np.asarray([2, 1], np.int32))
    g.op("Tile", "tile", ["x", "mult"])
    g.const("idx", np.asarray([4, 0, 2], np.int32))
    g.const("ax", np.asarray(0, np.int32))
    g.op("GatherV2", "gv", ["x", "idx", "ax"], batch_dims=0)
    g.const("ndidx", np.asarray([[1, 2], [4, 0]], np.int32))
    g.op("GatherNd", "gnd", ["x", "ndidx"])
    g.const("si", np.asarray([[0, 1], [2, 2]], np.int32))
    g.const("sshape", np.asarray([3, 4], np.int32))
    g.const("sv", np.asarray([5.0, 6.0], np.float32))
    g.const("sdef", np.asarray(-1.0, np.float32))
    g.op("SparseToDense", "std", ["si", "sshape", "sv", "sdef"], validate_indices=True)
    x = RNG.normal(size=(5, 3)).astype(np.float32)
    outs = {k: k for k in ("r", "f", "tile", "gv", "gnd", "std")}
    out, _ = convert_run(g, tmp_path, outs, {"n": np.asarray(4, np.int32), "x": x})
    np.testing.assert_array_equal(out["r"], np.arange(4))
    np.testing.assert_array_equal(out["f"], np.full((2, 4), 1.5, np.float32))
    np.testing.assert_array_equal(out["tile"], np.tile(x, (2, 1)))
    np.testing.assert_array_equal(out["gv"], x[[4, 0, 2]])
    np.testing.assert_array_equal(out["gnd"], [x[1, 2], x[4, 0]])
    std = np.full((3, 4), -1.0, np.float32)
    std[0, 1], std[2, 2] = 5, 6
    np.testing.assert_array_equal(out["std"], std)


# --- interface, errors, determinism ----------------------------------------------------------------
def test_interface_names_dtypes_and_metadata(tmp_path):
    g = TfjsGraph()
    g.placeholder("image/in", [1, -1, -1, 3], np.int32)
    g.op("Cast", "f", ["image/in"], SrcT=Type("DT_INT32"), DstT=Type("DT_FLOAT"))
    g.const("size", np.asarray([4, 4], np.int32))
    g.op("ResizeBilinear", "r", ["f", "size"], align_corners=False, half_pixel_centers=True)
    g.op("Identity", "Identity", ["r"])
    path = g.save(tmp_path, {"Identity:0": "Identity", "out/heat-map": "r"})
    model = convert_tfjs(path)
    (inp,) = model.graph.input
    assert inp.name == "image_in" and inp.type.tensor_type.elem_type == 6  # int32
    dims = inp.type.tensor_type.shape.dim
    assert dims[0].dim_value == 1 and dims[1].dim_param and dims[2].dim_param and dims[3].dim_value == 3
    assert [o.name for o in model.graph.output] == ["Identity_0", "out_heat_map"]
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["source_format"] == "tfjs-graph-model" and meta["converter_version"]
    x = RNG.integers(0, 255, size=(1, 6, 10, 3)).astype(np.int32)
    out = run(path, {"image_in": x}, model)
    np.testing.assert_allclose(
        out["Identity_0"], np_resize_bilinear(x.astype(np.float32), 4, 4, False, True), atol=1e-4
    )


def test_unsupported_op_names_op_and_node(tmp_path):
    g = TfjsGraph()
    g.placeholder("x", [2, 2])
    g.op("FancyNewOp", "my/fancy", ["x"])
    path = g.save(tmp_path, {"y": "my/fancy"})
    with pytest.raises(ConversionError, match=r"FancyNewOp.*my/fancy"):
        convert_tfjs(path)


def test_missing_weight_shard(tmp_path):
    g = TfjsGraph()
    g.placeholder("x", [2])
    g.const("w", np.ones(2, np.float32))
    g.op("AddV2", "y", ["x", "w"])
    path = g.save(tmp_path, {"y": "y"})
    (tmp_path / "model.bin").unlink()
    with pytest.raises(ConversionError, match="model.bin"):
        convert_tfjs(path)


def test_conversion_is_deterministic(tmp_path):
    g = TfjsGraph()
    c, _ = _conv_input(g, shape=(-1, 8, 8, 3))
    g.const("size", np.asarray([16, 16], np.int32))
    g.op("ResizeBilinear", "r", [c, "size"], align_corners=False, half_pixel_centers=True)
    g.const("axes", np.asarray([1, 2], np.int32))
    g.op("Mean", "m", ["r", "axes"], keep_dims=False)
    path = g.save(tmp_path, {"r": "r", "m": "m"})
    digests = {hashlib.sha256(convert_tfjs(path).SerializeToString()).hexdigest() for _ in range(3)}
    assert len(digests) == 1
