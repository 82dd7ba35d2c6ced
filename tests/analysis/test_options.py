"""One parser of analysis choices for every interface (service form fields, batch --analyze)."""

from __future__ import annotations

import pytest

from posekit.analysis.options import AnalysisChoice, choose_analyses
from posekit.errors import InputError


def test_names_methods_and_exercise_combine():
    assert choose_analyses(["angles", " Falls ", ""]) == AnalysisChoice(angles=True, falls=True)
    assert choose_analyses(["reps=squat"]).reps == "squat"
    assert choose_analyses(["reps"]).reps == "any"
    assert choose_analyses([], exercise="squat") == AnalysisChoice(reps="squat")  # an exercise implies reps
    assert choose_analyses(["ergonomics"], ergonomics="RULA") == AnalysisChoice(ergonomics="rula")
    assert not choose_analyses([]).asked() and choose_analyses([], ergonomics="reba").asked()


@pytest.mark.parametrize(
    ("names", "kw", "words"),
    [
        (["dance"], {}, "analyze: unknown analysis 'dance'"),
        (["falls=1"], {}, "falls takes no argument"),
        (["reps=yoga"], {}, "unknown exercise 'yoga'"),
        (["ergonomics"], {}, "ergonomics: say which method"),
        ([], {"ergonomics": "owas"}, "ergonomics: expected reba or rula"),
        ([], {"exercise": "yoga"}, "exercise: unknown exercise 'yoga'"),
    ],
)
def test_mistakes_name_the_field(names, kw, words):
    with pytest.raises(InputError) as e:
        choose_analyses(names, **kw)
    assert words in str(e.value)
    with pytest.raises(InputError, match="--analyze|--ergonomics|exercise"):  # the CLI's own field names
        choose_analyses(names, field="--analyze", ergonomics_field="--ergonomics", **kw)
