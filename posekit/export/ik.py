"""OpenSim inverse kinematics on a TRC file (optional: the `opensim` package, `pip install opensim`).

`run_ik(trc, model, setup, out)` runs OpenSim's InverseKinematicsTool with a setup XML (marker
weights), a scaled model (.osim) and a marker file, and writes the joint angles as a .mot file.
OpenSim's wheel pins its own NumPy, so it may live in another environment: pass `python=` (or set
POSEKIT_OPENSIM_PYTHON) to an interpreter that has `opensim`, and this file runs there as a script
(it needs nothing but the standard library and opensim on that side).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile


def _run_here(trc: str, model: str, setup: str, out: str, start: float | None, end: float | None) -> None:
    import opensim as osim

    tool = osim.InverseKinematicsTool(setup)
    osim_model = osim.Model(model)  # keep a reference: the tool does not own it (freed model = crash)
    tool.setModel(osim_model)
    tool.set_marker_file(trc)
    if start is None or end is None:
        table = osim.TimeSeriesTableVec3(trc)
        times = table.getIndependentColumn()
        start, end = times[0], times[-1]
    tool.setStartTime(start)
    tool.setEndTime(end)
    tool.set_output_motion_file(out)
    tool.set_results_directory(os.path.dirname(os.path.abspath(out)) or ".")
    tool.set_report_errors(False)
    if not tool.run():
        raise RuntimeError("OpenSim inverse kinematics failed")


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
    out = os.fspath(out)
    fd, tmp = tempfile.mkstemp(suffix=".mot", dir=os.path.dirname(os.path.abspath(out)))
    os.close(fd)
    try:
        python = python or os.environ.get("POSEKIT_OPENSIM_PYTHON")
        if python is None:
            try:
                import opensim  # noqa: F401
            except ImportError:
                raise InputError(
                    "inverse kinematics needs OpenSim: pip install opensim (or set "
                    "POSEKIT_OPENSIM_PYTHON to a Python that has it)"
                ) from None
            _run_here(os.fspath(trc), os.fspath(model), os.fspath(setup), tmp, start, end)
        else:
            cmd = [
                python,
                os.path.abspath(__file__),
                os.fspath(trc),
                os.fspath(model),
                os.fspath(setup),
                tmp,
                "" if start is None else str(start),
                "" if end is None else str(end),
            ]
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
            if res.returncode != 0:
                tail = (res.stderr or res.stdout).strip().splitlines()[-1:] or ["no output"]
                raise InputError(f"OpenSim inverse kinematics failed: {tail[0]}")
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


if __name__ == "__main__":  # run inside an environment with opensim: trc model setup out [start end]
    a = sys.argv[1:]
    _run_here(
        a[0],
        a[1],
        a[2],
        a[3],
        float(a[4]) if len(a) > 4 and a[4] else None,
        float(a[5]) if len(a) > 5 and a[5] else None,
    )
