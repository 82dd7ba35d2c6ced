"""Gait event timing and cadence on gaitkit 1.5.0's example trials, per trial and pooled (issue 10).

    python benchmarks/gait.py [--gaitkit /work/.venv-gaitkit/bin/python | --gaitkit none] [--seeds 4]

The trials' 3D markers (mm) are projected to a side view (progression axis, vertical axis), scaled to the
pixels of a 1.7 m person 500 px tall, and given to posekit's gait_events as BlazePose keypoints, under
three conditions: the 150 Hz markers as they are; resampled to 30 fps (every 5th frame, each of the 5
phases); the same plus i.i.d. Gaussian 2D keypoint noise of 2 px per coordinate (`--seeds` draws per
phase). Every contact definition of posekit.analysis.gait_contact is measured, the velocity threshold over
a fixed grid with leave-one-trial-out selection; gaitkit's own detectors run on the 150 Hz 3D data in
their own venv. The annotated events are matched one to one (closest pairs first) within 250 ms per foot
and kind. The choice rule for the defaults (docs/analysis.md, Gait) was fixed before the first run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from posekit.analysis.gait import gait_events
from posekit.layouts import get_layout

BP = get_layout("blazepose33")
THIRD = Path.home() / ".cache" / "posekit" / "thirdparty"
GAITKIT = ("gaitkit-1.5.0.tar.gz", "de1f0c258152c5eac2e3d0382fb57e321c69091ee7923ce0849ff24d9640d861")
TOL_S = 0.25  # one-to-one matching window: a quarter stride, nearer than any other event of that kind
MM_PER_PX = 3.4  # a 1.7 m person 500 px tall
NOISE_PX = 2.0
VIDEO_FPS = 30.0
FRACTIONS = (0.1, 0.2, 0.3, 0.5)  # velocity thresholds measured (fraction of the swing speed peak)
# Run inside gaitkit's own venv: every detector on every example trial, events as frame numbers.
GAITKIT_RUN = """
import json, sys, warnings, gaitkit
warnings.filterwarnings("ignore")
out = {}
for name in sys.argv[1:]:
    trial = gaitkit.load_example(name)
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


@dataclass
class Score:
    """Errors of one detector on one trial and condition, pooled over its runs."""

    err: dict[str, list[float]] = field(default_factory=lambda: {"hs": [], "to": []})  # signed, s
    n_ref: dict[str, int] = field(default_factory=lambda: {"hs": 0, "to": 0})
    n_det: dict[str, int] = field(default_factory=lambda: {"hs": 0, "to": 0})
    cadence: dict[str, list[float]] = field(default_factory=lambda: {"steps": [], "strides": []})
    runs: int = 0

    def add(self, ev: Events, ref: Events, cad: dict[str, float | None]) -> None:
        self.runs += 1
        for k in ("hs", "to"):
            for s in ("left", "right"):
                self.err[k] += match_events(np.asarray(ev[k][s]), ref[k][s], TOL_S)
                self.n_ref[k] += len(ref[k][s])
                self.n_det[k] += len(ev[k][s])
        for est, c in cad.items():
            self.cadence[est].append(np.nan if c is None else c)

    def mae_ms(self, k: str) -> float:
        return 1000 * float(np.mean(np.abs(self.err[k]))) if self.err[k] else np.nan

    def cell(self, k: str) -> str:
        e = self.err[k]
        if not e:
            return f"0/{self.n_ref[k] // self.runs}"
        return (
            f"{len(e) / self.runs:.1f}/{self.n_ref[k] // self.runs} ({self.n_det[k] / self.runs:.1f} det.) "
            f"{self.mae_ms(k):3.0f} ms, bias {1000 * np.mean(e):+4.0f}"
        )


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


def load_trials() -> dict[str, dict]:
    sdist = THIRD / "gk" / GAITKIT[0]
    if not sdist.exists() or hashlib.sha256(sdist.read_bytes()).hexdigest() != GAITKIT[1]:
        print(
            "skipped: pip download --no-deps --no-binary gaitkit gaitkit==1.5.0 -d ~/.cache/posekit/thirdparty/gk"
        )
        return {}
    trials = {}
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
            if n_ev:
                trials[name] = d
    return trials


def gaitkit_events(names: list[str], py: str) -> dict:
    if py == "none" or not Path(py).exists():
        print(f"gaitkit's own detectors not run (no {py}; python -m venv, pip install gaitkit==1.5.0)")
        return {}
    r = subprocess.run([py, "-c", GAITKIT_RUN, *names], capture_output=True, text=True, timeout=900)
    if r.returncode:
        print(f"gaitkit run failed: {r.stderr.strip().splitlines()[-1:]}")
        return {}
    return json.loads(r.stdout.strip().splitlines()[-1])


DETECTORS = {
    "position (Stenum)": {"contact": "position"},
    **{f"velocity {f:.0%}": {"contact": "velocity", "speed_fraction": f} for f in FRACTIONS},
    "foot_velocity (O'Connor)": {"contact": "foot_velocity"},
}
CONDITIONS = ("150 Hz markers", "30 fps", f"30 fps + {NOISE_PX:g} px noise")


def runs(kp: np.ndarray, fps: float, cond: str, seeds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(keypoints, times) of every run of a condition."""
    t = np.arange(len(kp)) / fps
    if cond == CONDITIONS[0]:
        return [(kp, t)]
    step = round(fps / VIDEO_FPS)
    out = []
    for phase in range(step):
        k, tt = kp[phase::step], t[phase::step]
        if cond == CONDITIONS[1]:
            out.append((k, tt))
        else:
            for seed in range(seeds):
                rng = np.random.default_rng(1000 * phase + seed)
                out.append((k + rng.normal(0, NOISE_PX, k.shape), tt))
    return out


def _merge(times: list[float]) -> list[float]:
    """Sorted times with each one within TOL_S of the previous dropped (two labels of one event)."""
    h = sorted(times)
    return [x for i, x in enumerate(h) if i == 0 or x - h[i - 1] > TOL_S]


def measure(trials: dict[str, dict], seeds: int) -> tuple[dict, dict]:
    """scores[(trial, condition, detector)] and the truths {trial: (checked events (s), cadence)}."""
    scores: dict[tuple[str, str, str], Score] = {}
    truths = {}
    for name, d in trials.items():
        fps = float(d["fps"])
        checked, notes = check_annotations(d)
        ref = {k: {s: [f / fps for f in v] for s, v in checked[k].items()} for k in checked}
        gt_hs = [f / fps for v in d["ground_truth"]["hs_frames"].values() for f in v]
        merged = _merge(gt_hs)
        cad = cadence_of(merged)
        truths[name] = (ref, cad)
        strides = [np.diff(_merge([f / fps for f in v])) for v in d["ground_truth"]["hs_frames"].values()]
        by_strides = 120 / np.mean(np.concatenate(strides))
        print(
            f"{name}: annotated cadence {d['ground_truth']['cadence']:.1f}, {cad:.1f} with duplicates merged, "
            f"{by_strides:.1f} from the annotated strides (120 / mean stride); "
            + (f"annotations failing the checks: {'; '.join(notes)}" if notes else "all pass the checks")
        )
        kp = side_view(d)
        for cond in CONDITIONS:
            for kp_r, t_r in runs(kp, fps, cond, seeds):
                for det, opts in DETECTORS.items():
                    g = {
                        est: gait_events(kp_r, t_r, "blazepose33", cadence_from=est, **opts)  # type: ignore[arg-type]
                        for est in ("steps", "strides")
                    }
                    ev = {
                        "hs": {s: g["steps"].heel_strikes[s].tolist() for s in ("left", "right")},
                        "to": {s: g["steps"].toe_offs[s].tolist() for s in ("left", "right")},
                    }
                    sc = scores.setdefault((name, cond, det), Score())
                    sc.add(ev, ref, {est: g[est].cadence for est in g})
    return scores, truths


def report(scores: dict, truths: dict, theirs: dict, trials: dict) -> None:
    names = list(truths)
    for cond in CONDITIONS:
        print(f"\n-- {cond}: per trial (annotations passing the checks; matched/annotated per run) --")
        print("| trial | detector | heel strike | toe off | cadence steps / strides (truth) |")
        print("| --- | --- | --- | --- | --- |")
        for name in names:
            for det in DETECTORS:
                sc = scores[(name, cond, det)]
                c = {e: np.nanmean(v) for e, v in sc.cadence.items()}
                print(
                    f"| {name} | {det} | {sc.cell('hs')} | {sc.cell('to')} | "
                    f"{c['steps']:.1f} / {c['strides']:.1f} ({truths[name][1]:.1f}) |"
                )
            if cond == CONDITIONS[0]:
                fps = float(trials[name]["fps"])
                for method, ev in theirs.get(name, {}).items():
                    if "error" in ev:
                        print(f"| {name} | gaitkit {method} (3D) | failed: {ev['error']} | | |")
                        continue
                    conv = {k: {s: [f / fps for f in ev[k][s]] for s in ev[k]} for k in ("hs", "to")}
                    sc = Score()
                    sc.add(
                        conv, truths[name][0], {"steps": cadence_of(conv["hs"]["left"] + conv["hs"]["right"])}
                    )
                    print(
                        f"| {name} | gaitkit {method} (3D) | {sc.cell('hs')} | {sc.cell('to')} | "
                        f"{np.nanmean(sc.cadence['steps']):.1f} ({truths[name][1]:.1f}) |"
                    )
        print(f"\n-- {cond}: pooled over {', '.join(names)} --")
        print(
            "| detector | HS matched, mean abs error | TO matched, mean abs error | mean abs cadence error steps / strides |"
        )
        print("| --- | --- | --- | --- |")
        for det in DETECTORS:
            pooled = pool([scores[(n, cond, det)] for n in names])
            cad = {
                e: np.mean([abs(np.nanmean(scores[(n, cond, det)].cadence[e]) - truths[n][1]) for n in names])
                for e in ("steps", "strides")
            }
            print(
                f"| {det} | {pooled.cell('hs')} | {pooled.cell('to')} | {cad['steps']:.2f} / {cad['strides']:.2f} |"
            )


def pool(scs: list[Score]) -> Score:
    """Events of several trials together, as if one trial (runs per trial are equal within a condition)."""
    out = Score()
    out.runs = scs[0].runs
    for sc in scs:
        for k in ("hs", "to"):
            out.err[k] += sc.err[k]
            out.n_ref[k] += sc.n_ref[k]
            out.n_det[k] += sc.n_det[k]
    return out


def leave_one_trial_out(scores: dict, truths: dict) -> None:
    """The velocity threshold chosen on the other trials (lowest mean of HS and TO mean abs error at 30 fps
    with noise), measured on the held-out one."""
    cond = CONDITIONS[2]
    names = list(truths)
    print(f"\n-- velocity threshold by leave-one-trial-out ({cond}) --")

    def loss(f: float, trials: list[str]) -> float:
        p = pool([scores[(n, cond, f"velocity {f:.0%}")] for n in trials])
        return (p.mae_ms("hs") + p.mae_ms("to")) / 2

    held: list[Score] = []
    for out in names:
        rest = [n for n in names if n != out]
        best = min(FRACTIONS, key=lambda f: loss(f, rest))
        sc = scores[(out, cond, f"velocity {best:.0%}")]
        held.append(sc)
        print(
            f"held out {out}: chosen on {', '.join(rest)}: {best:.0%}; on {out}: HS {sc.cell('hs')}; TO {sc.cell('to')}"
        )
    p = pool(held)
    print(f"held-out pooled: HS {p.cell('hs')}; TO {p.cell('to')}")
    allbest = min(FRACTIONS, key=lambda f: loss(f, names))
    print(f"chosen on all trials: {allbest:.0%}")


def heel_contacts(trials: dict[str, dict]) -> None:
    """Each annotated heel strike next to the position method's and to when the heel marker reaches the
    floor (within 2 mm of its lowest level, the trial's 2nd percentile): which definition the annotator used."""
    print(
        "\n-- annotated heel strikes (frames) vs the position method (150 Hz) and the heel reaching the floor --"
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--gaitkit", default="/work/.venv-gaitkit/bin/python", help="python of a venv with gaitkit"
    )
    ap.add_argument("--seeds", type=int, default=4, help="noise draws per 30 fps phase")
    args = ap.parse_args()
    print("\n== Gait on gaitkit's example trials (motion capture markers projected to a side view) ==")
    trials = load_trials()
    if not trials:
        return
    theirs = gaitkit_events(list(trials), args.gaitkit)
    print(
        f"one-to-one matching within {1000 * TOL_S:.0f} ms per foot and kind; error = mean |detected - "
        "annotated| of the matched events, bias = mean signed; cadence 'steps' = 60 / mean interval of "
        "consecutive heel strikes (the annotations' definition), 'strides' = 120 / mean same-foot stride"
    )
    scores, truths = measure(trials, args.seeds)
    report(scores, truths, theirs, trials)
    heel_contacts(trials)
    leave_one_trial_out(scores, truths)


if __name__ == "__main__":
    main()
