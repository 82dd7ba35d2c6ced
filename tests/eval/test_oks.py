"""Evaluation scores with the same OKS the pipelines and the tracker use (tested in tests/ops)."""

import importlib

import posekit.eval
import posekit.ops


def test_eval_uses_the_one_oks():
    assert posekit.eval.oks is posekit.ops.oks and posekit.eval.oks_nms is posekit.ops.oks_nms
    module = importlib.import_module("posekit.eval.oks")  # still importable under its old name
    assert module.oks is posekit.ops.oks and module.oks_nms is posekit.ops.oks_nms
