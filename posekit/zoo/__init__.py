"""The model zoo: records of pretrained models and the cache that fetches, verifies and converts them."""

from posekit.zoo.maintenance import remove_model, state, verify
from posekit.zoo.registry import get_record, model_names
from posekit.zoo.schema import ModelRecord, Normalisation, Output, SourceFile, SourcePackage
from posekit.zoo.store import cache_dir, import_archive, model_path, source_path

__all__ = [
    "ModelRecord",
    "Normalisation",
    "Output",
    "SourceFile",
    "SourcePackage",
    "cache_dir",
    "get_record",
    "import_archive",
    "model_names",
    "model_path",
    "remove_model",
    "source_path",
    "state",
    "verify",
]
