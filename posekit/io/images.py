"""Load images as HxWx3 uint8 RGB arrays, and expand file/folder/glob inputs to image paths.

Every problem with an input raises `posekit.errors.InputError` with a one-line message that names
the input and says what is wrong (missing, a folder, empty file, not an image, truncated, ...).
"""

from __future__ import annotations

import contextlib
import glob
import io
import os
import threading
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from posekit.errors import InputError
from posekit.io.messages import one_line

#: Largest image we decode (pixels), checked from the header before any pixel is decoded (a
#: decompression bomb: a small file declaring a huge image). Env POSEKIT_MAX_IMAGE_PIXELS overrides it.
MAX_PIXELS = 400_000_000

#: File extensions `iter_image_paths` picks up from folders (lower case).
IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif", ".ppm", ".pgm", ".pbm", ".jfif"}
)

ImageSource = str | os.PathLike | np.ndarray | Image.Image

_PIL_LIMIT_LOCK = threading.Lock()


def load_image(src: ImageSource, *, exif_transpose: bool = True) -> np.ndarray:
    """Return `src` as a C-contiguous HxWx3 uint8 RGB array.

    `src` may be:
      * a path (str or PathLike) to an image file (anything Pillow decodes: JPEG, PNG incl. 16-bit
        and palette, BMP, WebP, TIFF, ...). With `exif_transpose` (default, like cv2.imread) the
        EXIF orientation tag is applied, so the array looks like the photo does in a viewer.
      * a numpy array: HxW or HxWx1 grayscale, HxWx3 RGB, HxWx4 RGBA; dtype uint8, uint16
        (scaled by 255/65535) or float in [0, 1]. Arrays are assumed RGB, not OpenCV's BGR.
      * a PIL image (any mode).

    Alpha is dropped (color channels kept as they are, as cv2.imread does). A uint8 HxWx3
    C-contiguous array is returned as is (not copied).
    """
    if isinstance(src, np.ndarray):
        return _from_array(src, "array")
    if isinstance(src, Image.Image):
        return _from_pil(src, "PIL image")
    if isinstance(src, (str, os.PathLike)):
        return _from_path(Path(src), exif_transpose)
    raise InputError(
        f"cannot load an image from a {type(src).__name__}: expected a path, numpy array or PIL image"
    )


def _from_path(path: Path, exif_transpose: bool) -> np.ndarray:
    name = str(path)
    if not path.exists():
        raise InputError(f"{name}: no such file")
    if path.is_dir():
        raise InputError(f"{name}: is a directory, expected an image file")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"{name}: cannot read file ({e.strerror or e})") from None
    if not data:
        raise InputError(f"{name}: file is empty (0 bytes)")
    return decode_image(data, name=name, exif_transpose=exif_transpose)


def max_pixels(name: str) -> int:
    """The pixel limit: env POSEKIT_MAX_IMAGE_PIXELS when set, else MAX_PIXELS."""
    env = os.environ.get("POSEKIT_MAX_IMAGE_PIXELS", "").strip()
    if not env:
        return MAX_PIXELS
    try:
        return max(1, int(float(env)))
    except ValueError:
        raise InputError(f"{name}: POSEKIT_MAX_IMAGE_PIXELS={env!r} is not a number of pixels") from None


def _mp(pixels: int) -> str:
    return f"{pixels // 1_000_000} MP" if pixels % 1_000_000 == 0 else f"{pixels}-pixel"


def decode_image(data: bytes, *, name: str = "image bytes", exif_transpose: bool = True) -> np.ndarray:
    """Decode an encoded image (file contents) to HxWx3 uint8 RGB; see `load_image`."""
    if not data:
        raise InputError(f"{name}: no data (0 bytes)")
    limit = max_pixels(name)
    with _PIL_LIMIT_LOCK:  # PIL's limit is global: we check the header's size ourselves, just below
        old = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None
        try:
            im: Image.Image = Image.open(io.BytesIO(data))
        except UnidentifiedImageError:
            raise InputError(f"{name}: not an image (unknown or unsupported format)") from None
        except Exception as e:  # malformed headers raise all sorts of things
            raise InputError(f"{name}: not a readable image ({one_line(e)})") from None
        finally:
            Image.MAX_IMAGE_PIXELS = old
    w, h = im.size
    if w * h > limit:  # refused from the header, before decoding
        raise InputError(
            f"{name}: image is {w}x{h} ({w * h / 1e6:.0f} MP), over the {_mp(limit)} limit "
            "(a decompression bomb?); set POSEKIT_MAX_IMAGE_PIXELS to raise it"
        )
    if w == 0 or h == 0:
        raise InputError(f"{name}: image has zero size ({w}x{h})")
    if im.format == "JPEG" and not _jpeg_has_eoi(data):
        # e.g. a download cut short and padded with zeros: decoders fill the rest with grey.
        raise InputError(f"{name}: truncated JPEG (no end-of-image marker); the file is incomplete")
    try:
        with warnings.catch_warnings():  # a few formats (GIF, ...) re-check PIL's limit on load
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im.load()  # full decode; raises "image file is truncated" on short data
    except Image.DecompressionBombError:
        raise InputError(f"{name}: {w}x{h} image is too large for Pillow to decode in this format") from None
    except OSError as e:
        msg = one_line(e)
        what = (
            "truncated file (incomplete download or copy?)"
            if "truncated" in msg
            else f"corrupt image data ({msg})"
        )
        raise InputError(f"{name}: {what}") from None
    except Exception as e:
        raise InputError(f"{name}: corrupt image data ({one_line(e)})") from None
    if exif_transpose:
        with contextlib.suppress(Exception):  # a broken EXIF block must not make the pixels unreadable
            im = ImageOps.exif_transpose(im)
    return _from_pil(im, name)


def _jpeg_has_eoi(data: bytes) -> bool:
    """Walk the JPEG's segments and scans; True when the main image's end-of-image marker is
    reached (data after it, e.g. a motion-photo video, is fine). Lenient on odd layouts."""
    n, pos = len(data), 2  # after SOI
    while pos + 2 <= n:
        if data[pos] != 0xFF:
            return True  # not a layout we understand: leave the verdict to the decoder
        marker = data[pos + 1]
        if marker == 0xD9:
            return True
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            pos += 2
            continue
        if pos + 4 > n:
            return False
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker == 0xDA:  # entropy-coded data runs to the next marker other than RSTn / stuffing
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= n:
                    return False
                nxt = data[pos + 1]
                if nxt == 0xFF:
                    pos += 1
                elif nxt == 0x00 or 0xD0 <= nxt <= 0xD7:
                    pos += 2
                else:
                    break
    return False


def _from_pil(im: Image.Image, name: str) -> np.ndarray:
    if im.width == 0 or im.height == 0:
        raise InputError(f"{name}: image has zero size ({im.width}x{im.height})")
    mode = im.mode
    if mode in ("RGB", "L", "RGBA", "LA", "I;16", "I;16B", "I;16L", "I", "F", "1"):
        pass
    elif mode == "P" or mode == "PA":
        im = im.convert("RGBA" if "transparency" in im.info or mode == "PA" else "RGB")
    else:  # CMYK, YCbCr, LAB, HSV, RGBX, ...
        im = im.convert("RGB")
    arr = np.asarray(im)
    if im.mode == "1":
        arr = arr.astype(np.uint8) * 255
    elif im.mode.startswith("I"):
        # 16-bit grayscale (I;16*) or 32-bit int ("I", how Pillow holds 16-bit PNGs of some kinds)
        arr = arr.astype(np.int64)
        top = 65535 if arr.max(initial=0) > 255 or im.mode.startswith("I;16") else 255
        arr = np.clip(arr, 0, top).astype(np.uint16 if top == 65535 else np.uint8)
    return _from_array(arr, name)


def _from_array(a: np.ndarray, name: str) -> np.ndarray:
    if a.size == 0:
        raise InputError(f"{name}: empty array (shape {a.shape})")
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (3, 4))):
        raise InputError(f"{name}: shape {a.shape} is not an image; expected HxW, HxWx1, HxWx3 or HxWx4")
    if a.dtype == np.uint8:
        pass
    elif a.dtype == np.uint16:
        a = ((a.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    elif np.issubdtype(a.dtype, np.floating):
        if not np.isfinite(a).all():
            raise InputError(f"{name}: float image contains NaN or infinity")
        lo, hi = float(a.min()), float(a.max())
        if lo < -1e-3 or hi > 1 + 1e-3:
            raise InputError(f"{name}: float image values span [{lo:.3g}, {hi:.3g}]; expected [0, 1]")
        a = np.clip(np.rint(a * 255.0), 0, 255).astype(np.uint8)
    else:
        raise InputError(f"{name}: unsupported dtype {a.dtype}; expected uint8, uint16 or float in [0, 1]")
    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    elif a.shape[2] == 4:
        a = a[:, :, :3]
    return np.ascontiguousarray(a)


def is_glob_pattern(s: str) -> bool:
    """Whether `s` is a glob pattern (has *, ? or [)."""
    return any(c in s for c in "*?[")


def iter_image_paths(
    inputs: str | os.PathLike | Iterable[str | os.PathLike], *, recursive: bool = False
) -> Iterator[Path]:
    """Expand inputs to image file paths, in order.

    Each input may be a file (yielded as is, whatever its extension), a folder (its image files,
    sorted by name; with `recursive`, sub-folders too) or a glob pattern (`*`, `?`, `[...]`, `**`;
    matches sorted). A missing path, or a folder or glob without images, raises InputError.
    """
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    for item in inputs:
        s = os.fspath(item)
        p = Path(s)
        if p.is_file():
            yield p
        elif p.is_dir():
            pattern = "**/*" if recursive else "*"
            files = sorted(f for f in p.glob(pattern) if f.is_file() and f.suffix.lower() in IMAGE_EXTENSIONS)
            if not files:
                raise InputError(f"{s}: folder contains no images ({', '.join(sorted(IMAGE_EXTENSIONS))})")
            yield from files
        elif is_glob_pattern(s):
            files = sorted(Path(f) for f in glob.glob(s, recursive=True) if os.path.isfile(f))
            if not files:
                raise InputError(f"{s}: pattern matches no files")
            yield from files
        elif p.exists():
            raise InputError(f"{s}: not a regular file or folder")
        else:
            raise InputError(f"{s}: no such file or folder")
