"""Self-contained HTML report (inline SVG charts, no scripts, no external files) for `analyze` results.

Written for a coach, clinician or safety officer: plain sentences first, then charts.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from posekit.analysis.keyframes import PHOTO_HEIGHT, KeyFrame, choose_key_frames

RISK_COLORS = {
    "negligible": "#2e7d32",
    "low": "#7cb342",
    "medium": "#fbc02d",
    "high": "#ef6c00",
    "very high": "#c62828",
    "acceptable": "#2e7d32",
    "investigate further": "#fbc02d",
    "investigate and change soon": "#ef6c00",
    "investigate and change immediately": "#c62828",
}
STATE_COLORS = {
    "standing": "#1976d2",
    "sitting": "#7b1fa2",
    "lying": "#c62828",
    "walking": "#2e7d32",
    "running": "#ef6c00",
    "unknown": "#bdbdbd",
}
LINE_COLORS = ("#1976d2", "#c62828", "#2e7d32", "#7b1fa2", "#ef6c00", "#00838f")
W, H, PAD = 760, 220, 46


def _e(s: Any) -> str:
    return html.escape(str(s))


def line_chart(
    t: np.ndarray,
    series: dict[str, np.ndarray],
    title: str,
    unit: str = "°",
    spans: list[tuple[float, float]] | None = None,
    marks: list[float] | None = None,
) -> str:
    """An SVG line chart of several series over time; `spans` shaded (repetitions), `marks` vertical lines."""
    vals = np.concatenate([v[np.isfinite(v)] for v in series.values()] + [np.zeros(0)])
    if not vals.size or len(t) < 2:
        return f"<p>{_e(title)}: no measurable values.</p>"
    lo, hi = float(vals.min()), float(vals.max())
    lo, hi = (lo - 1, hi + 1) if hi - lo < 1e-6 else (lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
    t0, t1 = float(t[0]), float(t[-1]) if t[-1] > t[0] else float(t[0]) + 1
    x = lambda v: PAD + (v - t0) / (t1 - t0) * (W - PAD - 10)
    y = lambda v: H - 28 - (v - lo) / (hi - lo) * (H - 50)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" role="img" aria-label="{_e(title)}">',
        f'<text x="{PAD}" y="14" font-size="13" font-weight="bold">{_e(title)}</text>',
    ]
    for a, b in spans or []:
        parts.append(
            f'<rect x="{x(a):.1f}" y="20" width="{max(1.0, x(b) - x(a)):.1f}" height="{H - 48}" '
            'fill="#e3f2fd" stroke="#90caf9"/>'
        )
    for m in marks or []:
        parts.append(
            f'<line x1="{x(m):.1f}" x2="{x(m):.1f}" y1="20" y2="{H - 28}" stroke="#c62828" stroke-width="2"/>'
        )
    digits = 0 if hi - lo > 8 else 1 if hi - lo > 0.8 else 2
    for v in np.linspace(lo, hi, 5):
        parts.append(
            f'<line x1="{PAD}" x2="{W - 10}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#eee"/>'
            f'<text x="{PAD - 4}" y="{y(v) + 4:.1f}" font-size="10" text-anchor="end">{v:.{digits}f}{_e(unit)}</text>'
        )
    for v in np.linspace(t0, t1, 6):
        parts.append(
            f'<text x="{x(v):.1f}" y="{H - 12}" font-size="10" text-anchor="middle">{v:.1f} s</text>'
        )
    for i, (name, v) in enumerate(series.items()):
        c = LINE_COLORS[i % len(LINE_COLORS)]
        segs, cur = [], []
        for ti, vi in zip(t, v):
            if np.isfinite(vi):
                cur.append(f"{x(ti):.1f},{y(vi):.1f}")
            elif cur:
                segs.append(cur)
                cur = []
        segs.append(cur)
        for s in segs:
            if len(s) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="{c}" stroke-width="1.6" points="{" ".join(s)}"/>'
                )
        parts.append(
            f'<rect x="{W - 170}" y="{22 + 14 * i}" width="10" height="10" fill="{c}"/>'
            f'<text x="{W - 156}" y="{31 + 14 * i}" font-size="11">{_e(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def band_chart(t: np.ndarray, labels: np.ndarray, colors: dict[str, str], title: str) -> str:
    """A timeline of categories (risk level, activity) as coloured bands, with a legend."""
    if len(t) < 2:
        return ""
    t0, t1 = float(t[0]), float(t[-1])
    x = lambda v: PAD + (v - t0) / max(t1 - t0, 1e-9) * (W - PAD - 10)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="90" role="img" aria-label="{_e(title)}">',
        f'<text x="{PAD}" y="14" font-size="13" font-weight="bold">{_e(title)}</text>',
    ]
    i = 0
    while i < len(t):
        j = i
        while j + 1 < len(t) and labels[j + 1] == labels[i]:
            j += 1
        end = t[j + 1] if j + 1 < len(t) else t1
        if labels[i]:
            parts.append(
                f'<rect x="{x(t[i]):.1f}" y="22" width="{max(1.0, x(end) - x(t[i])):.1f}" height="26" '
                f'fill="{colors.get(str(labels[i]), "#999")}"><title>{_e(labels[i])}</title></rect>'
            )
        i = j + 1
    for k, name in enumerate(dict.fromkeys(str(v) for v in labels if v)):
        parts.append(
            f'<rect x="{PAD + 150 * k}" y="62" width="10" height="10" fill="{colors.get(name, "#999")}"/>'
            f'<text x="{PAD + 150 * k + 14}" y="71" font-size="11">{_e(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def skeleton_svg(kp: np.ndarray, skeleton: tuple[tuple[int, int], ...], title: str, size: int = 220) -> str:
    """One pose drawn as a stick figure (the key frame), scaled to fit."""
    ok = np.isfinite(kp).all(axis=1)
    if ok.sum() < 2:
        return ""
    p = kp[:, :2]
    lo, hi = p[ok].min(axis=0), p[ok].max(axis=0)
    s = (size - 30) / max(float((hi - lo).max()), 1e-6)
    q = (p - lo) * s + 15
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size + 20}" role="img" '
        f'aria-label="{_e(title)}"><text x="4" y="14" font-size="12">{_e(title)}</text><g transform="translate(0,18)">'
    ]
    for a, b in skeleton:
        if ok[a] and ok[b]:
            parts.append(
                f'<line x1="{q[a, 0]:.1f}" y1="{q[a, 1]:.1f}" x2="{q[b, 0]:.1f}" y2="{q[b, 1]:.1f}" '
                'stroke="#1976d2" stroke-width="3" stroke-linecap="round"/>'
            )
    for i in np.flatnonzero(ok):
        parts.append(f'<circle cx="{q[i, 0]:.1f}" cy="{q[i, 1]:.1f}" r="3" fill="#c62828"/>')
    parts.append("</g></svg>")
    return "".join(parts)


def _main_angles(a: Any, n: int = 4) -> list[str]:
    joints = [x for x in a.names if x.split()[-1] in ("knee", "hip", "elbow", "shoulder", "ankle")]
    rom = {x: np.nanmax(a[x]) - np.nanmin(a[x]) for x in joints if np.isfinite(a[x]).sum() > 1}
    return sorted(rom, key=lambda k: -rom[k])[:n]


def key_frames_html(tr: Any, keys: list[KeyFrame], photos: dict[tuple[int, int], str]) -> str:
    """A row of key frames: the video's frame (a JPEG data URI) where there is one, else a stick figure."""
    figs = []
    for k in keys:
        uri = photos.get((k.track_id, k.sample))
        if uri:
            figs.append(
                f'<figure><img src="{uri}" alt="{_e(k.title)}" height="{PHOTO_HEIGHT}">'
                f"<figcaption>{_e(k.title)}</figcaption></figure>"
            )
        else:
            figs.append(skeleton_svg(tr.keypoints[k.sample], tr.layout.skeleton, k.title))
    figs = [f for f in figs if f]
    return f"<div class=frames>{''.join(figs)}</div>" if figs else ""


def render_report(
    res: Any,
    keys: dict[int, list[KeyFrame]] | None = None,
    photos: dict[tuple[int, int], str] | None = None,
) -> str:
    """The self-contained HTML report of an `AnalysisResult`. keys: its key frames (default: chosen by
    `keyframes.choose_key_frames`); photos: (track id, sample) -> JPEG data URI of the video's frame."""
    keys = choose_key_frames(res) if keys is None else keys
    s = res.summary
    body = [
        "<h1>Movement analysis report</h1>",
        f"<p>{len(res.tracks)} person(s) analysed"
        + (f" over {res.tracks[0].time[-1] - res.tracks[0].time[0]:.1f} seconds" if res.tracks else "")
        + ". Angles are in degrees; time in seconds from the start of the video.</p>",
    ]
    if "falls" in s:
        fl = s["falls"]
        body.append(
            "<h2>Falls</h2>"
            + (
                "<p class=ok>No fall detected.</p>"
                if not fl
                else "<ul>"
                + "".join(
                    f"<li class=bad>Person {f['track_id']} fell at {f['time']:.1f} s (confidence {f['confidence']:.0%}).</li>"
                    for f in fl
                )
                + "</ul>"
            )
        )
    for tr in res.tracks:
        tid = tr.track_id
        body.append(f"<h2>Person {tid}</h2>")
        marks = [f["time"] for f in s.get("falls", []) if f["track_id"] == tid]
        spans = []
        rep = res.details.get("repetitions", {}).get(tid)
        if rep is not None:
            spans = [(r.start_time + tr.time[0], r.end_time + tr.time[0]) for r in rep.repetitions]
            durs = [r.duration for r in rep.repetitions]
            name = "repetitions" if rep.exercise == "any" else f"{rep.exercise.replace('_', ' ')} repetitions"
            body.append(
                f"<p class=big><b>{rep.count}</b> {_e(name)}"
                + (f", {np.mean(durs):.1f} s each on average" if durs else "")
                + ".</p>"
            )
            flagged = [(i + 1, f) for i, r in enumerate(rep.repetitions) for f in r.flags]
            if flagged:
                body.append(
                    "<ul>" + "".join(f"<li>Repetition {i}: {_e(f)}</li>" for i, f in flagged) + "</ul>"
                )
        a = res.details.get("angles", {}).get(tid)
        if a is not None:
            names = _main_angles(a)
            if names:
                body.append(
                    line_chart(
                        a.time,
                        {n: a[n] for n in names},
                        "Joint angles (shaded: repetitions)",
                        spans=spans,
                        marks=marks,
                    )
                )
                rows = "".join(
                    f"<tr><td>{_e(n)}</td><td>{v['min']:.0f}°</td><td>{v['max']:.0f}°</td>"
                    f"<td>{v['range_of_motion']:.0f}°</td></tr>"
                    for n, v in a.summary().items()
                    if n in names and v["min"] is not None
                )
                body.append(
                    "<table><tr><th>angle</th><th>smallest</th><th>largest</th><th>range of motion</th></tr>"
                    f"{rows}</table>"
                )
        elif rep is not None:
            body.append(
                line_chart(
                    tr.time,
                    {"movement": rep.signal},
                    "Movement signal (shaded: repetitions)",
                    unit="",
                    spans=spans,
                )
            )
        erg = res.details.get("ergonomics", {}).get(tid)
        if erg is not None and s["ergonomics"][str(tid)]["max_score"] is None:  # no frame could be scored
            body.append("<p>Posture risk: no frame showed the body parts the score needs.</p>")
            erg = None
        if erg is not None:
            info = s["ergonomics"][str(tid)]
            method = info["method"].upper()
            labels = erg.level if info["method"] == "reba" else erg.level_name
            seen = np.isfinite(res.series["ergonomics"][tid]["score"]) & (
                res.series["ergonomics"][tid]["score"] >= 0
            )
            body.append(
                f"<p>{method} posture risk: highest score {info['max_score']}, typical {info['median_score']:.0f} "
                f"({_e(info['view'])}). Time at each level: "
                + ", ".join(f"{_e(k)} {v:.1f} s" for k, v in info["time_at_level_s"].items())
                + ".</p>"
            )
            body.append(
                band_chart(tr.time, np.where(seen, labels, ""), RISK_COLORS, f"{method} risk over time")
            )
            body.append(
                line_chart(
                    tr.time,
                    {f"{method} score": np.where(seen, erg.score, np.nan).astype(float)},
                    f"{method} score",
                    unit="",
                )
            )
        g = res.details.get("gait", {}).get(tid)
        if g is not None and g.cadence:
            body.append(
                f"<p>Walking: {g.cadence:.0f} steps per minute, {g.step_time:.2f} s per step"
                + (
                    f", left/right step-time asymmetry {g.step_time_symmetry:.0f} %"
                    if g.step_time_symmetry is not None
                    else ""
                )
                + (
                    f", steps of {g.step_length:.2f} m at {g.speed:.2f} m/s"
                    if g.step_length is not None and g.speed is not None
                    else ""
                )
                + ". Heel strikes are marked in red below.</p>"
            )
            hs = np.concatenate(list(g.heel_strikes.values()))
            foot = {n: tr.keypoints[:, tr.layout.index(f"{n}_ankle"), 0] for n in ("left", "right")}
            body.append(
                line_chart(
                    tr.time,
                    foot,
                    "Ankle position across the image (red: heel strikes)",
                    unit=" px",
                    marks=list(hs),
                )
            )
        act = s.get("activity", {}).get(str(tid))
        if act is not None:
            body.append(
                band_chart(tr.time, res.series["activity"][tid]["state"], STATE_COLORS, "Activity over time")
            )
            body.append(
                "<p>Time spent: "
                + ", ".join(f"{_e(k)} {v:.1f} s" for k, v in act["time_s"].items())
                + ".</p>"
            )
        body.append(key_frames_html(tr, keys.get(tid, []), photos or {}))
    style = (
        "body{font-family:sans-serif;max-width:800px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}"
        ".frames{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-end}"
        "figure{margin:0}figcaption{font-size:12px;color:#444}img{max-width:100%;height:auto}"
        ".big{font-size:1.4em}.ok{color:#2e7d32}.bad{color:#c62828;font-weight:bold}"
    )
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>posekit analysis</title>"
        f"<style>{style}</style></head><body>{''.join(body)}"
        "<p style='color:#777;font-size:small'>Made by posekit analyze. Definitions: docs/analysis.md.</p>"
        "</body></html>"
    )
