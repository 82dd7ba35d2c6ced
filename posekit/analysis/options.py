"""Which analyses to run: one parser for the ways they are asked for (service form fields, `posekit batch
--analyze`), so every interface accepts the same names and refuses the same mistakes up front."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from posekit.errors import InputError

ANALYSES = ("angles", "reps", "ergonomics", "gait", "falls", "activity")
ERGONOMICS = ("reba", "rula")


@dataclass(frozen=True)
class AnalysisChoice:
    """The analyses asked for, as the keyword arguments of `posekit.analysis.analyze`."""

    angles: bool = False
    reps: str | None = None  # "any" (class-agnostic) or an exercise name
    ergonomics: str | None = None  # "reba" or "rula"
    gait: bool = False
    falls: bool = False
    activity: bool = False

    def asked(self) -> bool:
        return any(asdict(self).values())

    def analyze_kwargs(self) -> dict[str, Any]:
        """The choice as keyword arguments of `analyze` (fields a subclass adds are left out)."""
        return {f.name: getattr(self, f.name) for f in fields(AnalysisChoice)}

    @classmethod
    def from_dict(cls, options: dict[str, Any]) -> AnalysisChoice:
        """Back from `asdict` (e.g. a job's stored options); keys it does not know are ignored."""
        return cls(**{f.name: options[f.name] for f in fields(cls) if f.name in options})


def choose_analyses(
    names: Sequence[str],
    *,
    ergonomics: str | None = None,
    exercise: str | None = None,
    field: str = "analyze",
    ergonomics_field: str = "ergonomics",
    exercise_field: str = "exercise",
) -> AnalysisChoice:
    """Analysis names (`reps=EXERCISE` allowed), an ergonomics method and an exercise → the choice.
    `exercise` implies reps and `ergonomics` implies the ergonomics analysis; the name "ergonomics"
    needs a method. Raises InputError naming the field (as the interface calls it) of a bad value."""
    from posekit.analysis.repetitions import EXERCISES

    chosen: dict[str, bool | str | None] = {}
    for raw in names:
        name = raw.strip().lower()
        if not name:
            continue
        base, _, arg = name.partition("=")
        if base not in ANALYSES:
            raise InputError(
                f"{field}: unknown analysis {base[:40]!r}; choose from {', '.join(ANALYSES)} (reps=EXERCISE)"
            )
        if arg and base != "reps":
            raise InputError(f"{field}: {base} takes no argument, got {name[:40]!r}")
        if base == "reps":
            if arg and arg not in EXERCISES:
                raise InputError(
                    f"{field}: unknown exercise {arg[:40]!r}; choose from {', '.join(EXERCISES)}"
                )
            chosen["reps"] = arg or chosen.get("reps") or "any"
        elif base != "ergonomics":
            chosen[base] = True
    erg = (ergonomics or "").strip().lower() or None
    if erg is not None and erg not in ERGONOMICS:
        raise InputError(f"{ergonomics_field}: expected reba or rula, got {erg[:40]!r}")
    if erg is None and any(n.strip().lower() == "ergonomics" for n in names):
        raise InputError(
            f"{ergonomics_field}: say which method ({ergonomics_field}=reba or {ergonomics_field}=rula)"
        )
    ex = (exercise or "").strip().lower() or None
    if ex is not None:
        if ex not in EXERCISES:
            raise InputError(
                f"{exercise_field}: unknown exercise {ex[:40]!r}; choose from {', '.join(EXERCISES)}"
            )
        chosen["reps"] = ex
    return AnalysisChoice(ergonomics=erg, **chosen)  # type: ignore[arg-type]
