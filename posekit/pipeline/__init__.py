"""Inference pipelines: image (H×W×3 RGB uint8) → `Poses`.

- `base`: the contracts (`Pipeline`, `RoiPipeline`, `PersonDetector` Protocols) and typed results
  (`RoiPoses`, `Detections`, `CropPose`).
- `models`: `ZooModel`, a zoo model fed and read as its record (`posekit.zoo.records`) says: input
  size, normalisation and output names are never written in pipeline code.
- `settings`, `registry`, `presets`: frozen settings per kind of pipeline, the registry of builders
  (a record or a settings class names its pipeline) and the named presets (`default`, `fast`, …).
- `detectors`, `movenet`, `blazepose`, `topdown`: the pipelines; `transforms`, `roi`: crop geometry.

Sizes are (width, height) everywhere here, like OpenCV's; the one exception is `Poses.image_size`,
which is (height, width) like a NumPy image's shape.
"""
