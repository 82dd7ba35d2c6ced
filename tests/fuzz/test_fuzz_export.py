"""Fuzzed read-back of the export formats: TRC, MOT, C3D, NWB (single- and multi-view readers)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from fuzz_harness import FUZZ, check, mutated_bytes, scratch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_fuzz_tracks import frames

from posekit.export.mot import read_mot, write_mot
from posekit.export.trc import TrcData, read_trc, write_trc

NAMES = ["hip", "knee", "ankle"]


def _valid() -> dict[str, bytes]:
    rng = np.random.default_rng(4)
    pos = rng.normal(0, 1, (5, 3, 3))
    pos[2, 1] = np.nan  # a missing marker
    out = {}
    with tempfile.TemporaryDirectory() as d:
        write_trc(Path(d) / "v.trc", pos, NAMES, 30.0)
        write_mot(
            Path(d) / "v.mot", np.arange(5) / 30, {"knee_angle": rng.normal(0, 30, 5), "hip": np.ones(5)}
        )
        out = {".trc": (Path(d) / "v.trc").read_bytes(), ".mot": (Path(d) / "v.mot").read_bytes()}
        try:
            from posekit.export.c3d import write_c3d

            write_c3d(Path(d) / "v.c3d", pos, NAMES, 30.0)
            out[".c3d"] = (Path(d) / "v.c3d").read_bytes()
        except Exception:  # ezc3d missing: those tests skip
            pass
        try:
            from posekit.export import export_results

            export_results(frames(), "nwb", Path(d) / "v.nwb")
            out[".nwb"] = (Path(d) / "v.nwb").read_bytes()
        except Exception:
            pass
    return out


VALID = _valid()


def _flip(data: bytes, pos: int, bit: int) -> bytes:
    b = bytearray(data)
    if pos < len(b):
        b[pos] ^= 1 << bit
    return bytes(b)


def _text_read(blob: bytes, suffix: str) -> None:
    with scratch() as d:
        path = d / f"motion{suffix}"
        path.write_bytes(blob)
        if suffix == ".trc":
            trc = check("trc", path.name, lambda: read_trc(path))
            if trc is not None:
                assert isinstance(trc, TrcData) and trc.positions.ndim == 3 and trc.positions.shape[2] == 3
        else:
            got = check("mot", path.name, lambda: read_mot(path))
            if got is not None:
                times, cols = got
                assert all(len(v) == len(times) for v in cols.values())


TRC_LINES = VALID[".trc"].decode().splitlines()


@FUZZ
@given(
    case=st.sampled_from([".trc", ".mot"]).flatmap(lambda s: st.tuples(st.just(s), mutated_bytes(VALID[s])))
)
@example(case=(".mot", VALID[".mot"] + b"-\t1\t2\n"))  # bug: ValueError (float('-'))
@example(case=(".mot", b"\xf3" + VALID[".mot"]))  # bug: UnicodeDecodeError
@example(
    case=(".mot", VALID[".mot"].split(b"endheader")[0] + b"endheader")
)  # bug: IndexError (no header row)
@example(case=(".trc", "\n".join([*TRC_LINES[:5], "inf\t0\t1\t2"]).encode()))  # bug: OverflowError int(inf)
@example(case=(".trc", "\n".join([*TRC_LINES[:5], "1e30\t0\t1\t2"]).encode()))  # bug: OverflowError (int64)
def test_mutated_text_exports(case: tuple[str, bytes]) -> None:
    _text_read(case[1], case[0])


BAD_CELLS = ["", "x", "nan", "-1", "1e400", "inf", "99999999999999999999", "-0"]


@FUZZ
@given(
    suffix=st.sampled_from([".trc", ".mot"]),
    edits=st.lists(
        st.tuples(st.integers(0, 99), st.integers(0, 999), st.sampled_from(BAD_CELLS)), max_size=4
    ),
)
def test_mutated_cells(suffix: str, edits: list[tuple[int, int, str]]) -> None:
    """Tab-separated cells (header values included) replaced by bad numbers or text."""
    lines = [ln.split("\t") for ln in VALID[suffix].decode().splitlines()]
    for i, j, bad in edits:
        row = lines[i % len(lines)]
        row[j % len(row)] = bad
    _text_read("\n".join("\t".join(r) for r in lines).encode(), suffix)


@pytest.mark.skipif(".c3d" not in VALID, reason="ezc3d is not installed (pip install posekit[mocap])")
@settings(FUZZ, max_examples=max(1, FUZZ.max_examples // 4))  # each read starts a child process
@given(blob=mutated_bytes(VALID.get(".c3d", b"")))
@example(blob=_flip(VALID.get(".c3d", b""), 705, 7))  # bug: ezc3d crashed the process (segmentation fault)
@example(blob=VALID.get(".c3d", b"")[:699])  # bug: ezc3d looped for minutes on this truncated file
def test_mutated_c3d(blob: bytes) -> None:
    from posekit.export.c3d import read_c3d

    with scratch() as d:
        path = d / "motion.c3d"
        path.write_bytes(blob)
        got = check("c3d", path.name, lambda: read_c3d(path))
        if got is not None:
            pts, labels, rate = got
            assert pts.ndim == 3 and pts.shape[2] == 3 and isinstance(rate, float)


@pytest.mark.skipif(
    ".nwb" not in VALID, reason="pynwb/ndx-pose are not installed (pip install posekit[mocap])"
)
@settings(FUZZ, max_examples=max(1, FUZZ.max_examples // 4))  # pynwb takes ~0.5 s a file
@given(blob=mutated_bytes(VALID.get(".nwb", b"")))
@example(blob=VALID.get(".nwb", b"")[:3000])  # bug: OSError from h5py escaped
def test_mutated_nwb(blob: bytes) -> None:
    from posekit.export.nwb import read_nwb
    from posekit.export.nwb_multiview import read_multiview_nwb

    with scratch() as d:
        path = d / "motion.nwb"
        path.write_bytes(blob)
        got = check("nwb", path.name, lambda: read_nwb(path))
        assert got is None or isinstance(got, dict)
        got = check("nwb (multi-view reader)", path.name, lambda: read_multiview_nwb(path))
        assert got is None or isinstance(got, tuple)
