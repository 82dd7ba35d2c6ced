"""gaitkit 1.5.0's example trials for the gait benchmark: loading (SHA-256 checked), the side view,
annotation checks, one-to-one event matching and gaitkit's own detectors (run in their own venv)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gait_c3d import FORCE_TOL_S, fetch_gaitalytics, treadmill_trial

from posekit.analysis.gait import gait_events
from posekit.layouts import get_layout

BP = get_layout("blazepose33")
THIRD = Path.home() / ".cache" / "posekit" / "thirdparty"
GAITKIT = ("gaitkit-1.5.0.tar.gz", "de1f0c258152c5eac2e3d0382fb57e321c69091ee7923ce0849ff24d9640d861")
TOL_S = 0.25  # one-to-one matching window: a quarter stride, nearer than any other event of that kind
MM_PER_PX = 3.4  # a 1.7 m person 500 px tall
# Run inside gaitkit's own venv: every detector on every example trial, events as frame numbers.
GAITKIT_RUN = """
import json, sys, warnings, gaitkit
warnings.filterwarnings("ignore")
out = {}
for arg in sys.argv[1:]:
    name, _, path = arg.partition("=")
    trial = json.load(open(path)) if path else gaitkit.load_example(name)
    for m in gaitkit.list_methods():
        try:
            r = gaitkit.detect(trial, method=m, auto_install_deps=False)
            out.setdefault(name, {})[m] = {k: {s: r.hs_frames(s) if k == "hs" else r.to_frames(s)
                for s in ("left", "right")} for k in ("hs", "to")}
        except Exception as exc:
            out.setdefault(name, {})[m] = {"error": type(exc).__name__ + ": " + str(exc)[:80]}
print(json.dumps(out))
"""
Events = dict[str, dict[str, list[float]]]  # kind ("hs"/"to") -> side -> times (s)


def match_events(det: np.ndarray, ref: list[float], tol: float) -> list[float]:
    """Signed errors (det - ref) of a one-to-one matching: closest pairs first, each event used once."""
    pairs = sorted(
        (abs(d - r), i, j) for i, d in enumerate(det) for j, r in enumerate(ref) if abs(d - r) <= tol
    )
    used_d: set[int] = set()
    used_r: set[int] = set()
    out = []
    for _, i, j in pairs:
        if i not in used_d and j not in used_r:
            used_d.add(i)
            used_r.add(j)
            out.append(float(det[i] - ref[j]))
    return out


def cadence_of(hs: list[float]) -> float | None:
    """Steps/min from all heel strikes of both feet: 60 / mean interval (the annotations' definition)."""
    h = np.sort(np.asarray(hs, dtype=np.float64))
    return float(60.0 / np.mean(np.diff(h))) if len(h) > 1 else None


def _markers(d: dict) -> tuple[dict[str, np.ndarray], int, int]:
    """Marker trajectories (mm), the progression axis and the vertical axis."""
    frames = d["angle_frames"]
    pos = {
        k: np.array([f["landmark_positions"][k] for f in frames], dtype=np.float64)
        for k in frames[0]["landmark_positions"]
    }
    hips = (pos["left_hip"] + pos["right_hip"]) / 2
    vert = int(np.argmax(np.nanmean(hips - (pos["left_toe"] + pos["right_toe"]) / 2, axis=0)))
    horiz = [a for a in range(3) if a != vert]
    prog = max(horiz, key=lambda a: np.nanmax(hips[:, a]) - np.nanmin(hips[:, a]))
    return pos, prog, vert


def side_view(d: dict) -> np.ndarray:
    """Mocap markers (mm) -> (T, 33, 2) BlazePose side view in pixels: x = progression, y = -vertical."""
    names = {"hip": "hip", "knee": "knee", "ankle": "ankle", "heel": "heel", "toe": "foot_index"}
    names["shoulder"] = "shoulder"
    pos, prog, vert = _markers(d)
    kp = np.full((len(d["angle_frames"]), len(BP), 2), np.nan)
    for side in ("left", "right"):
        for src, dst in names.items():
            p = pos[f"{side}_{src}"]
            kp[:, BP.index(f"{side}_{dst}")] = np.stack([p[:, prog], -p[:, vert]], axis=1) / MM_PER_PX
    return kp


def check_annotations(d: dict) -> tuple[Events, list[str]]:
    """Annotations (frames) that pass two checks of plain kinematics, independent of any detector: (1) no
    second event of the same foot and kind within TOL_S (two labels for one event: both dropped); (2) a toe
    off is followed by the toe moving forward (>= 100 mm/s over the next 100 ms)."""
    fps = float(d["fps"])
    pos, prog, _ = _markers(d)
    w = max(1, int(0.1 * fps))
    gt, kept, notes = d["ground_truth"], {}, []
    for kind in ("hs", "to"):
        kept[kind] = {}
        for side, frames in gt[f"{kind}_frames"].items():
            v = np.abs(np.gradient(pos[f"{side}_toe"][:, prog])) * fps
            ok = []
            for f in frames:
                dup = [g for g in frames if g != f and abs(g - f) <= TOL_S * fps]
                if dup:
                    notes.append(f"{side} {kind.upper()} {f}: duplicate of {dup[0]}")
                elif kind == "to" and np.mean(v[f : f + w]) < 100:
                    notes.append(f"{side} TO {f}: toe still planted ({np.mean(v[f : f + w]):.0f} mm/s)")
                else:
                    ok.append(f)
            kept[kind][side] = ok
    return kept, notes


def load_trials() -> tuple[dict[str, dict], dict[str, dict]]:
    """(trials with annotated events, all trials)."""
    sdist = THIRD / "gk" / GAITKIT[0]
    if not sdist.exists() or hashlib.sha256(sdist.read_bytes()).hexdigest() != GAITKIT[1]:
        print(
            "skipped: pip download --no-deps --no-binary gaitkit gaitkit==1.5.0 -d ~/.cache/posekit/thirdparty/gk"
        )
        return {}, {}
    trials, everything = {}, {}
    with tarfile.open(sdist) as tf:
        for m in sorted(x for x in tf.getnames() if "/data/example_" in x):
            d = json.load(tf.extractfile(m))  # type: ignore[arg-type]
            gt = d.get("ground_truth") or {}
            name = Path(m).stem.removeprefix("example_")
            n_ev = sum(len(v) for k in ("hs_frames", "to_frames") for v in (gt.get(k) or {}).values())
            print(
                f"{name}: {d.get('description')}, {d['fps']:.0f} Hz, {len(d['angle_frames'])} frames; "
                f"event source {gt.get('event_source')!r}, {n_ev} annotated events"
            )
            lm = np.array([list(f["landmark_positions"].values()) for f in d["angle_frames"]], dtype=float)
            if not np.nanmax(np.abs(lm)) > 0:
                print(
                    f"{name}: every marker position is 0 (angles only): no trajectories to measure, skipped"
                )
                continue
            everything[name] = d
            if n_ev:
                trials[name] = d
    c3d = fetch_gaitalytics()
    d = treadmill_trial(c3d) if c3d else None
    if d is not None:
        gt = d["ground_truth"]
        n_ev = sum(len(v) for k in ("hs_frames", "to_frames") for v in gt[k].values())
        print(
            f"treadmill: {d['description']}, {d['fps']:.0f} Hz, {d['n_frames']} frames; {n_ev} annotated events"
        )
        fa = d["force_agreement"]
        for k, e in fa.items():
            e_ms = 1000 * np.asarray(e)
            ok = np.abs(e_ms) <= 1000 * FORCE_TOL_S
            print(
                f"  {k.upper()} annotations vs the 20 N belt crossing: {ok.sum()}/{len(e_ms)} within "
                f"{1000 * FORCE_TOL_S:.0f} ms, mean {np.mean(e_ms[ok]):+.0f} ms (annotation - plate), "
                f"the others {', '.join(f'{x:+.0f}' for x in e_ms[~ok])} ms (no clean crossing: the other foot on that belt, or the end of the recording)"
            )
        trials["treadmill"] = everything["treadmill"] = d
    return trials, everything


def gaitkit_events(trials: dict[str, dict], py: str) -> dict:
    """gaitkit's detectors on every trial: its own examples by name, the others (C3D trials) given as
    gaitkit-style JSON (markers only: they have no gaitkit joint angles, which some detectors use)."""
    if py == "none" or not Path(py).exists():
        print(f"gaitkit's own detectors not run (no {py}; python -m venv, pip install gaitkit==1.5.0)")
        return {}
    args = []
    for name, d in trials.items():
        if "force_agreement" in d:
            path = THIRD / f"{name}_trial.json"
            path.write_text(
                json.dumps({k: v for k, v in d.items() if k not in ("force_agreement", "belt_mm_per_s")})
            )
            args.append(f"{name}={path}")
        else:
            args.append(name)
    r = subprocess.run([py, "-c", GAITKIT_RUN, *args], capture_output=True, text=True, timeout=900)
    if r.returncode:
        print(f"gaitkit run failed: {r.stderr.strip().splitlines()[-1:]}")
        return {}
    return json.loads(r.stdout.strip().splitlines()[-1])


def _merge(times: list[float]) -> list[float]:
    """Sorted times with each one within TOL_S of the previous dropped (two labels of one event)."""
    h = sorted(times)
    return [x for i, x in enumerate(h) if i == 0 or x - h[i - 1] > TOL_S]


def heel_contacts(trials: dict[str, dict]) -> None:
    """Each annotated heel strike next to the position method's and to when the heel marker reaches the
    floor (within 2 mm of its lowest level, the trial's 2nd percentile): which definition the annotator used."""
    print(
        "\n-- annotated heel strikes (frames) vs the position method (own rate) and the heel reaching the floor --"
    )
    for name, d in trials.items():
        fps, gt = float(d["fps"]), d["ground_truth"]
        pos, _, vert = _markers(d)
        kp = side_view(d)
        g = gait_events(kp, np.arange(len(kp)) / fps, "blazepose33")
        for side in ("left", "right"):
            z = pos[f"{side}_heel"][:, vert]
            floor = np.nanpercentile(z, 2)
            det = g.heel_strikes[side] * fps
            cells = []
            for f in gt["hs_frames"][side]:
                near = det[np.argmin(np.abs(det - f))] if len(det) else np.nan
                lo = max(0, f - int(0.25 * fps))
                down = lo + np.nonzero(z[lo : f + int(0.25 * fps)] - floor < 2)[0]
                cells.append(
                    f"{f} (position {near - f:+.0f}, heel down {down[0] - f:+d})" if len(down) else f"{f}"
                )
            print(f"{name} {side}: " + ", ".join(cells))
