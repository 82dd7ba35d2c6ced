"""OKS and OKS-NMS for evaluation: they live in `posekit.ops.oks` (shared with the pipelines and
the tracker); this module keeps `posekit.eval.oks` importable."""

from posekit.ops.oks import oks, oks_nms

__all__ = ["oks", "oks_nms"]
