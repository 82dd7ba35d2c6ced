"""OpenSim inverse kinematics on a TRC file (optional: the `opensim` package, `pip install opensim`).

`run_ik(trc, model, setup, out)` runs OpenSim's InverseKinematicsTool with a setup XML (marker
weights), a scaled model (.osim) and a marker file, and writes the joint angles as a .mot file.
`scale_model(setup, generic_model, static_trc, out)` scales a generic model to the subject first with
OpenSim's ScaleTool and a scaling setup (e.g. Pose2Sim's `Scaling_Setup_*.xml`: segment scale factors
from marker-pair distances of a static trial); IK needs a model scaled to the person.
OpenSim's wheel pins its own NumPy, so it may live in another environment: pass `python=` (or set
POSEKIT_OPENSIM_PYTHON) to an interpreter that has `opensim`, and this file runs there as a script
(it needs nothing but the standard library and opensim on that side).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from posekit.io.atomic import atomic_path


def _run_here(trc: str, model: str, setup: str, out: str, start: float | None, end: float | None) -> None:
    import opensim as osim

    tool = osim.InverseKinematicsTool(setup)
    osim_model = osim.Model(model)  # keep a reference: the tool does not own it (freed model = crash)
    tool.setModel(osim_model)
    tool.set_marker_file(trc)
    if start is None or end is None:  # fill only the missing end: the TRC's first/last time
        times = osim.TimeSeriesTableVec3(trc).getIndependentColumn()
        start = times[0] if start is None else start
        end = times[-1] if end is None else end
    tool.setStartTime(start)
    tool.setEndTime(end)
    tool.set_output_motion_file(out)
    tool.set_results_directory(os.path.dirname(os.path.abspath(out)) or ".")
    tool.set_report_errors(False)
    if not tool.run():
        raise RuntimeError("OpenSim inverse kinematics failed")


def _scale_here(setup: str, model: str, static_trc: str, out: str) -> None:
    import opensim as osim

    tool = osim.ScaleTool(setup)
    tool.setPathToSubject("")  # paths below are absolute; the setup's own relative ones are ignored
    tool.getGenericModelMaker().setModelFileName(os.path.abspath(model))
    scaler = tool.getModelScaler()
    scaler.setMarkerFileName(os.path.abspath(static_trc))
    times = osim.TimeSeriesTableVec3(static_trc).getIndependentColumn()
    span = osim.ArrayDouble()
    span.append(times[0])
    span.append(times[-1])
    scaler.setTimeRange(span)
    scaler.setOutputModelFileName(os.path.abspath(out))
    placer = tool.getMarkerPlacer()
    if placer.getApply():
        placer.setMarkerFileName(os.path.abspath(static_trc))
        placer.setTimeRange(span)
        placer.setOutputModelFileName(os.path.abspath(out))
    tool.run()  # returns False when the (unused) marker placer has nothing to do: check the file instead
    if not os.path.isfile(out) or os.path.getsize(out) == 0:
        raise RuntimeError("OpenSim scaling wrote no model")


def _is_number(a: str) -> bool:
    try:
        float(a)
    except ValueError:
        return False
    return True


def _dispatch(args: list[str], python: str | None, timeout: float, what: str) -> None:
    """Run this file's __main__ with `args` under `python` (or here when None and opensim imports)."""
    from posekit.errors import InputError

    python = python or os.environ.get("POSEKIT_OPENSIM_PYTHON")
    if python is None:
        try:
            import opensim  # noqa: F401
        except ImportError:
            raise InputError(
                f"{what} needs OpenSim: pip install opensim (or set "
                "POSEKIT_OPENSIM_PYTHON to a Python that has it)"
            ) from None
        _main(args)
        return
    args = [a if a in ("", "ik", "scale") or _is_number(a) else os.path.abspath(a) for a in args]
    with tempfile.TemporaryDirectory() as cwd:  # OpenSim drops an opensim.log in its working directory
        res = subprocess.run(
            [python, os.path.abspath(__file__), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=cwd,
        )
    if res.returncode != 0:
        tail = (res.stderr or res.stdout).strip().splitlines()[-1:] or ["no output"]
        raise InputError(f"OpenSim {what} failed: {tail[0]}")


def scale_model(
    setup: str | os.PathLike,
    generic_model: str | os.PathLike,
    static_trc: str | os.PathLike,
    out: str | os.PathLike,
    *,
    python: str | None = None,
    timeout: float = 600,
) -> None:
    """Scale `generic_model` to the subject of `static_trc` with the ScaleTool `setup`; the scaled .osim
    goes to `out` (temporary file, then renamed: no partial model on failure)."""
    from posekit.errors import InputError

    for p, what in ((setup, "scaling setup"), (generic_model, "model"), (static_trc, "static TRC")):
        if not os.path.isfile(p):
            raise InputError(f"{p}: no such {what} file")
    with atomic_path(out, suffix=".osim", what="an OpenSim model") as tmp:
        os.unlink(tmp)  # the ScaleTool must create it: an empty file would read as success
        args = ["scale", os.fspath(setup), os.fspath(generic_model), os.fspath(static_trc), str(tmp)]
        _dispatch(args, python, timeout, "scaling")


def run_ik(
    trc: str | os.PathLike,
    model: str | os.PathLike,
    setup: str | os.PathLike,
    out: str | os.PathLike,
    *,
    start: float | None = None,
    end: float | None = None,
    python: str | None = None,
    timeout: float = 600,
) -> None:
    """Inverse kinematics of `trc` with `model` and the IK `setup` XML; joint angles to `out` (.mot).

    The .mot is written to a temporary file and renamed onto `out` (no partial file on failure)."""
    from posekit.errors import InputError

    for p, what in ((trc, "TRC"), (model, "model"), (setup, "IK setup")):
        if not os.path.isfile(p):
            raise InputError(f"{p}: no such {what} file")
    with atomic_path(out, suffix=".mot", what="joint angles") as tmp:
        args = [os.fspath(trc), os.fspath(model), os.fspath(setup), str(tmp)]
        args += ["" if start is None else str(start), "" if end is None else str(end)]
        _dispatch(["ik", *args], python, timeout, "inverse kinematics")


def _main(a: list[str]) -> None:
    """`scale SETUP MODEL STATIC_TRC OUT` or `ik TRC MODEL SETUP OUT [START END]` (start/end may be '')."""
    if a[0] == "scale":
        _scale_here(a[1], a[2], a[3], a[4])
    else:
        a = a[1:]
        _run_here(
            a[0],
            a[1],
            a[2],
            a[3],
            float(a[4]) if len(a) > 4 and a[4] else None,
            float(a[5]) if len(a) > 5 and a[5] else None,
        )


if __name__ == "__main__":  # run inside an environment with opensim
    _main(sys.argv[1:])
