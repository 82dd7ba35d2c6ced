"""MediaPipe 0.10.21's own `mp.solutions.pose` in video mode, the baseline for benchmarks/video_speed.py.

Runs in its own virtual environment (.venv-mediapipe, made by video_speed.py), never imported by posekit.
Prints one JSON line: frames, seconds in the loop (decode included), frames/s.
"""

import json
import sys
import time

import cv2
import mediapipe as mp

path = sys.argv[1]
complexity = int(sys.argv[2]) if len(sys.argv) > 2 else 1  # 1 = BlazePose full
cap = cv2.VideoCapture(path)
frames = 0
with mp.solutions.pose.Pose(
    static_image_mode=False, model_complexity=complexity, smooth_landmarks=True
) as pose:
    t0 = time.perf_counter()
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        pose.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        frames += 1
    loop = time.perf_counter() - t0
print(json.dumps({"frames": frames, "loop_s": loop, "loop_fps": frames / loop}))
