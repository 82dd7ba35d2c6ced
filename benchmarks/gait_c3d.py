"""Annotated C3D gait trials from registry packages, turned into gaitkit's trial layout for the gait
benchmark (so every measurement of benchmarks/gait.py runs on them unchanged).

gaitalytics 0.2.2 (MIT; testing only) ships `tests/treadmill_events.c3d`: one healthy treadmill walk, 100 Hz
markers (a lower-body set with heel HEE and 2nd metatarsal MT2 markers, and Plug-in-Gait-style segment
origins: PELO the midpoint of the hip joint centres, FEO the knee and TIO the ankle joint centre), 12 s,
22 "Foot Strike" and 21 "Foot Off" events in the C3D EVENT parameters, and a split-belt instrumented
treadmill (one force plate per belt, 1000 Hz). `treadmill_no_events.c3d` is the same walk without events
(its heel markers within 0.4 mm of these), so it adds nothing.

A camera beside a treadmill sees the pelvis stay in place and the standing foot slide back at the belt's
speed. The trial is moved into the ground frame (the belt's velocity times the time subtracted along the
belt), so that it looks like the same walk overground; the foot-minus-pelvis signals of the position method
are unchanged by this, the speed-based definitions see a standing foot at rest as they would overground.
The belt's velocity is measured from the markers alone: the median velocity along the belt of the heel
markers while each is within 20 mm of its lowest height (the foot flat on the belt).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np

THIRD = Path.home() / ".cache" / "posekit" / "thirdparty"
GAITALYTICS = ("gaitalytics-0.2.2.tar.gz", "02fa69ade972c3d94c29796a090da7aa052d911d704184e732045c27f8a9409d")
C3D_MEMBER = (
    "gaitalytics-0.2.2/tests/treadmill_events.c3d",
    "206c0dfd718d7e3ea4ccb5afc2d094ecf35eef9a2dedc9a1c72490609eab2a97",
)
# gaitkit's landmark names -> this marker set's (left/right prefix L/R; a segment's origin is its distal
# joint centre). Both hips are PELO, the mid-hip-joint point (a side view drops the lateral offset); no
# shoulder markers: C7 stands in (gait_events does not use the shoulders).
MARKERS = {"knee": "FEO", "ankle": "TIO", "heel": "HEE", "toe": "MT2"}
FORCE_N = 20.0  # the usual force-plate contact threshold
FORCE_TOL_S = 0.05  # an annotation agrees with the plate when a 20 N crossing is this near


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def fetch_gaitalytics() -> Path | None:
    """The treadmill C3D, extracted from the SHA-256-checked sdist in the cache (downloaded if absent)."""
    d = THIRD / "gaitalytics"
    sdist = d / GAITALYTICS[0]
    if not sdist.exists():
        cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", "gaitalytics"]
        subprocess.run([*cmd, "gaitalytics==0.2.2", "-d", str(d)], capture_output=True, timeout=600)
    if not sdist.exists() or _sha(sdist) != GAITALYTICS[1]:
        print(f"gaitalytics trial skipped: no {sdist} with SHA-256 {GAITALYTICS[1][:8]}")
        return None
    out = d / Path(C3D_MEMBER[0]).name
    if not out.exists():
        with tarfile.open(sdist) as tf:
            out.write_bytes(tf.extractfile(C3D_MEMBER[0]).read())  # type: ignore[union-attr]
    if _sha(out) != C3D_MEMBER[1]:
        print(f"gaitalytics trial skipped: {out} does not match its SHA-256")
        return None
    return out


def _crossings(f: np.ndarray, rate: float, up: bool) -> np.ndarray:
    above = f > FORCE_N
    i = np.nonzero(above[1:] & ~above[:-1] if up else ~above[1:] & above[:-1])[0] + 1
    return i / rate


def treadmill_trial(path: Path) -> dict | None:
    """The C3D as a gaitkit-style trial dict (markers in mm, ground frame; events as frame indices), plus
    "force_agreement": each annotated event's distance (s) to its foot's belt crossing 20 N."""
    try:
        import ezc3d
    except ImportError:
        print("gaitalytics trial skipped: reading C3D needs ezc3d: pip install posekit[mocap]")
        return None
    c = ezc3d.c3d(str(path))
    p = c["parameters"]
    rate = float(p["POINT"]["RATE"]["value"][0])
    first = int(c["header"]["points"]["first_frame"])  # event time t is frame t * rate - first here
    labels = list(p["POINT"]["LABELS"]["value"])
    pts = c["data"]["points"][:3].transpose(2, 1, 0).astype(np.float64)  # (T, markers, xyz) mm
    pts[np.all(pts == 0, axis=2)] = np.nan  # 0, 0, 0 = marker not seen
    n = len(pts)
    t = np.arange(n) / rate
    mk = {
        s: {k: pts[:, labels.index(s[0].upper() + v)] for k, v in MARKERS.items()} for s in ("left", "right")
    }
    for s in mk:
        mk[s]["hip"] = pts[:, labels.index("PELO")]
    # The belt's direction is its longest horizontal extent of heel travel; vertical is the hip-heel axis.
    heels = np.concatenate([mk[s]["heel"] for s in mk])
    vert = int(np.argmax(np.nanmean(mk["left"]["hip"] - mk["left"]["heel"], axis=0)))
    belt = max((a for a in range(3) if a != vert), key=lambda a: float(np.nanstd(heels[:, a])))
    vel = []
    for s in mk:
        h = mk[s]["heel"]
        flat = h[:, vert] - np.nanpercentile(h[:, vert], 2) < 20
        vel.append((np.gradient(h[:, belt]) * rate)[flat])
    v_belt = float(np.nanmedian(np.concatenate(vel)))  # mm/s, negative of the walking direction
    shift = np.zeros(3)
    shift[belt] = 1.0
    frames = []
    for i in range(n):
        lm = {}
        for s in mk:
            for k, v in mk[s].items():
                lm[f"{s}_{k}"] = (v[i] - v_belt * t[i] * shift).tolist()
            lm[f"{s}_shoulder"] = (pts[i, labels.index("C7")] - v_belt * t[i] * shift).tolist()
        frames.append({"frame_index": i, "landmark_positions": lm})
    ev = p["EVENT"]
    times = np.asarray(ev["TIMES"]["value"], dtype=np.float64)[1]
    gt: dict = {"hs_frames": {"left": [], "right": []}, "to_frames": {"left": [], "right": []}}
    for lab, ctx, tt in zip(ev["LABELS"]["value"], ev["CONTEXTS"]["value"], times, strict=True):
        kind = {"Foot Strike": "hs_frames", "Foot Off": "to_frames"}.get(lab)
        if kind and ctx.lower() in ("left", "right"):
            gt[kind][ctx.lower()].append(round(float(tt) * rate) - first)
    for k in ("hs_frames", "to_frames"):
        gt[k] = {s: sorted(v) for s, v in gt[k].items()}
    hs = np.sort(np.concatenate([gt["hs_frames"]["left"], gt["hs_frames"]["right"]])) / rate
    gt["cadence"] = float(60 / np.mean(np.diff(hs)))
    gt["event_source"] = "C3D EVENT (Foot Strike / Foot Off)"
    return {
        "name": "treadmill",
        "description": f"healthy treadmill walk (gaitalytics 0.2.2 tests), belt {abs(v_belt) / 1000:.2f} m/s",
        "fps": rate,
        "n_frames": n,
        "angle_frames": frames,
        "ground_truth": gt,
        "force_agreement": force_agreement(c, gt, rate, mk),
        "belt_mm_per_s": v_belt,
        "height_mm": float(p["PROCESSING"]["Height"]["value"][0])
        if "Height" in p.get("PROCESSING", {})
        else None,
    }


def force_agreement(c: dict, gt: dict, rate: float, mk: dict) -> dict[str, list[float]]:
    """Each annotated event minus the nearest 20 N crossing (up for a strike, down for a foot off) of the
    belt under that foot (s). A belt is a foot's when that foot's heel is on its side of the belts' midline
    (their mean lateral position); when the other foot steps on the same belt there is no clean crossing,
    and the distance is large: those events cannot be checked by the plates."""
    p = c["parameters"]
    alab = list(p["ANALOG"]["LABELS"]["value"])
    arate = float(p["ANALOG"]["RATE"]["value"][0])
    an = c["data"]["analogs"][0]
    fz = [-an[alab.index(f"Force.Fz{k}")] for k in (1, 2) if f"Force.Fz{k}" in alab]
    if len(fz) != 2:
        return {}
    corners = np.asarray(p["FORCE_PLATFORM"]["CORNERS"]["value"], dtype=np.float64)  # (3, 4, plates)
    centre = corners.mean(axis=1)  # (3, plates)
    lat = int(np.argmax(np.abs(centre[:, 0] - centre[:, 1])))
    out: dict[str, list[float]] = {"hs": [], "to": []}
    for s in ("left", "right"):
        side = float(np.nanmedian(mk[s]["heel"][:, lat]))
        plate = int(np.argmin(np.abs(centre[lat] - side)))
        for kind, up in (("hs", True), ("to", False)):
            cr = _crossings(fz[plate], arate, up)
            for f in gt[f"{kind}_frames"][s]:
                out[kind].append(
                    float(f / rate - cr[np.argmin(np.abs(cr - f / rate))]) if len(cr) else np.nan
                )
    return out
