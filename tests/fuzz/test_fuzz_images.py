"""Fuzzed image files: every format Pillow decodes, truncated, bit-flipped, renamed, empty, oversized."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from fuzz_harness import FUZZ, check, mutated_bytes, scratch
from hypothesis import example, given
from hypothesis import strategies as st
from PIL import Image

from posekit.errors import InputError
from posekit.io.images import decode_image, load_image

FORMATS = {
    "JPEG": ".jpg",
    "PNG": ".png",
    "WEBP": ".webp",
    "BMP": ".bmp",
    "TIFF": ".tif",
    "GIF": ".gif",
    "PPM": ".ppm",
}


def valid_image(fmt: str) -> bytes:
    """A small valid image with some structure (gradients and a square), encoded as `fmt`."""
    y, x = np.mgrid[0:24, 0:32]
    a = np.stack([x * 8, y * 10, (x + y) * 4], axis=-1).astype(np.uint8)
    a[6:14, 10:20] = 255
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format=fmt)
    return buf.getvalue()


VALID = {fmt: valid_image(fmt) for fmt in FORMATS}


def _load(data: bytes, suffix: str) -> None:
    with scratch() as d:
        path = d / f"input{suffix}"
        path.write_bytes(data)
        img = check("images", path.name, lambda: load_image(path))
        if img is not None:  # a valid typed result: HxWx3 uint8, C-contiguous
            assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3 and img.flags.c_contiguous


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@FUZZ
@given(data=st.data())
def test_mutated_image_files(fmt: str, data: st.DataObject) -> None:
    blob = data.draw(mutated_bytes(VALID[fmt]))
    # the extension may lie: a PNG named .jpg is common on phones and in downloads
    suffix = data.draw(st.sampled_from([FORMATS[fmt], ".jpg", ".png", ".txt"]))
    _load(blob, suffix)


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares width x height (its data holds one row): a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


@FUZZ
@given(w=st.integers(1, 2**31 - 1), h=st.integers(1, 2**31 - 1))
@example(w=100_000, h=100_000)  # 10 GP: refused from the header
@example(w=2**31 - 1, h=1)  # a huge width alone
def test_declared_dimensions(w: int, h: int) -> None:
    """Whatever size a header declares, the call returns or refuses; it never tries a huge allocation."""
    data = png_declaring(w, h)
    with scratch() as d:
        path = d / "declared.png"
        path.write_bytes(data)
        check("images", path.name, lambda: load_image(path))


def test_bomb_message_names_file_and_limit() -> None:
    with pytest.raises(
        InputError, match=r"bomb\.png: image is 100000x100000 .*400 MP limit.*POSEKIT_MAX_IMAGE_PIXELS"
    ):
        decode_image(png_declaring(100_000, 100_000), name="bomb.png")


def test_pixel_limit_can_be_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    png = valid_image("PNG")  # 32 x 24 = 768 pixels
    monkeypatch.setenv("POSEKIT_MAX_IMAGE_PIXELS", "500")
    with pytest.raises(InputError, match="over the 500-pixel limit"):
        decode_image(png, name="small.png")
    monkeypatch.setenv("POSEKIT_MAX_IMAGE_PIXELS", "1000")
    assert decode_image(png, name="small.png").shape == (24, 32, 3)
    monkeypatch.setenv("POSEKIT_MAX_IMAGE_PIXELS", "lots")
    with pytest.raises(InputError, match="POSEKIT_MAX_IMAGE_PIXELS"):
        decode_image(png, name="small.png")
