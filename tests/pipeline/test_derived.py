"""Derived models (posekit.pipeline.derived): the any-size CenterNet against the zoo's 512×512 one."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from posekit.ops.boxes import box_iou
from posekit.pipeline.derived import DERIVED, derived_path
from posekit.pipeline.detectors import CenterNetDetector
from posekit.runtime import OnnxModel
from posekit.zoo import model_path
from posekit.zoo.store import sha256_file

pytestmark = pytest.mark.models


def test_any_size_centernet_is_the_recorded_build_and_matches_at_512():
    path = derived_path("centernet-any-size")
    assert sha256_file(path) == DERIVED["centernet-any-size"][1]
    x = (np.random.default_rng(0).random((1, 512, 512, 3)) * 255).astype(np.float32)
    ours, zoo = OnnxModel(path, threads=2)(x), OnnxModel(model_path("centernet"), threads=2)(x)
    assert ours.keys() == zoo.keys()
    for name in zoo:  # the same network: only the order of float additions may differ
        np.testing.assert_allclose(ours[name], zoo[name], atol=1e-3, rtol=1e-4)


def test_fitting_the_aspect_finds_the_same_person_without_the_padding():
    image = data.astronaut()[:384]  # 512×384: the square input would be a quarter padding
    square, fitted = CenterNetDetector(0.3, threads=2), CenterNetDetector(0.3, threads=2, long_side=512)
    assert fitted.input_size(image.shape) == (512, 384)
    assert fitted.input_size((1000, 500, 3)) == (256, 512)  # portrait, short side up to a multiple of 32
    a, b = square(image), fitted(image)
    assert len(a) >= 1 and len(b) >= 1
    # the astronaut is found in the same place by both (best boxes overlap almost fully)
    assert box_iou(a.boxes[:1], b.boxes[:1])[0, 0] > 0.9
    assert abs(float(a.scores[0]) - float(b.scores[0])) < 0.1


def test_long_side_must_be_a_multiple_of_32():
    with pytest.raises(ValueError, match="multiple of 32"):
        CenterNetDetector(long_side=500)
