import io
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from posekit.errors import InputError
from posekit.io import decode_image, iter_image_paths, load_image

RGB = np.zeros((8, 10, 3), np.uint8)
RGB[..., 0] = 200  # red
RGB[2, 3] = (10, 20, 30)


def save(tmp_path, name, arr, **kw):
    p = tmp_path / name
    Image.fromarray(arr).save(p, **kw)
    return p


def test_png_and_jpeg_are_rgb(tmp_path):
    assert np.array_equal(load_image(save(tmp_path, "a.png", RGB)), RGB)
    out = load_image(str(save(tmp_path, "a.jpg", np.full((16, 16, 3), (220, 30, 40), np.uint8), quality=95)))
    assert out.shape == (16, 16, 3) and out.dtype == np.uint8
    assert abs(int(out[8, 8, 0]) - 220) < 6 and abs(int(out[8, 8, 2]) - 40) < 6


def test_gray_rgba_palette_16bit_files(tmp_path):
    g = np.arange(80, dtype=np.uint8).reshape(8, 10)
    assert np.array_equal(load_image(save(tmp_path, "g.png", g)), np.dstack([g] * 3))
    rgba = np.dstack([RGB, np.full((8, 10), 7, np.uint8)])
    assert np.array_equal(load_image(save(tmp_path, "rgba.png", rgba)), RGB)
    pal = Image.fromarray(RGB).convert("P", palette=Image.Palette.ADAPTIVE)
    pal.save(tmp_path / "p.png")
    assert np.array_equal(load_image(tmp_path / "p.png"), np.asarray(pal.convert("RGB")))
    g16 = np.arange(80, dtype=np.uint16).reshape(8, 10) * 800
    cv2.imwrite(str(tmp_path / "g16.png"), g16)
    assert np.array_equal(load_image(tmp_path / "g16.png")[..., 1], np.round(g16 / 257).astype(np.uint8))
    c16 = np.zeros((8, 10, 3), np.uint16)
    c16[..., 0] = 65535  # red, written as BGR by OpenCV
    c16[..., 2] = 256 * 100
    cv2.imwrite(str(tmp_path / "c16.png"), c16[..., ::-1])
    out = load_image(tmp_path / "c16.png")
    assert out[0, 0, 0] == 255 and out[0, 0, 1] == 0 and abs(int(out[0, 0, 2]) - 100) <= 1


def test_exif_orientation_applied(tmp_path):
    im = Image.fromarray(np.zeros((4, 6, 3), np.uint8))
    exif = im.getexif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    im.save(tmp_path / "o.jpg", exif=exif)
    assert load_image(tmp_path / "o.jpg").shape == (6, 4, 3)
    assert load_image(tmp_path / "o.jpg", exif_transpose=False).shape == (4, 6, 3)


def test_arrays_and_pil():
    assert load_image(RGB) is RGB  # no copy for the common case
    g = np.full((4, 5), 9, np.uint8)
    assert np.array_equal(load_image(g), np.full((4, 5, 3), 9))
    assert np.array_equal(load_image(g[..., None]), np.full((4, 5, 3), 9))
    assert np.array_equal(load_image(np.dstack([RGB, RGB[..., :1]])), RGB)
    assert load_image(np.full((2, 2, 3), 65535, np.uint16))[0, 0, 0] == 255
    assert load_image(np.full((2, 2, 3), 0.5, np.float32))[0, 0, 0] == 128
    assert np.array_equal(load_image(Image.fromarray(RGB)), RGB)
    assert np.array_equal(load_image(Image.fromarray(RGB).convert("CMYK"))[3, 3], RGB[3, 3])
    assert load_image(RGB[:, ::-1]).flags.c_contiguous


@pytest.mark.parametrize(
    "arr, msg",
    [
        (np.zeros((0, 5, 3), np.uint8), "empty array"),
        (np.zeros((4, 5, 2), np.uint8), "shape"),
        (np.zeros((2, 4, 5, 3), np.uint8), "shape"),
        (np.zeros((4, 5, 3), np.int32), "unsupported dtype int32"),
        (np.full((4, 5, 3), 255.0), r"expected \[0, 1\]"),
        (np.full((4, 5, 3), np.nan), "NaN"),
    ],
)
def test_bad_arrays(arr, msg):
    with pytest.raises(InputError, match=msg):
        load_image(arr)


def test_bad_files(tmp_path):
    with pytest.raises(InputError, match=r"missing\.jpg: no such file"):
        load_image(tmp_path / "missing.jpg")
    with pytest.raises(InputError, match="is a directory"):
        load_image(tmp_path)
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(InputError, match=r"empty.jpg: file is empty \(0 bytes\)"):
        load_image(tmp_path / "empty.jpg")
    (tmp_path / "notes.jpg").write_text("hello, not an image")
    with pytest.raises(InputError, match=r"notes\.jpg: not an image"):
        load_image(tmp_path / "notes.jpg")
    with pytest.raises(InputError, match="cannot load an image from a int"):
        load_image(3)


def _astronaut_jpeg(**kw):
    from skimage.data import astronaut

    buf = io.BytesIO()
    Image.fromarray(astronaut()).save(buf, "JPEG", quality=90, **kw)
    return buf.getvalue()


@pytest.mark.parametrize("progressive", [False, True])
@pytest.mark.parametrize("frac", [0.3, 0.9, 0.995])
def test_truncated_jpeg_detected(tmp_path, frac, progressive):
    data = _astronaut_jpeg(progressive=progressive)
    cut = data[: int(len(data) * frac)]
    (tmp_path / "cut.jpg").write_bytes(cut)
    with pytest.raises(InputError, match=r"cut\.jpg: truncated"):
        load_image(tmp_path / "cut.jpg")
    # a download cut short and zero-padded to full length: cv2.imread silently returns grey rows
    (tmp_path / "pad.jpg").write_bytes(cut + bytes(len(data) - len(cut)))
    with pytest.raises(InputError, match=r"pad\.jpg: truncated"):
        load_image(tmp_path / "pad.jpg")


def test_jpeg_with_trailing_data_is_fine():
    data = _astronaut_jpeg()
    assert decode_image(data + b"\x00" * 10000 + b"ftypmp42 pretend video").shape == (512, 512, 3)


def test_truncated_png_detected(tmp_path):
    _, buf = cv2.imencode(".png", np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8))
    (tmp_path / "cut.png").write_bytes(buf.tobytes()[: len(buf) // 2])
    with pytest.raises(InputError, match=r"cut\.png: truncated"):
        load_image(tmp_path / "cut.png")


def test_huge_image_decodes(tmp_path):
    h, w = 6000, 10000  # 60 MP: above PIL's default decompression-bomb limit
    img = np.zeros((h, w, 3), np.uint8)
    img[h - 10 :, w - 10 :] = (255, 0, 0)
    _, buf = cv2.imencode(".png", img[..., ::-1], [cv2.IMWRITE_PNG_COMPRESSION, 1])
    out = decode_image(buf.tobytes())
    assert out.shape == (h, w, 3) and tuple(out[-1, -1]) == (255, 0, 0) and tuple(out[0, 0]) == (0, 0, 0)


def _png_header_only(w, h):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
        + chunk(b"IEND", b"")
    )


def test_too_many_pixels_rejected_before_decoding():
    with pytest.raises(InputError, match=r"huge\.png: image .*over the 400 MP limit|larger than the 400 MP"):
        decode_image(_png_header_only(30000, 20000), name="huge.png")


def test_iter_image_paths(tmp_path):
    for n in ("b.jpg", "a.PNG", "c.txt", "sub/d.jpg"):
        (tmp_path / n).parent.mkdir(exist_ok=True)
        (tmp_path / n).write_bytes(b"x")
    assert [p.name for p in iter_image_paths(tmp_path)] == ["a.PNG", "b.jpg"]
    assert [p.name for p in iter_image_paths(str(tmp_path), recursive=True)] == ["a.PNG", "b.jpg", "d.jpg"]
    assert [p.name for p in iter_image_paths([tmp_path / "c.txt", f"{tmp_path}/*.jpg"])] == ["c.txt", "b.jpg"]
    assert [p.name for p in iter_image_paths(f"{tmp_path}/**/*.jpg")] == ["b.jpg", "d.jpg"]
    with pytest.raises(InputError, match=r"nope\.jpg: no such file or folder"):
        list(iter_image_paths(tmp_path / "nope.jpg"))
    with pytest.raises(InputError, match="pattern matches no files"):
        list(iter_image_paths(f"{tmp_path}/*.webp"))
    (tmp_path / "emptydir").mkdir()
    with pytest.raises(InputError, match="folder contains no images"):
        list(iter_image_paths(tmp_path / "emptydir"))
