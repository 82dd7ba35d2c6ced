"""The temporary files of posekit.io.atomic under other writers' locks."""

from __future__ import annotations

import numpy as np
import pytest

from posekit.io.atomic import atomic_path


def test_hdf5_writes_into_an_atomic_path(tmp_path):
    """HDF5 flocks the file it creates: our own lock on the temporary file must not be an flock."""
    h5py = pytest.importorskip("h5py")
    out = tmp_path / "x.nwb"
    with atomic_path(out, suffix=".nwb") as tmp, h5py.File(tmp, "w") as f:
        f["a"] = np.arange(3)
    with h5py.File(out, "r") as f:
        assert list(f["a"][()]) == [0, 1, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["x.nwb"]
