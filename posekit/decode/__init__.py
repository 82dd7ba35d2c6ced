"""Decoders for the raw outputs of other projects' pose models (heatmaps, SimCC, YOLO-pose, OpenPose).

Each module turns one model's output tensors into keypoints in the model's *input* pixels
(posekit's corner-origin frame); the pipelines in `posekit.pipeline.user_models` map them back to the
image through the exact inverse of the crop or letterbox that made the input. Each module also has a
`render_*` function, the encoder the decoder inverts: the tests and `benchmarks/decoders.py` render
ground truth with it and check that decoding gives the people back.

Only numpy and OpenCV are needed; nothing here knows about ONNX or the zoo.
"""
