"""A constant-velocity Kalman filter on one person box.

State (8,): center x, center y, width, height and their velocities, in pixels and pixels/frame:

    x = [cx, cy, w, h, vcx, vcy, vw, vh]

Measurement (4,): the detected box as [cx, cy, w, h] (boxes come in and go out as x1, y1, x2, y2).

Motion model, for a step of `dt` frames: position += dt * velocity, velocity unchanged, i.e.
F = [[I, dt*I], [0, I]]. Noise is proportional to the box height (a person 400 px tall moves and
jitters more, in pixels, than one 40 px tall), as in SORT/DeepSORT:

* process noise: std `pos_noise * h * dt` on positions, `vel_noise * h * dt` on velocities;
* measurement noise: std `meas_noise * h` on each of cx, cy, w, h;
* initial uncertainty: positions as the measurement, velocities `init_vel_noise * h`.

NumPy only; float64 throughout.
"""

from __future__ import annotations

import numpy as np

from posekit.ops.boxes import box_to_z, z_to_box


class BoxKalman:
    """Constant-velocity Kalman filter for one box (see the module docstring for the model).

    Args:
        box: the first detection, x1, y1, x2, y2 in pixels.
        pos_noise: process noise on the position per frame, as a fraction of the box height.
        vel_noise: process noise on the velocity per frame, as a fraction of the box height.
        meas_noise: detector noise on each box coordinate, as a fraction of the box height.
        init_vel_noise: prior std of the (unknown) initial velocity, as a fraction of the height.

    Use: `predict(dt)` once per frame (dt = frames elapsed), then `update(box)` if the person was
    detected. `box` is the current estimate (the prediction until updated).
    """

    def __init__(
        self,
        box: np.ndarray,
        *,
        pos_noise: float = 1 / 20,
        vel_noise: float = 1 / 160,
        meas_noise: float = 1 / 20,
        init_vel_noise: float = 1 / 10,
    ) -> None:
        self.pos_noise, self.vel_noise, self.meas_noise = pos_noise, vel_noise, meas_noise
        z = box_to_z(box)
        h = max(z[3], 1.0)
        self.mean = np.concatenate([z, np.zeros(4)])
        std = np.r_[[meas_noise * h] * 4, [init_vel_noise * h] * 4]
        self.cov = np.diag(std**2)

    @staticmethod
    def _transition(dt: float) -> np.ndarray:
        f = np.eye(8)
        f[:4, 4:] = dt * np.eye(4)
        return f

    def predicted(self, dt: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """(mean, covariance) `dt` frames ahead, without changing the filter."""
        f = self._transition(dt)
        h = max(self.mean[3], 1.0)
        q = np.r_[[(self.pos_noise * h * dt) ** 2] * 4, [(self.vel_noise * h * dt) ** 2] * 4]
        mean = f @ self.mean
        mean[2:4] = np.maximum(mean[2:4], 1.0)  # a box never shrinks to nothing
        return mean, f @ self.cov @ f.T + np.diag(q)

    def predict(self, dt: float = 1.0) -> None:
        """Advance the state by `dt` frames (dt may be fractional or > 1 for skipped frames)."""
        if dt > 0:
            self.mean, self.cov = self.predicted(dt)

    def update(self, box: np.ndarray) -> None:
        """Correct the state with a detected box (x1, y1, x2, y2)."""
        z = box_to_z(box)
        h = max(self.mean[3], 1.0)
        r = np.diag(np.full(4, (self.meas_noise * h) ** 2))
        s = self.cov[:4, :4] + r  # innovation covariance (H = [I 0])
        gain = np.linalg.solve(s, self.cov[:4, :]).T  # (8, 4) = P H^T S^-1 (S symmetric)
        self.mean = self.mean + gain @ (z - self.mean[:4])
        self.cov = self.cov - gain @ self.cov[:4, :]
        self.cov = (self.cov + self.cov.T) / 2  # keep it symmetric against round-off

    def stop_size_change(self) -> None:
        """Zero the width/height velocity (used while a track is unobserved, so the box keeps its size)."""
        self.mean[6:8] = 0.0

    @property
    def box(self) -> np.ndarray:
        """Current estimate as x1, y1, x2, y2."""
        return z_to_box(self.mean[:4])

    @property
    def velocity(self) -> np.ndarray:
        """Center velocity (vx, vy) in pixels per frame."""
        return self.mean[4:6].copy()
