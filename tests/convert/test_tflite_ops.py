"""TFLite → ONNX, one op family at a time, against NumPy references.

Tiny .tflite flatbuffers are written here with the `tflite` schema builders, converted with
`convert_tflite` and run in onnxruntime; the result must equal a NumPy implementation of the TFLite
semantics. Where LiteRT is installed, it runs the same flatbuffer as a second opinion.
"""

from __future__ import annotations

import importlib
import math

import flatbuffers
import numpy as np
import onnxruntime as ort
import pytest
import tflite

from posekit.convert import CONVERTER_VERSION
from posekit.convert.tflite import convert_tflite, densify, dequantize
from posekit.errors import ConversionError

try:
    from ai_edge_litert.interpreter import Interpreter
except ImportError:  # LiteRT is optional here: NumPy references are the ground truth
    Interpreter = None

RNG = np.random.default_rng(1234)
_TYPES = {np.float32: 0, np.float16: 1, np.int32: 2, np.uint8: 3, np.int64: 4, np.int8: 9}
_OPCODES = {v: k for k, v in tflite.utils.BUILTIN_OPCODE2NAME.items()}


# ------------------------------------------------------------------------------------------------
# A minimal TFLite flatbuffer writer
# ------------------------------------------------------------------------------------------------
class TFLiteModel:
    def __init__(self):
        self.tensors, self.buffers, self.ops, self.codes = [], [b""], [], []
        self.inputs, self.outputs = [], []

    def tensor(self, name, shape, dtype=np.float32, data=None, quant=None, sparsity=None):
        """quant: (scale list, zero_point list, axis); sparsity: (traversal, block_map, dim metas)."""
        buf = 0
        if data is not None:
            self.buffers.append(np.ascontiguousarray(data, dtype=dtype).tobytes())
            buf = len(self.buffers) - 1
        self.tensors.append((name, list(shape), _TYPES[np.dtype(dtype).type], buf, quant, sparsity))
        return len(self.tensors) - 1

    def const(self, name, value, dtype=np.float32, **kw):
        value = np.asarray(value, dtype=dtype)
        return self.tensor(name, value.shape, dtype, data=value, **kw)

    def input(self, name, shape):
        self.inputs.append(self.tensor(name, shape))
        return self.inputs[-1]

    def op(self, name, inputs, out_shape, options=None, out_name=None, **opts):
        if name in ("CONV_2D", "DEPTHWISE_CONV_2D") and inputs[2] == -1:  # LiteRT insists on a bias
            inputs = [*inputs[:2], self.const(f"zero_bias_{len(self.ops)}", np.zeros(out_shape[-1]))]
        out = self.tensor(out_name or f"{name.lower()}_{len(self.ops)}", out_shape)
        if name not in self.codes:
            self.codes.append(name)
        self.ops.append((self.codes.index(name), list(inputs), [out], options, opts))
        return out

    def serialize(self) -> bytes:
        b = flatbuffers.Builder(1024)

        def ivec(start, values, prepend="PrependInt32"):
            start(b, len(values))
            for v in reversed(values):
                getattr(b, prepend)(int(v))
            return b.EndVector()

        def fvec(start, values):
            start(b, len(values))
            for v in reversed(values):
                b.PrependFloat32(float(v))
            return b.EndVector()

        def tables(start, offsets):
            start(b, len(offsets))
            for o in reversed(offsets):
                b.PrependUOffsetTRelative(o)
            return b.EndVector()

        def index_vector(values):
            values = np.asarray(values)
            kind = {np.int32: "Int32Vector", np.uint16: "Uint16Vector", np.uint8: "Uint8Vector"}[
                values.dtype.type
            ]
            mod = importlib.import_module(f"tflite.{kind}")
            prep = {
                "Int32Vector": "PrependInt32",
                "Uint16Vector": "PrependUint16",
                "Uint8Vector": "PrependUint8",
            }[kind]
            vec = ivec(mod.StartValuesVector, values.tolist(), prep)
            mod.Start(b)
            mod.AddValues(b, vec)
            return getattr(tflite.SparseIndexVector, kind), mod.End(b)

        buffers = []
        for data in self.buffers:
            vec = None
            if data:
                b.StartVector(1, len(data), 16)
                b.head -= len(data)
                b.Bytes[b.head : b.head + len(data)] = data
                vec = b.EndVector()
            tflite.BufferStart(b)
            if vec is not None:
                tflite.BufferAddData(b, vec)
            buffers.append(tflite.BufferEnd(b))

        tensors = []
        for name, shape, ttype, buf, quant, sparsity in self.tensors:
            name_off = b.CreateString(name)
            shape_off = ivec(tflite.TensorStartShapeVector, shape)
            q_off = sp_off = None
            if quant is not None:
                scale, zp, axis = quant
                s_off = fvec(tflite.QuantizationParametersStartScaleVector, scale)
                z_off = ivec(tflite.QuantizationParametersStartZeroPointVector, zp, "PrependInt64")
                tflite.QuantizationParametersStart(b)
                tflite.QuantizationParametersAddScale(b, s_off)
                tflite.QuantizationParametersAddZeroPoint(b, z_off)
                tflite.QuantizationParametersAddQuantizedDimension(b, axis)
                q_off = tflite.QuantizationParametersEnd(b)
            if sparsity is not None:
                order, block_map, metas = sparsity
                dims = []
                for fmt, dense_size, segs, inds in metas:
                    seg = ind = None
                    if fmt == 1:
                        seg, ind = index_vector(segs), index_vector(inds)
                    tflite.DimensionMetadataStart(b)
                    tflite.DimensionMetadataAddFormat(b, fmt)
                    tflite.DimensionMetadataAddDenseSize(b, dense_size)
                    if seg is not None:
                        tflite.DimensionMetadataAddArraySegmentsType(b, seg[0])
                        tflite.DimensionMetadataAddArraySegments(b, seg[1])
                        tflite.DimensionMetadataAddArrayIndicesType(b, ind[0])
                        tflite.DimensionMetadataAddArrayIndices(b, ind[1])
                    dims.append(tflite.DimensionMetadataEnd(b))
                o_off = ivec(tflite.SparsityParametersStartTraversalOrderVector, order)
                bm_off = ivec(tflite.SparsityParametersStartBlockMapVector, block_map) if block_map else None
                d_off = tables(tflite.SparsityParametersStartDimMetadataVector, dims)
                tflite.SparsityParametersStart(b)
                tflite.SparsityParametersAddTraversalOrder(b, o_off)
                if bm_off is not None:
                    tflite.SparsityParametersAddBlockMap(b, bm_off)
                tflite.SparsityParametersAddDimMetadata(b, d_off)
                sp_off = tflite.SparsityParametersEnd(b)
            tflite.TensorStart(b)
            tflite.TensorAddShape(b, shape_off)
            tflite.TensorAddType(b, ttype)
            tflite.TensorAddBuffer(b, buf)
            tflite.TensorAddName(b, name_off)
            if q_off is not None:
                tflite.TensorAddQuantization(b, q_off)
            if sp_off is not None:
                tflite.TensorAddSparsity(b, sp_off)
            tensors.append(tflite.TensorEnd(b))

        ops = []
        for code, ins, outs, options, opts in self.ops:
            opt = None
            if options is not None:
                vectors = {
                    k: ivec(getattr(tflite, f"{options}Start{k}Vector"), v)
                    for k, v in opts.items()
                    if isinstance(v, (list, tuple))
                }
                getattr(tflite, f"{options}Start")(b)
                for k, v in opts.items():
                    getattr(tflite, f"{options}Add{k}")(b, vectors.get(k, v))
                opt = getattr(tflite, f"{options}End")(b)
            in_off = ivec(tflite.OperatorStartInputsVector, ins)
            out_off = ivec(tflite.OperatorStartOutputsVector, outs)
            tflite.OperatorStart(b)
            tflite.OperatorAddOpcodeIndex(b, code)
            tflite.OperatorAddInputs(b, in_off)
            tflite.OperatorAddOutputs(b, out_off)
            if opt is not None:
                tflite.OperatorAddBuiltinOptionsType(b, getattr(tflite.BuiltinOptions, options))
                tflite.OperatorAddBuiltinOptions(b, opt)
            ops.append(tflite.OperatorEnd(b))

        t_off = tables(tflite.SubGraphStartTensorsVector, tensors)
        i_off = ivec(tflite.SubGraphStartInputsVector, self.inputs)
        o_off = ivec(tflite.SubGraphStartOutputsVector, self.outputs)
        op_off = tables(tflite.SubGraphStartOperatorsVector, ops)
        name = b.CreateString("main")
        tflite.SubGraphStart(b)
        tflite.SubGraphAddTensors(b, t_off)
        tflite.SubGraphAddInputs(b, i_off)
        tflite.SubGraphAddOutputs(b, o_off)
        tflite.SubGraphAddOperators(b, op_off)
        tflite.SubGraphAddName(b, name)
        sg = tflite.SubGraphEnd(b)

        codes = []
        for opname in self.codes:
            code = _OPCODES[opname]
            tflite.OperatorCodeStart(b)
            tflite.OperatorCodeAddDeprecatedBuiltinCode(b, min(code, 127))
            tflite.OperatorCodeAddBuiltinCode(b, code)
            tflite.OperatorCodeAddVersion(b, 1)
            codes.append(tflite.OperatorCodeEnd(b))
        c_off = tables(tflite.ModelStartOperatorCodesVector, codes)
        s_off = tables(tflite.ModelStartSubgraphsVector, [sg])
        b_off = tables(tflite.ModelStartBuffersVector, buffers)
        desc = b.CreateString("posekit test")
        tflite.ModelStart(b)
        tflite.ModelAddVersion(b, 3)
        tflite.ModelAddOperatorCodes(b, c_off)
        tflite.ModelAddSubgraphs(b, s_off)
        tflite.ModelAddDescription(b, desc)
        tflite.ModelAddBuffers(b, b_off)
        b.Finish(tflite.ModelEnd(b), file_identifier=b"TFL3")
        return bytes(b.Output())


def run(model: TFLiteModel, feeds: list[np.ndarray], tmp_path, litert: bool = True):
    """Convert and run in onnxruntime; also check LiteRT agrees (when installed). Returns outputs."""
    path = tmp_path / "m.tflite"
    path.write_bytes(model.serialize())
    onnx_model = convert_tflite(path)
    sess = ort.InferenceSession(onnx_model.SerializeToString(), providers=["CPUExecutionProvider"])
    ours = sess.run(None, {i.name: x for i, x in zip(sess.get_inputs(), feeds)})
    if litert and Interpreter is not None:
        interp = Interpreter(model_path=str(path))
        interp.allocate_tensors()
        for d, x in zip(interp.get_input_details(), feeds):
            interp.set_tensor(d["index"], x)
        interp.invoke()
        for d, got in zip(interp.get_output_details(), ours):
            want = interp.get_tensor(d["index"])
            np.testing.assert_allclose(
                got, want, rtol=1e-4, atol=1e-4, err_msg=f"LiteRT disagrees on {d['name']}"
            )
    return ours


def rand(*shape, lo=-1.0, hi=1.0):
    return RNG.uniform(lo, hi, shape).astype(np.float32)


# ------------------------------------------------------------------------------------------------
# NumPy references (TFLite semantics, NHWC)
# ------------------------------------------------------------------------------------------------
def same_pads(n, k, s, d=1):
    out = math.ceil(n / s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return out, total // 2, total - total // 2


def ref_conv(x, w, b, stride, dil=(1, 1), padding="SAME", depthwise_mult=None):
    """x [N,H,W,C]; w [O,KH,KW,I] (or [1,KH,KW,C*M] for depthwise)."""
    n, h, wd, c = x.shape
    kh, kw = w.shape[1:3]
    if padding == "SAME":
        oh, pt, pb = same_pads(h, kh, stride[0], dil[0])
        ow, pl, pr = same_pads(wd, kw, stride[1], dil[1])
    else:
        pt = pb = pl = pr = 0
        oh = (h - (kh - 1) * dil[0] - 1) // stride[0] + 1
        ow = (wd - (kw - 1) * dil[1] - 1) // stride[1] + 1
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0))).astype(np.float64)
    out_c = w.shape[3] if depthwise_mult else w.shape[0]
    y = np.zeros((n, oh, ow, out_c))
    for i in range(kh):
        for j in range(kw):
            patch = xp[
                :,
                i * dil[0] : i * dil[0] + (oh - 1) * stride[0] + 1 : stride[0],
                j * dil[1] : j * dil[1] + (ow - 1) * stride[1] + 1 : stride[1],
                :,
            ]
            if depthwise_mult:
                y += np.repeat(patch, depthwise_mult, axis=3) * w[0, i, j, :]
            else:
                y += patch @ w[:, i, j, :].T
    return (y + (0 if b is None else b)).astype(np.float32)


def ref_pool(x, k, s, kind):
    n, h, w, c = x.shape
    oh, pt, _ = same_pads(h, k, s)
    ow, pl, _ = same_pads(w, k, s)
    y = np.zeros((n, oh, ow, c), np.float32)
    for i in range(oh):
        for j in range(ow):
            h0, w0 = i * s - pt, j * s - pl
            win = x[:, max(h0, 0) : h0 + k, max(w0, 0) : w0 + k, :]
            y[:, i, j] = win.max(axis=(1, 2)) if kind == "max" else win.mean(axis=(1, 2))
    return y


def ref_resize_bilinear(x, oh, ow, align, half):
    n, h, w, c = x.shape

    def coords(o, i):
        scale = (i - 1) / (o - 1) if align and o > 1 else i / o
        src = (np.arange(o) + 0.5) * scale - 0.5 if half else np.arange(o) * scale
        lo = np.floor(src).astype(int)
        frac = src - lo
        return np.clip(lo, 0, i - 1), np.clip(lo + 1, 0, i - 1), frac

    y0, y1, fy = coords(oh, h)
    x0, x1, fx = coords(ow, w)
    top = x[:, y0][:, :, x0] * (1 - fx)[None, None, :, None] + x[:, y0][:, :, x1] * fx[None, None, :, None]
    bot = x[:, y1][:, :, x0] * (1 - fx)[None, None, :, None] + x[:, y1][:, :, x1] * fx[None, None, :, None]
    return (top * (1 - fy)[None, :, None, None] + bot * fy[None, :, None, None]).astype(np.float32)


def ref_resize_nearest(x, oh, ow, align, half):
    n, h, w, c = x.shape

    def idx(o, i):
        scale = (i - 1) / (o - 1) if align and o > 1 else i / o
        src = (np.arange(o) + (0.5 if half else 0.0)) * scale
        k = np.floor(src + 0.5) if align else np.floor(src)  # round half away from zero (src >= 0)
        return np.clip(k.astype(int), 0, i - 1)

    return x[:, idx(oh, h)][:, :, idx(ow, w)]


def ref_depth_to_space(x, bs):
    n, h, w, c = x.shape
    return (
        x.reshape(n, h, w, bs, bs, c // bs**2)
        .transpose(0, 1, 3, 2, 4, 5)
        .reshape(n, h * bs, w * bs, c // bs**2)
    )


# ------------------------------------------------------------------------------------------------
# Convolutions
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stride,padding,dil,act", [(2, "SAME", 1, 3), (1, "VALID", 2, 0), (1, "SAME", 1, 1)])
def test_conv2d(tmp_path, stride, padding, dil, act):
    x = rand(1, 7, 9, 3)
    w, bias = rand(4, 3, 3, 3), rand(4)
    ref = ref_conv(x, w, bias, (stride, stride), (dil, dil), padding)
    ref = {0: ref, 1: np.maximum(ref, 0), 3: np.clip(ref, 0, 6)}[act]
    m = TFLiteModel()
    xi = m.input("x", x.shape)
    y = m.op(
        "CONV_2D",
        [xi, m.const("w", w), m.const("b", bias)],
        ref.shape,
        "Conv2DOptions",
        Padding=0 if padding == "SAME" else 1,
        StrideW=stride,
        StrideH=stride,
        DilationWFactor=dil,
        DilationHFactor=dil,
        FusedActivationFunction=act,
    )
    m.outputs = [y]
    (got,) = run(m, [x], tmp_path)
    np.testing.assert_allclose(got, ref, atol=1e-5)


@pytest.mark.parametrize("mult", [1, 2])
def test_depthwise_conv2d_depth_multiplier(tmp_path, mult):
    x = rand(1, 8, 6, 3)
    w, bias = rand(1, 3, 3, 3 * mult), rand(3 * mult)
    ref = np.maximum(ref_conv(x, w, bias, (2, 2), depthwise_mult=mult), 0)
    m = TFLiteModel()
    y = m.op(
        "DEPTHWISE_CONV_2D",
        [m.input("x", x.shape), m.const("w", w), m.const("b", bias)],
        ref.shape,
        "DepthwiseConv2DOptions",
        Padding=0,
        StrideW=2,
        StrideH=2,
        DepthMultiplier=mult,
        FusedActivationFunction=1,
        DilationWFactor=1,
        DilationHFactor=1,
    )
    m.outputs = [y]
    (got,) = run(m, [x], tmp_path)
    np.testing.assert_allclose(got, ref, atol=1e-5)


# ------------------------------------------------------------------------------------------------
# Pooling, padding, resizing, depth/space
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("op,kind", [("MAX_POOL_2D", "max"), ("AVERAGE_POOL_2D", "avg")])
def test_pool_same(tmp_path, op, kind):
    x = rand(1, 7, 8, 5)
    ref = ref_pool(x, 3, 2, kind)
    m = TFLiteModel()
    y = m.op(
        op,
        [m.input("x", x.shape)],
        ref.shape,
        "Pool2DOptions",
        Padding=0,
        StrideW=2,
        StrideH=2,
        FilterWidth=3,
        FilterHeight=3,
    )
    m.outputs = [y]
    (got,) = run(m, [x], tmp_path)
    np.testing.assert_allclose(got, ref, atol=1e-6)


def test_pad_and_padv2(tmp_path):
    x = rand(1, 4, 5, 3)
    pads = np.array([[0, 0], [1, 2], [0, 3], [1, 0]], np.int32)
    m = TFLiteModel()
    xi = m.input("x", x.shape)
    p1 = m.op("PAD", [xi, m.const("p", pads, np.int32)], (1, 7, 8, 4))
    p2 = m.op("PADV2", [xi, m.const("p2", pads, np.int32), m.const("v", np.float32(-2.5))], (1, 7, 8, 4))
    m.outputs = [p1, p2]
    got1, got2 = run(m, [x], tmp_path)
    np.testing.assert_array_equal(got1, np.pad(x, pads))
    np.testing.assert_array_equal(got2, np.pad(x, pads, constant_values=-2.5))


@pytest.mark.parametrize("align,half", [(False, False), (True, False), (False, True)])
@pytest.mark.parametrize("kind", ["bilinear", "nearest"])
def test_resize(tmp_path, kind, align, half):
    x = rand(1, 5, 7, 2)
    size = (8, 12)
    ref = (ref_resize_bilinear if kind == "bilinear" else ref_resize_nearest)(x, *size, align, half)
    m = TFLiteModel()
    op = "RESIZE_BILINEAR" if kind == "bilinear" else "RESIZE_NEAREST_NEIGHBOR"
    opts = "ResizeBilinearOptions" if kind == "bilinear" else "ResizeNearestNeighborOptions"
    y = m.op(
        op,
        [m.input("x", x.shape), m.const("size", size, np.int32)],
        ref.shape,
        opts,
        AlignCorners=align,
        HalfPixelCenters=half,
    )
    m.outputs = [y]
    (got,) = run(m, [x], tmp_path)
    np.testing.assert_allclose(got, ref, atol=1e-5)


def test_depth_to_space_and_space_to_depth(tmp_path):
    x = rand(1, 3, 4, 8)
    ref = ref_depth_to_space(x, 2)
    m = TFLiteModel()
    d = m.op("DEPTH_TO_SPACE", [m.input("x", x.shape)], ref.shape, "DepthToSpaceOptions", BlockSize=2)
    s = m.op("SPACE_TO_DEPTH", [d], x.shape, "SpaceToDepthOptions", BlockSize=2)
    m.outputs = [d, s]
    got_d, got_s = run(m, [x], tmp_path)
    np.testing.assert_array_equal(got_d, ref)
    np.testing.assert_array_equal(got_s, x)


# ------------------------------------------------------------------------------------------------
# Elementwise ops, activations, mixed layouts
# ------------------------------------------------------------------------------------------------
def test_binary_ops_broadcast_and_fused_activations(tmp_path):
    x = rand(1, 4, 5, 3, lo=-2, hi=2)
    c = rand(3)
    w = rand(3, 1, 1, 3)
    conv = ref_conv(x, w, None, (1, 1))
    m = TFLiteModel()
    xi = m.input("x", x.shape)
    cv = m.op("CONV_2D", [xi, m.const("w", w), -1], x.shape, "Conv2DOptions", Padding=0, StrideW=1, StrideH=1)
    # conv output runs NCHW, x is NHWC: mixed layouts in one ADD
    add = m.op("ADD", [cv, xi], x.shape, "AddOptions", FusedActivationFunction=2, out_name="add/out:0")
    mul = m.op("MUL", [cv, m.const("c", c)], x.shape, "MulOptions", FusedActivationFunction=4)
    sub = m.op("SUB", [m.const("c2", c), cv], x.shape, "SubOptions", FusedActivationFunction=1)
    mx = m.op("MAXIMUM", [cv, m.const("s", np.float32(0.25))], x.shape)
    m.outputs = [add, mul, sub, mx]
    got = run(m, [x], tmp_path)
    np.testing.assert_allclose(got[0], np.clip(conv + x, -1, 1), atol=1e-5)
    np.testing.assert_allclose(got[1], conv * c, atol=1e-5)  # fused TANH: a no-op in LiteRT (see converter)
    np.testing.assert_allclose(got[2], np.maximum(c - conv, 0), atol=1e-5)
    np.testing.assert_allclose(got[3], np.maximum(conv, 0.25), atol=1e-5)


def test_unary_activations_and_prelu(tmp_path):
    x = rand(1, 3, 4, 2, lo=-8, hi=8)
    alpha = rand(1, 1, 2, lo=0, hi=0.5)
    m = TFLiteModel()
    xi = m.input("x", x.shape)
    ops = ["LOGISTIC", "TANH", "RELU", "RELU6", "RELU_N1_TO_1", "HARD_SWISH"]
    m.outputs = [m.op(op, [xi], x.shape) for op in ops]
    m.outputs.append(m.op("PRELU", [xi, m.const("alpha", alpha)], x.shape))
    got = run(m, [x], tmp_path)
    refs = [
        1 / (1 + np.exp(-x)),
        np.tanh(x),
        np.maximum(x, 0),
        np.clip(x, 0, 6),
        np.clip(x, -1, 1),
        x * np.clip(x + 3, 0, 6) / 6,
        np.where(x >= 0, x, x * alpha),
    ]
    for op, g, r in zip(ops + ["PRELU"], got, refs):
        np.testing.assert_allclose(g, r, atol=1e-5, err_msg=op)


# ------------------------------------------------------------------------------------------------
# Shape-sensitive ops, concat, reductions, softmax, fully connected
# ------------------------------------------------------------------------------------------------
def test_concat_reshape_transpose_softmax_mean_fc(tmp_path):
    x = rand(1, 4, 4, 3)
    w1, w2 = rand(2, 1, 1, 3), rand(5, 1, 1, 3)
    c1, c2 = ref_conv(x, w1, None, (1, 1)), ref_conv(x, w2, None, (1, 1))
    fc_w, fc_b = rand(6, 7), rand(6)
    m = TFLiteModel()
    xi = m.input("x", x.shape)
    conv = dict(Padding=0, StrideW=1, StrideH=1)
    a = m.op("CONV_2D", [xi, m.const("w1", w1), -1], c1.shape, "Conv2DOptions", **conv)
    b = m.op("CONV_2D", [xi, m.const("w2", w2), -1], c2.shape, "Conv2DOptions", **conv)
    cat = m.op("CONCATENATION", [a, b], (1, 4, 4, 7), "ConcatenationOptions", Axis=-1)
    rs = m.op(
        "RESHAPE",
        [cat, m.const("shape", [1, 16, 7], np.int32)],
        (1, 16, 7),
        "ReshapeOptions",
        NewShape=[1, 16, 7],
    )
    tr = m.op("TRANSPOSE", [cat, m.const("perm", [0, 3, 1, 2], np.int32)], (1, 7, 4, 4))
    sm = m.op("SOFTMAX", [cat], (1, 4, 4, 7), "SoftmaxOptions", Beta=0.5)
    mean = m.op("MEAN", [cat, m.const("axes", [1, 2], np.int32)], (1, 7), "ReducerOptions", KeepDims=False)
    fc = m.op(
        "FULLY_CONNECTED",
        [mean, m.const("fw", fc_w), m.const("fb", fc_b)],
        (1, 6),
        "FullyConnectedOptions",
        FusedActivationFunction=1,
    )
    m.outputs = [cat, rs, tr, sm, mean, fc]
    got = run(m, [x], tmp_path)
    cat_ref = np.concatenate([c1, c2], axis=-1)
    e = np.exp(0.5 * (cat_ref - cat_ref.max(-1, keepdims=True)))
    mean_ref = cat_ref.mean(axis=(1, 2))
    refs = [
        cat_ref,
        cat_ref.reshape(1, 16, 7),
        cat_ref.transpose(0, 3, 1, 2),
        e / e.sum(-1, keepdims=True),
        mean_ref,
        np.maximum(mean_ref @ fc_w.T + fc_b, 0),
    ]
    for i, (g, r) in enumerate(zip(got, refs)):
        np.testing.assert_allclose(g, r, atol=1e-5, err_msg=f"output {i}")


# ------------------------------------------------------------------------------------------------
# DEQUANTIZE and DENSIFY
# ------------------------------------------------------------------------------------------------
def test_dequantize_fp16_weights(tmp_path):
    x = rand(1, 5, 5, 4)
    w16 = rand(6, 3, 3, 4).astype(np.float16)
    ref = ref_conv(x, w16.astype(np.float32), None, (1, 1))
    m = TFLiteModel()
    wq = m.const("w16", w16, np.float16)
    w = m.op("DEQUANTIZE", [wq], w16.shape)
    m.outputs = [
        m.op(
            "CONV_2D",
            [m.input("x", x.shape), w, -1],
            ref.shape,
            "Conv2DOptions",
            Padding=0,
            StrideW=1,
            StrideH=1,
        )
    ]
    (got,) = run(m, [x], tmp_path)
    np.testing.assert_allclose(got, ref, atol=1e-5)


def test_dequantize_int8_per_channel_and_uint8_per_tensor(tmp_path):
    q8 = RNG.integers(-127, 128, (3, 1, 1, 4)).astype(np.int8)
    scale8, zp8 = [0.01, 0.02, 0.05], [0, 0, 0]
    qu8 = RNG.integers(0, 256, (3, 1, 1, 4)).astype(np.uint8)
    w8 = (q8.astype(np.float64) * np.array(scale8)[:, None, None, None]).astype(np.float32)
    wu8 = ((qu8.astype(np.float64) - 128) * 0.003).astype(np.float32)
    np.testing.assert_allclose(dequantize(q8, scale8, zp8, 0), w8)
    np.testing.assert_allclose(dequantize(qu8, [0.003], [128]), wu8)
    x = rand(1, 3, 3, 4)
    m = TFLiteModel()
    xi = m.input("x", x.shape)
    conv = dict(Padding=0, StrideW=1, StrideH=1)
    a = m.op("DEQUANTIZE", [m.const("q8", q8, np.int8, quant=(scale8, zp8, 0))], q8.shape)
    b = m.op("DEQUANTIZE", [m.const("qu8", qu8, np.uint8, quant=([0.003], [128], 0))], qu8.shape)
    m.outputs = [
        m.op("CONV_2D", [xi, a, -1], (1, 3, 3, 3), "Conv2DOptions", **conv),
        m.op("CONV_2D", [xi, b, -1], (1, 3, 3, 3), "Conv2DOptions", **conv),
    ]
    got_a, got_b = run(m, [x], tmp_path)
    np.testing.assert_allclose(got_a, ref_conv(x, w8, None, (1, 1)), atol=1e-5)
    np.testing.assert_allclose(got_b, ref_conv(x, wu8, None, (1, 1)), atol=1e-5)


def _csr(dense2d, idx_dtype=np.uint8, seg_dtype=np.uint16):
    """Independent CSR encoding of a 2-D array: (segments, indices, values)."""
    rows, cols = np.nonzero(dense2d)
    segs = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=dense2d.shape[0]))])
    return segs.astype(seg_dtype), cols.astype(idx_dtype), dense2d[rows, cols]


def _sparse_weights(shape, density=0.4, block=None, dtype=np.float32):
    w = RNG.uniform(-1, 1, shape).astype(dtype)
    if block is None:
        w[RNG.uniform(size=shape) > density] = 0
    else:
        bh, bw = block
        keep = RNG.uniform(size=(shape[0] // bh, shape[1] // bw)) < density
        keep[0, 0] = True
        w *= np.kron(keep, np.ones(block)).astype(dtype)
    return w


def test_densify_csr_like_mediapipe():
    """[O,1,1,I] weights, dims DENSE,DENSE,DENSE,SPARSE_CSR with uint16 segments / uint8 indices."""
    w = _sparse_weights((6, 1, 1, 10))
    segs, idx, vals = _csr(w.reshape(6, 10))
    metas = [(0, 6, None, None), (0, 1, None, None), (0, 1, None, None), (1, 0, segs, idx)]
    np.testing.assert_array_equal(densify(vals, w.shape, [0, 1, 2, 3], None, metas), w)


def test_densify_block_sparse_and_traversal_order():
    # 2x2 blocks of an [8, 6] matrix: expanded dims (rows/2, cols/2, 2, 2), block_map [0, 1]
    w = _sparse_weights((8, 6), block=(2, 2))
    blocks = w.reshape(4, 2, 3, 2).transpose(0, 2, 1, 3)  # [br, bc, i, j]
    nz = np.abs(blocks).sum(axis=(2, 3)) != 0
    segs, idx, _ = _csr(nz.astype(np.float32), np.int32, np.int32)
    vals = blocks[nz].reshape(-1)  # row-major over (br, bc), then (i, j)
    metas = [(0, 4, None, None), (1, 0, segs, idx), (0, 2, None, None), (0, 2, None, None)]
    np.testing.assert_array_equal(densify(vals, w.shape, [0, 1, 2, 3], [0, 1], metas), w)
    # column-major CSR (traversal order [1, 0]): dim 1 dense outside, dim 0 compressed inside
    w2 = _sparse_weights((5, 4))
    segs, idx, vals = _csr(w2.T.copy())
    metas = [(0, 4, None, None), (1, 0, segs, idx)]
    np.testing.assert_array_equal(densify(vals, w2.shape, [1, 0], None, metas), w2)


def test_densify_ops_in_model(tmp_path):
    """DENSIFY of fp16 CSR-sparse conv weights and 1x4 block-sparse FC weights, then DEQUANTIZE."""
    x = rand(1, 3, 3, 10)
    wc = _sparse_weights((6, 1, 1, 10), dtype=np.float16)
    segs, idx, vals = _csr(wc.reshape(6, 10))
    csr = ([0, 1, 2, 3], [], [(0, 6, None, None), (0, 1, None, None), (0, 1, None, None), (1, 0, segs, idx)])
    wf = _sparse_weights((4, 8), block=(1, 4), dtype=np.float16)
    blocks = wf.reshape(4, 2, 4)
    nz = np.abs(blocks.astype(np.float32)).sum(-1) != 0
    bsegs, bidx, _ = _csr(nz.astype(np.float32), np.uint8, np.uint8)
    bvals = blocks[nz].reshape(-1)
    block = ([0, 1, 2], [1], [(0, 4, None, None), (1, 0, bsegs, bidx), (0, 4, None, None)])

    m = TFLiteModel()
    xi = m.input("x", x.shape)
    s1 = m.tensor("wc_sparse", wc.shape, np.float16, data=vals, sparsity=csr)
    d1 = m.op("DEQUANTIZE", [m.op("DENSIFY", [s1], wc.shape)], wc.shape)
    y = m.op("CONV_2D", [xi, d1, -1], (1, 3, 3, 6), "Conv2DOptions", Padding=0, StrideW=1, StrideH=1)
    s2 = m.tensor("wf_sparse", wf.shape, np.float16, data=bvals, sparsity=block)
    d2 = m.op("DEQUANTIZE", [m.op("DENSIFY", [s2], wf.shape)], wf.shape)
    pooled = m.op("MEAN", [y, m.const("axes", [1, 2], np.int32)], (1, 6), "ReducerOptions", KeepDims=False)
    pad = m.op("PAD", [pooled, m.const("p", [[0, 0], [0, 2]], np.int32)], (1, 8))
    fc = m.op("FULLY_CONNECTED", [pad, d2, -1], (1, 4), "FullyConnectedOptions")
    m.outputs = [y, fc]
    got_y, got_fc = run(m, [x], tmp_path)
    ref_y = ref_conv(x, wc.astype(np.float32), None, (1, 1))
    ref_fc = np.pad(ref_y.mean(axis=(1, 2)), ((0, 0), (0, 2))) @ wf.astype(np.float32).T
    np.testing.assert_allclose(got_y, ref_y, atol=1e-5)
    np.testing.assert_allclose(got_fc, ref_fc, atol=1e-5)


# ------------------------------------------------------------------------------------------------
# Interface, layout discipline, errors, determinism
# ------------------------------------------------------------------------------------------------
def test_interface_layout_and_determinism(tmp_path):
    x = rand(1, 6, 6, 2)
    m = TFLiteModel()
    xi = m.input("serving/input:0", x.shape)
    conv = dict(Padding=0, StrideW=1, StrideH=1, FusedActivationFunction=3)
    a = m.op("CONV_2D", [xi, m.const("w", rand(4, 3, 3, 2)), -1], (1, 6, 6, 4), "Conv2DOptions", **conv)
    b = m.op(
        "DEPTHWISE_CONV_2D",
        [a, m.const("dw", rand(1, 3, 3, 4)), -1],
        (1, 6, 6, 4),
        "DepthwiseConv2DOptions",
        Padding=0,
        StrideW=1,
        StrideH=1,
        DepthMultiplier=1,
    )
    c = m.op("ADD", [a, b], (1, 6, 6, 4), out_name="head/out;fused")
    d = m.op(
        "MAX_POOL_2D",
        [c],
        (1, 3, 3, 4),
        "Pool2DOptions",
        Padding=1,
        StrideW=2,
        StrideH=2,
        FilterWidth=2,
        FilterHeight=2,
    )
    m.outputs = [c, d]
    path = tmp_path / "m.tflite"
    path.write_bytes(m.serialize())
    model = convert_tflite(path)
    assert model.SerializeToString() == convert_tflite(path).SerializeToString()
    assert [i.name for i in model.graph.input] == ["serving_input_0"]
    assert [o.name for o in model.graph.output] == ["head_out_fused", "max_pool_2d_3"]
    dims = [[d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim] for o in model.graph.output]
    assert dims == [["batch", 6, 6, 4], ["batch", 3, 3, 4]]
    # one transpose in (input → NCHW), one out per output; nothing between the spatial ops
    assert [n.op_type for n in model.graph.node].count("Transpose") == 3
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["source_format"] == "tflite" and meta["converter_version"] == CONVERTER_VERSION
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    x2 = rand(3, 6, 6, 2)  # symbolic batch: each sample as if run alone
    batched = sess.run(None, {"serving_input_0": x2})
    for k in range(3):
        single = sess.run(None, {"serving_input_0": x2[k : k + 1]})
        for bo, so in zip(batched, single):
            np.testing.assert_allclose(bo[k : k + 1], so, atol=1e-6)


def test_reshape_folding_batch_falls_back_to_static(tmp_path):
    m = TFLiteModel()
    xi = m.input("x", (1, 2, 2, 3))
    m.outputs = [m.op("RESHAPE", [xi, m.const("s", [4, 3], np.int32)], (4, 3))]
    path = tmp_path / "m.tflite"
    path.write_bytes(m.serialize())
    model = convert_tflite(path)
    assert [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim] == [1, 2, 2, 3]
    assert {p.key: p.value for p in model.metadata_props}["batch"] == "static"


def test_unsupported_op_names_op_and_tensor(tmp_path):
    m = TFLiteModel()
    xi = m.input("x", (1, 4))
    m.outputs = [m.op("CUMSUM", [xi, m.const("axis", np.int32(1), np.int32)], (1, 4), out_name="my/cumsum")]
    path = tmp_path / "m.tflite"
    path.write_bytes(m.serialize())
    with pytest.raises(ConversionError, match=r"CUMSUM.*my/cumsum"):
        convert_tflite(path)


def test_not_a_tflite_file(tmp_path):
    path = tmp_path / "bad.tflite"
    path.write_bytes(b"not a flatbuffer at all")
    with pytest.raises(ConversionError, match="TFL3"):
        convert_tflite(path)


def test_more_elementwise_reductions_and_reshapes(tmp_path):
    x = rand(1, 3, 4, 2, lo=0.5, hi=2.0)
    c = rand(2, lo=0.5, hi=1.5)
    w = rand(2, 1, 1, 2, lo=0.1, hi=1.0)
    m = TFLiteModel()
    xi = m.input("x", x.shape)
    cv = m.op("CONV_2D", [xi, m.const("w", w), -1], x.shape, "Conv2DOptions", Padding=0, StrideW=1, StrideH=1)
    ops = []
    for op in ["EXP", "LOG", "ABS", "NEG", "SQRT", "RSQRT", "ELU"]:
        ops.append(m.op(op, [cv], x.shape))
    ops.append(m.op("LEAKY_RELU", [m.op("NEG", [cv], x.shape)], x.shape, "LeakyReluOptions", Alpha=0.1))
    cc = m.const("c", c)
    ops.append(m.op("DIV", [cv, cc], x.shape, "DivOptions"))
    ops.append(m.op("MINIMUM", [cv, cc], x.shape))
    ops.append(m.op("POW", [cv, cc], x.shape))
    ops.append(m.op("SQUARED_DIFFERENCE", [cv, xi], x.shape))
    axes = m.const("axes", [1, 2], np.int32)
    ops.append(m.op("SUM", [cv, axes], (1, 1, 1, 2), "ReducerOptions", KeepDims=True))
    ops.append(m.op("REDUCE_MAX", [cv, axes], (1, 2), "ReducerOptions", KeepDims=False))
    ops.append(
        m.op("REDUCE_MIN", [cv, m.const("ax3", [3], np.int32)], (1, 3, 4), "ReducerOptions", KeepDims=False)
    )
    sq = m.op("SQUEEZE", [ops[-3]], (1, 2), "SqueezeOptions", SqueezeDims=[1, 2])
    ops.append(m.op("EXPAND_DIMS", [sq, m.const("ax", np.int32(1), np.int32)], (1, 1, 2)))
    mp = m.op(
        "MIRROR_PAD",
        [cv, m.const("p", [[0, 0], [1, 1], [2, 0], [0, 0]], np.int32)],
        (1, 5, 6, 2),
        "MirrorPadOptions",
        Mode=0,
    )
    ops.append(mp)
    m.outputs = ops
    got = run(m, [x], tmp_path)
    y = ref_conv(x, w, None, (1, 1)).astype(np.float64)
    refs = [
        np.exp(y),
        np.log(y),
        np.abs(y),
        -y,
        np.sqrt(y),
        1 / np.sqrt(y),
        y,
        np.where(-y >= 0, -y, -0.1 * y),
        y / c,
        np.minimum(y, c),
        y**c,
        (y - x) ** 2,
        y.sum(axis=(1, 2), keepdims=True),
        y.max(axis=(1, 2)),
        y.min(axis=3),
        y.sum(axis=(1, 2))[:, None, :],
        np.pad(y, [(0, 0), (1, 1), (2, 0), (0, 0)], mode="reflect"),
    ]
    for i, (g, r) in enumerate(zip(got, refs)):
        np.testing.assert_allclose(g, r, rtol=1e-5, atol=1e-5, err_msg=f"output {i}")


def test_uint8_input_dequantize_and_cast(tmp_path):
    x = RNG.integers(0, 256, (1, 4, 4, 3)).astype(np.uint8)
    m = TFLiteModel()
    xi = m.tensor("image", x.shape, np.uint8, quant=([1 / 255], [0], 0))
    m.inputs = [xi]
    deq = m.op("DEQUANTIZE", [xi], x.shape)
    m.outputs = [m.op("MUL", [deq, m.const("two", np.float32(2))], x.shape, "MulOptions")]
    (got,) = run(m, [x], tmp_path)
    np.testing.assert_allclose(got, x.astype(np.float32) / 255 * 2, atol=1e-6)


def test_grouped_conv2d(tmp_path):
    x = rand(1, 5, 5, 4)
    w, bias = rand(6, 3, 3, 2), rand(6)  # 2 groups: input channels 0-1 → outputs 0-2, 2-3 → 3-5
    ref = np.concatenate(
        [ref_conv(x[..., :2], w[:3], bias[:3], (1, 1)), ref_conv(x[..., 2:], w[3:], bias[3:], (1, 1))], -1
    )
    m = TFLiteModel()
    m.outputs = [
        m.op(
            "CONV_2D",
            [m.input("x", x.shape), m.const("w", w), m.const("b", bias)],
            ref.shape,
            "Conv2DOptions",
            Padding=0,
            StrideW=1,
            StrideH=1,
        )
    ]
    (got,) = run(m, [x], tmp_path, litert=False)  # (not every LiteRT build has grouped CONV_2D)
    np.testing.assert_allclose(got, ref, atol=1e-5)
