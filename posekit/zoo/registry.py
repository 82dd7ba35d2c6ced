"""Look-ups over the zoo records."""

from __future__ import annotations

import difflib

from posekit.errors import ModelError
from posekit.zoo.records import PACKAGES, RECORDS
from posekit.zoo.schema import ModelRecord, SourcePackage

_BY_NAME = {r.name: r for r in RECORDS}


def model_names() -> list[str]:
    from posekit.zoo.user import user_names  # the user's own models, recorded in the cache

    return [r.name for r in RECORDS] + user_names()


def get_record(name: str) -> ModelRecord:
    try:
        return _BY_NAME[name]
    except KeyError:
        from posekit.zoo.user import user_record

        user = user_record(name)
        if user is not None:
            return user
        close = difflib.get_close_matches(name, _BY_NAME, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ModelError(f"unknown model {name!r}.{hint} Known models: {', '.join(_BY_NAME)}") from None


def records_of(package: SourcePackage) -> list[ModelRecord]:
    return [r for r in RECORDS if r.source == package]


def packages() -> tuple[SourcePackage, ...]:
    return PACKAGES
