"""The ICO's breach self-assessment: three questions lead to an outcome, with reasons kept.

ICO: does the breach involve personal data of living people? how likely is a risk to their
rights and freedoms? is there a high risk? Unlikely -> log it and record why it was not
reported (Art 33(5)); likely -> report to the ICO (Art 33(1)); high -> report and tell the
people affected (Art 34(1)). The question texts live in data/breach_assessment.json.

Answers are a dict: question id -> {"answer": option value, "reason": text}. Every question
that is asked needs an answer and a reason; questions not reached are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dpo_tui.domain import breaches
from dpo_tui.domain.schema import MAX_LONGTEXT, FieldError, clean_text
from dpo_tui.domain.vocab import load

SOURCE = "breach_assessment"


class AssessmentIncomplete(ValueError):
    """Some answers or reasons are missing or invalid; `errors` maps question id -> message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        first = next(iter(errors.values()), "incomplete")
        super().__init__(first if len(errors) == 1 else f"{first} (and {len(errors) - 1} more)")


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    help: str
    options: tuple[tuple[str, str], ...]
    asked_when: dict[str, str] = field(default_factory=dict)
    reason_prompt: str = "Why?"

    def label(self, value: str) -> str:
        return dict(self.options).get(value, value)


@dataclass(frozen=True)
class Assessment:
    outcome: str
    reasons_text: str
    answers: dict[str, dict[str, str]]

    @property
    def outcome_label(self) -> str:
        return breaches.outcome_label(self.outcome)

    @property
    def next_steps(self) -> str:
        return load(SOURCE)["outcomes"][self.outcome]


def questions() -> list[Question]:
    return [
        Question(id=q["id"], text=q["text"], help=q.get("help", ""),
                 options=tuple((o["value"], o["label"]) for o in q["options"]),
                 asked_when=dict(q.get("asked_when", {})),
                 reason_prompt=q.get("reason_prompt", "Why?"))
        for q in load(SOURCE)["questions"]
    ]


def _answer(answers: dict[str, Any], question_id: str) -> str | None:
    entry = answers.get(question_id)
    if isinstance(entry, dict):
        value = entry.get("answer")
        return value if isinstance(value, str) and value else None
    return None


def asked(answers: dict[str, Any]) -> list[Question]:
    """The questions to ask given the answers so far (a 'no' stops the line of questions)."""
    result: list[Question] = []
    for question in questions():
        reached = {q.id for q in result}
        if all(qid in reached and _answer(answers, qid) == wanted
               for qid, wanted in question.asked_when.items()):
            result.append(question)
    return result


def check(answers: dict[str, Any]) -> dict[str, str]:
    """question id -> what is missing; empty when the assessment can be made."""
    errors: dict[str, str] = {}
    for question in asked(answers):
        entry = answers.get(question.id)
        value = _answer(answers, question.id)
        if value is None:
            errors[question.id] = f"Answer: {question.text}"
            continue
        if value not in dict(question.options):
            allowed = ", ".join(label for _, label in question.options)
            errors[question.id] = f"'{value}' is not an answer to '{question.text}' ({allowed})"
            continue
        try:
            reason = clean_text(entry.get("reason"), multiline=True, limit=MAX_LONGTEXT)
        except FieldError as exc:
            errors[question.id] = f"The reason {exc}"
            continue
        if not reason:
            errors[question.id] = f"Give the reason for '{question.label(value)}': {question.text}"
    return errors


def assess(answers: dict[str, Any]) -> Assessment:
    """Answers -> outcome with the reasons written out. Raises AssessmentIncomplete."""
    errors = check(answers)
    if errors:
        raise AssessmentIncomplete(errors)
    kept: dict[str, dict[str, str]] = {}
    lines = []
    for question in asked(answers):
        value = _answer(answers, question.id) or ""
        reason = clean_text(answers[question.id].get("reason"), multiline=True, limit=MAX_LONGTEXT)
        kept[question.id] = {"answer": value, "reason": reason}
        lines.append(f"{question.text} {question.label(value)}. {reason}")
    if kept["personal_data"]["answer"] == "no":
        outcome = breaches.LOG_ONLY  # not a personal data breach; logged with the reason
    elif kept["risk"]["answer"] == "unlikely":
        outcome = breaches.LOG_ONLY  # Art 33(1): no report when unlikely to result in a risk
    elif kept["high_risk"]["answer"] == "no":
        outcome = breaches.REPORT_ICO
    else:
        outcome = breaches.REPORT_AND_TELL  # Art 34(1)
    return Assessment(outcome=outcome, reasons_text="\n".join(lines), answers=kept)
