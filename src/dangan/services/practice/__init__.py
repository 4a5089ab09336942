"""Practice mode (练习模式): sandbox archives built from demo data, reset in one click, and exercises
checked automatically against the sandbox and scored. Nothing here writes to the real archive."""

from dangan.services.practice._broken import DEFECTS, broken_package, package_source_id
from dangan.services.practice._checkers import CHECKERS, Verdict
from dangan.services.practice._exercises import (
    Exercise,
    ExerciseState,
    Scoreboard,
    find_exercise,
    load_exercises,
    read_answers,
    scoreboard,
    submit_answer,
)
from dangan.services.practice._sandbox import (
    TEMPLATE_CASES,
    PracticeHub,
    TemplateStatus,
    folder_name,
    practice_root,
    sandbox_settings,
)

__all__ = [
    "CHECKERS",
    "DEFECTS",
    "TEMPLATE_CASES",
    "Exercise",
    "ExerciseState",
    "PracticeHub",
    "Scoreboard",
    "TemplateStatus",
    "Verdict",
    "broken_package",
    "find_exercise",
    "folder_name",
    "load_exercises",
    "package_source_id",
    "practice_root",
    "read_answers",
    "sandbox_settings",
    "scoreboard",
    "submit_answer",
]
