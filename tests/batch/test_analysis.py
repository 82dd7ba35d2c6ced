"""`--analyze`: each video's analysis written once its rows are, resumed alone, and its errors in
failures.parquet (the local engine; test_ray.py checks that Ray writes the same analysis)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from batch_helpers import ANALYSIS, CHUNK_S, VIDEO

from posekit.batch import AnalysisOptions, parse_analyses, run_batch
from posekit.batch.inputs import expand_inputs
from posekit.cli.main import main
from posekit.errors import InputError

KEY = expand_inputs([str(VIDEO)])[0].key


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def video_record(out: Path) -> dict:
    return json.loads((out / "_state" / f"{KEY}.done.json").read_text())


def rerun(inputs: list[str], out: Path, analyze: AnalysisOptions | None = ANALYSIS, workers: int = 1):
    return run_batch(
        inputs, out, engine="local", workers=workers, chunk_seconds=CHUNK_S, progress=False, analyze=analyze
    )


def test_parse_analyses() -> None:
    o = parse_analyses("angles, reps=squat,falls", ergonomics="rula", report=True)
    assert o == AnalysisOptions(angles=True, reps="squat", falls=True, ergonomics="rula", report=True)
    assert parse_analyses(["reps"]) == AnalysisOptions(reps="any")
    assert parse_analyses(None) is None and parse_analyses("") is None
    assert parse_analyses(None, ergonomics="reba") == AnalysisOptions(ergonomics="reba")
    for bad, match in (("angle", "unknown analysis"), ("reps=dance", "exercise"), ("falls=1", "no argument")):
        with pytest.raises(InputError, match=match):
            parse_analyses(bad)
    with pytest.raises(InputError, match="--report"):
        parse_analyses(None, report=True)


def test_cli_refuses_an_unknown_analysis_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["batch", str(VIDEO), "--out", str(tmp_path / "o"), "--analyze", "angles,dance"]) == 2
    assert "unknown analysis 'dance'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()  # refused before anything was written


@pytest.mark.models
def test_video_analysis_is_written_with_the_asked_keys(local_run: Path) -> None:
    folder = local_run / "analysis" / KEY
    assert sorted(p.name for p in (local_run / "analysis").iterdir()) == [KEY]  # videos only, no temp left
    summary = json.loads((folder / "summary.json").read_text())
    tracks = [str(t) for t in summary["tracks"]]
    assert tracks, "no track of 3+ frames in the 5-frame clip"
    for key in ("angles", "repetitions", "ergonomics"):
        assert sorted(summary[key]) == sorted(tracks), key
    assert isinstance(summary["falls"], list) and "activity" not in summary and "gait" not in summary
    assert all(summary["ergonomics"][t]["method"] == "reba" for t in tracks)
    assert sorted(p.name for p in folder.iterdir()) == [
        "angles.csv",
        "ergonomics.csv",
        "repetitions.csv",
        "summary.json",
    ]  # no report.html: not asked for
    header, *rows = (folder / "angles.csv").read_text().splitlines()
    assert header.startswith("track_id,time,") and {r.split(",")[0] for r in rows} == set(tracks)
    entry = video_record(local_run)["analysis"]
    assert entry["error"] is None and entry["options"] == ANALYSIS.to_dict()
    s = json.loads((local_run / "summary.json").read_text())
    assert s["analysed"] == 1 and s["failures"] == 1  # the corrupt image only


@pytest.mark.models
def test_a_rerun_does_not_redo_the_analysis(local_run: Path, tmp_path: Path, batch_inputs: list[str]) -> None:
    out = tmp_path / "out"
    shutil.copytree(local_run, out)  # a copy: the session's reference run keeps its summary.json
    before = files(out / "analysis")
    mtimes = {p: p.stat().st_mtime_ns for p in (out / "analysis").rglob("*")}
    s = rerun(batch_inputs, out)
    assert (s.done_before, s.processed, s.analysed) == (4, 0, 1)
    assert files(out / "analysis") == before
    assert {p: p.stat().st_mtime_ns for p in (out / "analysis").rglob("*")} == mtimes


@pytest.mark.models
def test_only_missing_analyses_are_redone(local_run: Path, tmp_path: Path, batch_inputs: list[str]) -> None:
    """A run killed during the analysis (done record without it, a temporary folder left), then the
    same command: the analysis alone is redone, the same; other options redo it, never the poses."""
    out = tmp_path / "out"
    shutil.copytree(local_run, out)
    poses = files(out / "poses")
    expected = files(out / "analysis")
    record = video_record(out)
    del record["analysis"]
    (out / "_state" / f"{KEY}.done.json").write_text(json.dumps(record))
    shutil.rmtree(out / "analysis" / KEY)
    (out / "analysis" / f".{KEY}.x.tmp").mkdir()  # what a kill mid-write leaves
    s = rerun(batch_inputs, out)
    assert (s.done_before, s.processed, s.run_video_frames, s.analysed) == (3, 1, 0, 1)
    assert files(out / "analysis") == expected and files(out / "poses") == poses
    s = rerun(batch_inputs, out, AnalysisOptions(activity=True, min_frames=3, report=True))
    assert (s.processed, s.run_video_frames, s.analysed) == (1, 0, 1)
    summary = json.loads((out / "analysis" / KEY / "summary.json").read_text())
    assert "activity" in summary and "angles" not in summary
    report = (out / "analysis" / KEY / "report.html").read_text()
    assert report.lstrip().lower().startswith("<!doctype html")
    assert "data:image/jpeg;base64," in report  # key frames drawn on the video's own frames
    assert files(out / "poses") == poses


@pytest.mark.models
def test_an_analysis_error_goes_to_failures(local_run: Path, tmp_path: Path, batch_inputs: list[str]) -> None:
    """An exercise the counter does not know (a library caller can pass one; the CLI refuses it):
    the analysis fails inside the worker, the item is finished with that error, nothing is written."""
    out = tmp_path / "out"
    shutil.copytree(local_run, out, ignore=shutil.ignore_patterns("analysis"))
    bad = AnalysisOptions(reps="no-such-exercise", min_frames=3)
    s = rerun(batch_inputs, out, bad)
    assert (s.processed, s.unfinished, s.failures, s.analysed) == (1, 0, 2, 0)
    failures = {f["input"]: f["error"] for f in pq.read_table(out / "failures.parquet").to_pylist()}
    assert failures[str(VIDEO)].startswith("analysis: ") and "no-such-exercise" in failures[str(VIDEO)]
    assert not (out / "analysis" / KEY).exists()
    s = rerun(batch_inputs, out, bad)  # finished with its error: not retried
    assert (s.done_before, s.processed, s.failures) == (4, 0, 2)
