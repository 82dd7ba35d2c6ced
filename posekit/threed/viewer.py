"""Pictures of 3D results: a rotating GIF of the skeletons, a self-contained HTML viewer, and the 3D
skeletons reprojected over a camera's video.

The world is drawn Z up (the calibration's frame; Pose2Sim's demo is Z up).
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import cv2
import numpy as np

from posekit.errors import InputError
from posekit.io.atomic import atomic_write
from posekit.layouts import GROUP_COLORS
from posekit.threed.pipeline import MultiViewResult

_TRACK_COLORS = [(230, 57, 70), (29, 53, 87), (42, 157, 143), (244, 162, 97), (131, 56, 236), (255, 190, 11)]


def _frame_image(
    pts: np.ndarray, result: MultiViewResult, azim: float, centre: np.ndarray, scale: float, size: int
) -> np.ndarray:
    img = np.full((size, size, 3), 250, np.uint8)
    ca, sa = np.cos(azim), np.sin(azim)
    elev = np.deg2rad(15)

    def to_px(p: np.ndarray) -> np.ndarray:
        q = p - centre
        x = ca * q[..., 0] + sa * q[..., 1]
        depth = -sa * q[..., 0] + ca * q[..., 1]
        y = q[..., 2] * np.cos(elev) - depth * np.sin(elev)
        return np.stack([size / 2 + scale * x, size * 0.55 - scale * y], -1)

    # floor grid under the main person's lowest point, 0.5 m spacing
    z0 = float(np.nanmin(pts[0, :, 2])) if np.isfinite(pts[0, :, 2]).any() else centre[2] - 1.0
    g = np.arange(-2.0, 2.01, 0.5)
    for v in g:
        for a, b in (((v, -2), (v, 2)), ((-2, v), (2, v))):
            pa = to_px(np.array([centre[0] + a[0], centre[1] + a[1], z0]))
            pb = to_px(np.array([centre[0] + b[0], centre[1] + b[1], z0]))
            cv2.line(
                img, tuple(int(c) for c in pa), tuple(int(c) for c in pb), (215, 215, 215), 1, cv2.LINE_AA
            )
    for t in range(pts.shape[0]):
        px = to_px(pts[t])
        col = _TRACK_COLORS[t % len(_TRACK_COLORS)]
        for i, j in result.layout.skeleton:
            if np.isfinite(px[[i, j]]).all():
                side = result.layout.groups[j]
                c = GROUP_COLORS[side] if t == 0 else col
                cv2.line(img, tuple(int(v) for v in px[i]), tuple(int(v) for v in px[j]), c, 2, cv2.LINE_AA)
        for k in range(px.shape[0]):
            if np.isfinite(px[k]).all():
                cv2.circle(img, tuple(int(v) for v in px[k]), 3, col, -1, cv2.LINE_AA)
    return img


def render_gif(
    path: str | os.PathLike, result: MultiViewResult, size: int = 480, max_frames: int = 150
) -> None:
    """A GIF of the whole sequence, the view turning once around the vertical axis."""
    from PIL import Image

    P = result.positions
    if not np.isfinite(P).any():
        raise InputError(f"{path}: no 3D point to draw")
    centre = np.nanmedian(P.reshape(-1, 3), axis=0)
    extent = np.nanpercentile(np.linalg.norm(P.reshape(-1, 3) - centre, axis=-1), 99)
    scale = 0.42 * size / max(extent, 0.3)
    step = max(1, int(np.ceil(P.shape[0] / max_frames)))
    idx = list(range(0, P.shape[0], step))
    frames = [
        Image.fromarray(_frame_image(P[f], result, 2 * np.pi * n / len(idx), centre, scale, size))
        for n, f in enumerate(idx)
    ]
    buf = io.BytesIO()
    frames[0].save(
        buf,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=int(1000 * step / result.fps),
        loop=0,
    )
    with atomic_write(path, "wb") as f:
        f.write(buf.getvalue())


_HTML = """<!doctype html><html><head><meta charset="utf-8"><title>posekit 3D</title>
<style>body{margin:0;font:13px sans-serif;background:#fafafa}canvas{display:block;margin:auto;background:#fff}
#bar{text-align:center;padding:6px}</style></head><body>
<div id="bar"><button id="play">pause</button> <input id="slider" type="range" min="0" value="0" style="width:60%">
<span id="info"></span> &mdash; drag to rotate, wheel to zoom</div><canvas id="c" width="720" height="600"></canvas>
<script>
const D = __DATA__;
const cv = document.getElementById('c'), ctx = cv.getContext('2d');
const sl = document.getElementById('slider'); sl.max = D.frames - 1;
let f = 0, az = 0.6, el = 0.25, zoom = 1, playing = true, drag = null;
const cols = ['#e63946', '#1d3557', '#2a9d8f', '#f4a261', '#8338ec', '#ffbe0b'];
function proj(p) {
  const q = [p[0] - D.centre[0], p[1] - D.centre[1], p[2] - D.centre[2]];
  const x = Math.cos(az) * q[0] + Math.sin(az) * q[1], d = -Math.sin(az) * q[0] + Math.cos(az) * q[1];
  const y = q[2] * Math.cos(el) - d * Math.sin(el), s = D.scale * zoom;
  return [cv.width / 2 + s * x, cv.height * 0.55 - s * y];
}
function draw() {
  ctx.clearRect(0, 0, cv.width, cv.height);
  ctx.strokeStyle = '#ddd'; ctx.lineWidth = 1;
  for (let v = -2; v <= 2.001; v += 0.5) for (const [a, b] of [[[v, -2], [v, 2]], [[-2, v], [2, v]]]) {
    const pa = proj([D.centre[0] + a[0], D.centre[1] + a[1], D.centre[2] - 1]);
    const pb = proj([D.centre[0] + b[0], D.centre[1] + b[1], D.centre[2] - 1]);
    ctx.beginPath(); ctx.moveTo(...pa); ctx.lineTo(...pb); ctx.stroke(); }
  D.tracks.forEach((tr, t) => { const P = tr[f]; ctx.strokeStyle = cols[t % cols.length]; ctx.lineWidth = 3;
    for (const [i, j] of D.skeleton) { if (!P[i] || !P[j]) continue;
      ctx.beginPath(); ctx.moveTo(...proj(P[i])); ctx.lineTo(...proj(P[j])); ctx.stroke(); }
    ctx.fillStyle = cols[t % cols.length];
    for (const p of P) if (p) { const q = proj(p); ctx.beginPath(); ctx.arc(q[0], q[1], 3, 0, 7); ctx.fill(); } });
  document.getElementById('info').textContent = `frame ${f + 1}/${D.frames}, ${(f / D.fps).toFixed(2)} s`;
  sl.value = f;
}
cv.onmousedown = e => drag = [e.clientX, e.clientY];
window.onmouseup = () => drag = null;
window.onmousemove = e => { if (!drag) return; az += (e.clientX - drag[0]) * 0.01;
  el = Math.max(-1.5, Math.min(1.5, el + (e.clientY - drag[1]) * 0.01)); drag = [e.clientX, e.clientY]; draw(); };
cv.onwheel = e => { e.preventDefault(); zoom *= e.deltaY < 0 ? 1.1 : 0.9; draw(); };
sl.oninput = () => { f = +sl.value; draw(); };
document.getElementById('play').onclick = e => { playing = !playing; e.target.textContent = playing ? 'pause' : 'play'; };
setInterval(() => { if (playing) { f = (f + 1) % D.frames; draw(); } }, 1000 / D.fps);
draw();
</script></body></html>
"""


def render_html(path: str | os.PathLike, result: MultiViewResult) -> None:
    """A self-contained HTML page (no network) playing the 3D skeletons; drag to rotate."""
    P = result.positions
    if not np.isfinite(P).any():
        raise InputError(f"{path}: no 3D point to draw")
    centre = np.nanmedian(P.reshape(-1, 3), axis=0)
    extent = np.nanpercentile(np.linalg.norm(P.reshape(-1, 3) - centre, axis=-1), 99)
    tracks = [
        [
            [None if not np.isfinite(p).all() else [round(float(v), 4) for v in p] for p in P[f, t]]
            for f in range(P.shape[0])
        ]
        for t in range(P.shape[1])
    ]
    data = {
        "frames": int(P.shape[0]),
        "fps": result.fps,
        "centre": centre.round(4).tolist(),
        "scale": float(0.42 * 600 / max(extent, 0.3)),
        "skeleton": [list(e) for e in result.layout.skeleton],
        "names": result.joint_names,
        "tracks": tracks,
    }
    with atomic_write(path, "w", encoding="utf-8") as f:
        f.write(_HTML.replace("__DATA__", json.dumps(data, separators=(",", ":"))))


def render_3d(path: str | os.PathLike, result: MultiViewResult) -> None:
    """A .gif (rotating) or .html (interactive viewer) of the 3D skeletons."""
    suffix = Path(path).suffix.lower()
    if suffix == ".gif":
        render_gif(path, result)
    elif suffix in (".html", ".htm"):
        render_html(path, result)
    else:
        raise InputError(f"{path}: 3D pictures are .gif or .html")


def render_reprojection(
    video: str | os.PathLike,
    out: str | os.PathLike,
    result: MultiViewResult,
    camera,
    view=None,
    max_frames: int | None = None,
) -> None:
    """Draw the 3D skeletons reprojected into `camera` over its `video` (thick lines), and the 2D input of
    that camera when `view` (a View2D) is given (thin grey lines), into an H.264 `out` video."""
    from posekit.io.video import open_source
    from posekit.io.video_writer import VideoWriter

    with open_source(video) as src, VideoWriter(out, src.fps, src.size) as writer:
        for frame in src:
            f = frame.index
            if f >= result.positions.shape[0] or (max_frames is not None and f >= max_frames):
                break
            img = np.ascontiguousarray(frame.image)
            if view is not None and f < view.num_frames:
                for p in range(view.keypoints.shape[1]):
                    k = view.keypoints[f, p] - 0.5
                    for i, j in result.layout.skeleton:
                        if (
                            np.isfinite(k[[i, j]]).all()
                            and min(view.scores[f, p, i], view.scores[f, p, j]) > 0.3
                        ):
                            cv2.line(
                                img,
                                tuple(int(v) for v in k[i]),
                                tuple(int(v) for v in k[j]),
                                (160, 160, 160),
                                2,
                                cv2.LINE_AA,
                            )
            for t in range(result.positions.shape[1]):
                px = camera.project(result.positions[f, t]) - 0.5
                col = _TRACK_COLORS[t % len(_TRACK_COLORS)]
                for i, j in result.layout.skeleton:
                    if np.isfinite(px[[i, j]]).all():
                        cv2.line(
                            img,
                            tuple(int(v) for v in px[i]),
                            tuple(int(v) for v in px[j]),
                            col,
                            4,
                            cv2.LINE_AA,
                        )
            writer.write(img)
