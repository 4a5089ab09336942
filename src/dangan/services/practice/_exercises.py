"""Exercises as data (`exercises.json`), the trainee's answers beside his sandbox, and the score.

The answers live in the sandbox folder (`progress.json`, written to a temporary file and renamed), so a
reset throws them away with the sandbox, and nothing about practice is written to the real archive.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from dangan.access import Principal
from dangan.core import NotFound, ValidationFailed
from dangan.services.archive import Archive

from ._checkers import CHECKERS, Verdict

EXERCISES_FILE = Path(__file__).with_name("exercises.json")
PROGRESS = "progress.json"
MAX_ANSWER = 40


@dataclass(frozen=True)
class Exercise:
    id: str
    kind: str
    title: str
    instructions: str
    points: int
    roles: tuple[str, ...]
    params: dict[str, Any]


@dataclass(frozen=True)
class ExerciseState:
    """One exercise as this trainee sees it: title and instructions filled in from his sandbox."""

    exercise: Exercise
    title: str
    instructions: str
    verdict: Verdict
    answer: str | None

    @property
    def points(self) -> int:
        return self.exercise.points if self.verdict.done else 0


@dataclass(frozen=True)
class Scoreboard:
    items: list[ExerciseState]
    score: int
    total: int


@cache
def load_exercises(path: Path = EXERCISES_FILE) -> tuple[Exercise, ...]:
    """The exercise definitions; an unknown checker kind is a packaging error, caught at first load."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    found = []
    for item in raw:
        if item["kind"] not in CHECKERS:
            raise ValueError(f"exercise {item['id']}: unknown kind {item['kind']}")
        found.append(Exercise(item["id"], item["kind"], item["title"], item["instructions"], int(item["points"]),
                              tuple(item.get("roles") or ()), dict(item.get("params") or {})))  # fmt: skip
    return tuple(found)


def find_exercise(exercise_id: str) -> Exercise:
    for exercise in load_exercises():
        if exercise.id == exercise_id:
            return exercise
    raise NotFound("没有这道练习题", code="unknown_exercise")


def _progress_file(folder: Path) -> Path:
    return folder / PROGRESS


def read_answers(folder: Path) -> dict[str, str]:
    path = _progress_file(folder)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    answers = data.get("answers", {}) if isinstance(data, dict) else {}
    return {str(k): str(v["answer"]) for k, v in answers.items() if isinstance(v, dict) and "answer" in v}


def _write_answer(folder: Path, exercise_id: str, answer: str) -> None:
    path = _progress_file(folder)
    data: dict[str, Any] = {"answers": {}}
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {"answers": {}}
    data.setdefault("answers", {})[exercise_id] = {"answer": answer, "at": datetime.now(UTC).isoformat()}
    tmp = path.with_name(f".{PROGRESS}.{secrets.token_hex(4)}")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def _fill(text: str, params: dict[str, Any]) -> str:
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text


def exercise_state(
    archive: Archive, user: Principal, exercise: Exercise, answer: str | None
) -> ExerciseState:
    verdict = CHECKERS[exercise.kind](archive, user, exercise.params, answer)
    params = {**exercise.params, **verdict.params}
    return ExerciseState(exercise, _fill(exercise.title, params), _fill(exercise.instructions, params), verdict,
                         answer)  # fmt: skip


def applicable(user: Principal) -> list[Exercise]:
    return [e for e in load_exercises() if not e.roles or user.role.code in e.roles]


def scoreboard(archive: Archive, user: Principal, folder: Path) -> Scoreboard:
    """Every exercise of the trainee's role, checked now against his sandbox."""
    answers = read_answers(folder)
    items = [exercise_state(archive, user, e, answers.get(e.id)) for e in applicable(user)]
    return Scoreboard(items, sum(i.points for i in items), sum(i.exercise.points for i in items))


def submit_answer(
    archive: Archive, user: Principal, folder: Path, exercise_id: str, answer: str
) -> ExerciseState:
    """Keep the trainee's answer (the last one counts) and check it at once."""
    exercise = find_exercise(exercise_id)
    if exercise not in applicable(user):
        raise NotFound("没有这道练习题", code="unknown_exercise")
    answer = answer.strip()
    if not answer:
        raise ValidationFailed("请填写答案", code="answer_required")
    if len(answer) > MAX_ANSWER or any(ord(c) < 0x20 for c in answer):
        raise ValidationFailed("答案过长或含有不允许的字符", code="invalid_answer")
    state = exercise_state(archive, user, exercise, answer)
    if state.verdict.answer is None:
        raise ValidationFailed(
            "这道题不需要填写答案：完成操作后刷新页面即可看到结果", code="no_answer_needed"
        )
    _write_answer(folder, exercise.id, answer)
    return state
