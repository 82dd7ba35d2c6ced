"""Inference pipelines: detectors, pose models, crop transforms and named presets."""
