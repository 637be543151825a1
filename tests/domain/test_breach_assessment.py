"""The ICO self-assessment: questions -> outcome, with a reason for every answer."""

from __future__ import annotations

import json

import pytest

from dpo_tui.domain import breaches
from dpo_tui.domain.breach_assessment import AssessmentIncomplete, asked, assess, check, questions
from dpo_tui.paths import data_dir


def answer(value: str, reason: str = "Because") -> dict[str, str]:
    return {"answer": value, "reason": reason}


def test_questions_come_from_the_data_file():
    raw = json.loads((data_dir() / "breach_assessment.json").read_text(encoding="utf-8"))
    assert [q.id for q in questions()] == [q["id"] for q in raw["questions"]] == [
        "personal_data", "risk", "high_risk"]
    assert "living" in questions()[0].text
    assert set(raw["outcomes"]) == {breaches.LOG_ONLY, breaches.REPORT_ICO, breaches.REPORT_AND_TELL}


def test_questions_asked_depend_on_earlier_answers():
    assert [q.id for q in asked({})] == ["personal_data"]
    assert [q.id for q in asked({"personal_data": answer("no")})] == ["personal_data"]
    assert [q.id for q in asked({"personal_data": answer("yes")})] == ["personal_data", "risk"]
    assert [q.id for q in asked({"personal_data": answer("yes"), "risk": answer("unlikely")})] == [
        "personal_data", "risk"]
    assert [q.id for q in asked({"personal_data": answer("yes"), "risk": answer("likely")})] == [
        "personal_data", "risk", "high_risk"]


@pytest.mark.parametrize(("answers", "outcome"), [
    ({"personal_data": answer("no")}, breaches.LOG_ONLY),
    ({"personal_data": answer("yes"), "risk": answer("unlikely")}, breaches.LOG_ONLY),
    ({"personal_data": answer("yes"), "risk": answer("likely"), "high_risk": answer("no")},
     breaches.REPORT_ICO),
    ({"personal_data": answer("yes"), "risk": answer("likely"), "high_risk": answer("yes")},
     breaches.REPORT_AND_TELL),
])
def test_outcomes(answers, outcome):
    result = assess(answers)
    assert result.outcome == outcome
    assert result.answers == {k: v for k, v in answers.items()}
    assert result.next_steps


def test_reasons_are_written_out_with_the_questions():
    result = assess({"personal_data": answer("yes", "Names of 9 children."),
                     "risk": answer("unlikely", "Recipient deleted it at once.")})
    lines = result.reasons_text.splitlines()
    assert lines[0] == "Does the breach involve personal data about living people? Yes. Names of 9 children."
    assert lines[1].endswith("Unlikely. Recipient deleted it at once.")
    assert result.outcome_label == "Log only"


def test_answers_not_reached_are_dropped():
    result = assess({"personal_data": answer("no", "Only the studio's own price list."),
                     "risk": answer("likely"), "high_risk": answer("yes")})
    assert list(result.answers) == ["personal_data"]
    assert result.outcome == breaches.LOG_ONLY


def test_every_answer_needs_a_reason():
    answers = {"personal_data": answer("yes", "  "), "risk": answer("likely", "")}
    errors = check(answers)
    assert set(errors) == {"personal_data", "risk", "high_risk"}
    assert "reason" in errors["personal_data"]
    with pytest.raises(AssessmentIncomplete) as caught:
        assess(answers)
    assert set(caught.value.errors) == {"personal_data", "risk", "high_risk"}


def test_missing_and_invalid_answers():
    assert set(check({})) == {"personal_data"}
    assert "not an answer" in check({"personal_data": answer("maybe")})["personal_data"]
    assert check({"personal_data": "yes"})["personal_data"].startswith("Answer: ")  # not {answer, reason}
    assert "control character" in check({"personal_data": answer("yes", "x\x1b[2J")})["personal_data"]


def test_reasons_are_cleaned():
    result = assess({"personal_data": answer("no", "  Not about people\r\n at all  ")})
    assert result.answers["personal_data"]["reason"] == "Not about people\n at all"
