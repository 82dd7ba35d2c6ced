"""SIGKILL while a results file is written: each format leaves a valid file, nothing, or (Parquet) a
journal that recovers every row group written; a re-run completes and leaves no temporary file."""

from __future__ import annotations

import random
import sys

import pytest
from fault_helpers import CHILD, assert_prefix, child_env, kill_during, run, temp_litter

from posekit.io.atomic import sweep_stale
from posekit.io.tracks import load_tracks, recover_parquet

pytest.importorskip("pyarrow")


def _journal_segments(folder):
    return [p for j in folder.glob(".*.journal") for p in j.glob("*.parquet")]


@pytest.mark.parametrize("fmt", [".parquet", ".jsonl", ".csv", ".json"])
def test_kill_while_writing_tracks(tmp_path, fmt):
    rnd = random.Random(f"tracks{fmt}")
    out = tmp_path / f"k{fmt}"
    cmd = [sys.executable, str(CHILD), "tracks", str(out), "100000", "0.005"]
    started = (
        (lambda: bool(_journal_segments(tmp_path)))
        if fmt == ".parquet"
        else (lambda: bool(temp_litter(tmp_path)) or out.exists())
    )
    _, ended = kill_during(cmd, when=started, delay=rnd.uniform(0.1, 0.6), env=child_env())
    assert ended is None, "the child ended before the kill"

    if fmt == ".parquet":
        assert not out.exists()  # no footer yet: nothing published
        assert recover_parquet(tmp_path) == [out]
        assert assert_prefix(load_tracks(out)) >= 10  # at least the first journaled row group
    elif fmt == ".json":
        assert not out.exists()  # written whole at the end, or not at all
    else:  # written in place and flushed per frame: every complete frame reads back
        assert assert_prefix(load_tracks(out)) >= 1

    # a re-run in the same folder sweeps what the killed run left and completes
    proc = run([sys.executable, str(CHILD), "tracks", str(out), "25", "0"])
    assert proc.returncode == 0, proc.stderr
    assert assert_prefix(load_tracks(out)) == 25
    assert temp_litter(tmp_path) == [], "a temporary file of the killed run survived the re-run"


def test_sweep_leaves_live_and_foreign_files(tmp_path):
    """Only our own pattern, and only when no live process owns it."""
    import os

    mine = tmp_path / f".k.parquet.pk{os.getpid()}-abcdefgh.tmp"  # this (live) process
    dead = tmp_path / ".k.parquet.pk999999999-abcdefgh.tmp"  # no such pid
    foreign = tmp_path / ".k.parquet.abcd.tmp"  # not our pattern
    legacy = tmp_path / ".k.parquet.abcdefgh.tmp"  # an older posekit's name, but recent
    for p in (mine, dead, foreign, legacy):
        p.write_text("x")
    assert sweep_stale(tmp_path, force=True) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in (mine, foreign, legacy))
    os.utime(legacy, (0, 0))  # a day old: its owner is long gone
    assert sweep_stale(tmp_path, force=True) == [legacy]
    folder = tmp_path / ".out.pk999999999-abcdefgh"  # an export's temporary folder
    journal = tmp_path / ".k.parquet.pk999999999-abcdefgh.journal"  # left to recover_parquet
    (folder / "sub").mkdir(parents=True)
    journal.mkdir()
    assert sweep_stale(tmp_path, force=True) == [folder] and journal.exists()


def test_recover_keeps_an_existing_file(tmp_path):
    """A journal is recovered next to an existing complete file, never over it."""
    out = tmp_path / "k.parquet"
    assert run([sys.executable, str(CHILD), "tracks", str(out), "5", "0"]).returncode == 0
    before = out.read_bytes()
    _, ended = kill_during(
        [sys.executable, str(CHILD), "tracks", str(out), "100000", "0.005"],
        when=lambda: bool(_journal_segments(tmp_path)),
    )
    assert ended is None
    assert recover_parquet(tmp_path) == [tmp_path / "k.recovered.parquet"]
    assert out.read_bytes() == before
    assert assert_prefix(load_tracks(tmp_path / "k.recovered.parquet")) >= 10


def test_journal_of_a_temporary_file_is_dropped(tmp_path):
    """An export writes Parquet through a temporary name: its journal has nothing to recover into."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    journal = tmp_path / "..out.pk999999999-abcdefgh.partial.parquet.pk999999999-abcdefgh.journal"
    journal.mkdir()
    pq.write_table(pa.table({"frame": [0]}), journal / "000000.parquet")
    assert recover_parquet(tmp_path) == [] and list(tmp_path.iterdir()) == []
