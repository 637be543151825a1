"""The quarterly compliance review as plain functions, shared by the TUI and tests.

Resumable by design: every decision and every answer is written to the review record (and the
record it is about) in one transaction the moment it is made, so closing the app half-way loses
nothing. What is still to decide is worked out afresh from the live records each time: every
live record not reviewed within the review interval and every finding, less what this review
has already decided.

Decisions (domain/reviews.py DECISIONS):
- still accurate: the record is confirmed; its last review date becomes today and its next
  review today + the organisation's interval for that register;
- edit: the caller has saved the record's form; the decision is recorded and, for a record
  item, the record counts as reviewed too (it was just looked at and put right);
- retire: the activity becomes retired, the processor or client record ended, the action
  dropped, the retention rule archived (it has no status);
- action: an action (what, owner, due) is raised with `source` = the item's reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta

from dpo_tui.domain import reviews
from dpo_tui.domain.records import Record
from dpo_tui.domain.reviews import (
    ACTION_RAISED,
    EDITED,
    IN_PROGRESS,
    REGISTER,
    RETIRED,
    SIGNED_OFF,
    STILL_ACCURATE,
    Candidate,
)
from dpo_tui.domain.schema import Validation
from dpo_tui.services import records
from dpo_tui.services.records import ValidationFailed
from dpo_tui.services.workspace import Workspace
from dpo_tui.storage import repository as repo
from dpo_tui.storage.db import StorageError

# Where "marking reviewed" writes, and which organisation setting sets the next review.
REVIEW_DATE_FIELDS = {
    "activity": ("last_reviewed", "next_review", "activity_review_months", 12),
    "processor": ("last_review", "next_review", "processor_review_months", 12),
    "retention": ("last_review", "next_review", None, 12),
}
# How each register is retired: a status to set, or None to archive (no status field).
RETIRE_STATUS = {
    "activity": "retired",
    "processor": "ended",
    "client_processing": "ended",
    "action": "dropped",
    "retention": None,
}


def _fail(field_name: str, message: str) -> ValidationFailed:
    return ValidationFailed(Validation({}, {field_name: message}))


@dataclass
class ReviewItem:
    """One line of the review: what it is about, why it is here, and the decision if made."""

    key: str
    kind: str  # "record" or "finding"
    register: str
    record_id: str | None
    ref: str
    title: str
    reason: str = ""
    severity: str = ""
    decision: str | None = None
    note: str = ""
    action_ref: str = ""
    decided_at: str = ""

    @property
    def decided(self) -> bool:
        return self.decision is not None

    @classmethod
    def from_candidate(cls, c: Candidate, decided: ReviewItem | None = None) -> ReviewItem:
        """The item as listed now, with the decision already made about it, if any."""
        item = cls(c.key, c.kind, c.register, c.record_id, c.ref, c.title, c.reason, c.severity)
        if decided is not None:
            item.decision, item.note = decided.decision, decided.note
            item.action_ref, item.decided_at = decided.action_ref, decided.decided_at
        return item

    @classmethod
    def from_row(cls, row: Mapping[str, str]) -> ReviewItem:
        key = row.get("key", "")
        return cls(key, key.split(":", 1)[0], row.get("register", ""), reviews.key_record_id(key),
                   row.get("ref", ""), row.get("title", ""), decision=row.get("decision") or None,
                   note=row.get("note", ""), action_ref=row.get("action_ref", ""),
                   decided_at=row.get("decided_at", ""))


@dataclass
class ReviewState:
    """A review in hand: its record, its items (see `state` for their order) and the
    accountability questions with the answers given so far."""

    review: Record
    items: list[ReviewItem]
    questions: list[dict[str, str]] = field(default_factory=list)
    answers: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def decided(self) -> list[ReviewItem]:
        return [i for i in self.items if i.decided]

    @property
    def pending(self) -> list[ReviewItem]:
        return [i for i in self.items if not i.decided]

    @property
    def next_item(self) -> ReviewItem | None:
        """Where to carry on: the first item without a decision."""
        pending = self.pending
        return pending[0] if pending else None

    @property
    def complete(self) -> bool:
        return not self.pending

    @property
    def signed_off(self) -> bool:
        return self.review.get("status") == SIGNED_OFF

    def item(self, key: str) -> ReviewItem | None:
        for i in self.items:
            if i.key == key:
                return i
        return None


# ---------------------------------------------------------------- reading


def local_today(ws: Workspace, org: Record) -> date:
    try:
        zone = ZoneInfo(org.values.get("timezone") or "Europe/London")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("Europe/London")
    return ws.clock.now().astimezone(zone).date()


def in_progress(ws: Workspace, org_id: str) -> Record | None:
    return reviews.in_progress(records.list_records(ws, org_id, REGISTER))


def latest_signed_off(ws: Workspace, org_id: str) -> Record | None:
    return reviews.latest_signed_off(records.list_records(ws, org_id, REGISTER))


def items_to_cover(ws: Workspace, org_id: str,
                   keep: frozenset[str] | set[str] = frozenset()) -> list[Candidate]:
    """What a review started now would cover (before anything is decided); `keep` as in
    domain/reviews.items_to_cover."""
    org = repo.get_organisation(ws.db, org_id)
    snap = records.snapshot(ws, org_id)
    return reviews.items_to_cover(snap, records.findings(ws, org_id, snap), local_today(ws, org),
                                  keep)


def _get_review(ws: Workspace, review_id: str) -> Record:
    review = records.get(ws, review_id)
    if review.register != REGISTER:
        raise StorageError(f"{review.ref} is not a review")
    return review


def _require_in_progress(review: Record) -> None:
    if review.archived:
        raise StorageError(f"Review {review.ref} is archived")
    if review.get("status") != IN_PROGRESS:
        raise StorageError(f"Review {review.ref} ({review.get('period')}) is already signed off; "
                           "start a new one for further changes")


def state(ws: Workspace, review_id: str) -> ReviewState:
    """The review as it stands: decided items from the record, pending ones from the live data.

    Items keep their order while the review goes on (a confirmed record stays where it was,
    its findings after it); decided items no longer listed (a retired record, a finding put
    right) come first, in the order decided. A signed-off review lists only its decisions.
    """
    review = _get_review(ws, review_id)
    org_id = review.org_id or ""
    decided = {row.get("key", ""): ReviewItem.from_row(row) for row in review.get("items", [])}
    if review.get("status") != IN_PROGRESS:
        items = list(decided.values())
    else:
        confirmed = {i.record_id for i in decided.values() if i.kind == "record" and i.record_id}
        listed = [ReviewItem.from_candidate(c, decided.get(c.key))
                  for c in items_to_cover(ws, org_id, keep=confirmed)]
        shown = {i.key for i in listed}
        items = [i for key, i in decided.items() if key not in shown] + listed
    answers = {row["question_id"]: dict(row) for row in review.get("accountability", [])}
    return ReviewState(review, items, reviews.accountability_questions(), answers)


# ---------------------------------------------------------------- starting


def start_or_resume(ws: Workspace, org_id: str) -> ReviewState:
    """The review in progress for this organisation, or a new one for the current quarter.

    Only one review is in progress at a time: calling this again resumes it.
    """
    current = in_progress(ws, org_id)
    if current is None:
        org = repo.get_organisation(ws.db, org_id)
        current = records.save(ws, org_id, REGISTER, {
            "period": reviews.period_label(local_today(ws, org)),
            "status": IN_PROGRESS,
            "started_at": ws.now_iso(),
        }, note="review started").record
    return state(ws, current.id or "")


# ---------------------------------------------------------------- deciding


def decide(ws: Workspace, review_id: str, item_key: str, decision: str, note: str = "", *,
           what: str | None = None, owner: str = "", due: str | date | None = None,
           seen: ReviewItem | None = None) -> ReviewState:
    """Record one decision, with its effect on the record, in one transaction.

    `what`, `owner` and `due` describe the action raised when the decision is "action".
    `seen` is the item as the caller listed it: an edit saved just before the "edit" decision
    may have put a finding right, so that it is no longer listed; the decision is recorded
    against the item as it was seen. Deciding an item again replaces its earlier decision (the
    earlier effect stays, in history).
    """
    try:
        code = reviews.normalise_decision(decision)
    except ValueError as exc:
        raise _fail("decision", str(exc)) from None
    current = state(ws, review_id)
    review = current.review
    _require_in_progress(review)
    item = current.item(item_key)
    if item is None and code == EDITED and seen is not None and seen.key == item_key:
        item = seen
    if item is None:
        raise StorageError(f"'{item_key}' is not an item of review {review.ref}; it may have been "
                           "dealt with already (reopen the review to see what is left)")
    org = repo.get_organisation(ws.db, review.org_id or "")
    today = local_today(ws, org)
    action_ref = ""
    with repo.transaction(ws.db):
        if code in (STILL_ACCURATE, EDITED) and item.kind == "record" and item.record_id:
            mark_reviewed(ws, org, item.register, item.record_id, today, review)
        elif code == RETIRED:
            retire(ws, org, item, review)
        elif code == ACTION_RAISED:
            action_ref = raise_action(ws, org, item, review, what=what, owner=owner, due=due,
                                      note=note)
        row = {
            "key": item.key, "register": item.register, "ref": item.ref,
            "title": reviews.one_line(item.title), "decision": code,
            "note": reviews.one_line(note, 400), "action_ref": action_ref,
            "decided_at": ws.now_iso(),
        }
        rows = [r for r in review.get("items", []) if r.get("key") != item.key] + [row]
        records.save(ws, review.org_id or "", REGISTER, {"items": rows}, record_id=review.id,
                     note=f"{item.ref or 'item'}: {reviews.decision_label(code).lower()}")
    return state(ws, review_id)


def mark_reviewed(ws: Workspace, org: Record, register: str, record_id: str, today: date,
                  review: Record) -> None:
    """Set the record's last review to today and its next review one interval on."""
    fields = REVIEW_DATE_FIELDS.get(register)
    if fields is None:
        return  # no review date on this register: the review's own row is the evidence
    last_field, next_field, setting, default_months = fields
    months = int(org.values.get(setting) or default_months) if setting else default_months
    records.save(ws, org.id or "", register, {
        last_field: today.isoformat(),
        next_field: (today + relativedelta(months=months)).isoformat(),
    }, record_id=record_id, note=f"confirmed in review {review.ref}")


def retire(ws: Workspace, org: Record, item: ReviewItem, review: Record) -> None:
    if not item.record_id or item.register not in RETIRE_STATUS:
        raise _fail("decision", f"{item.ref or 'This item'} cannot be retired from the review: "
                    "edit it, raise an action or confirm it instead")
    status = RETIRE_STATUS[item.register]
    if status is None:
        records.archive(ws, item.record_id, f"retired in review {review.ref}")
    else:
        records.save(ws, org.id or "", item.register, {"status": status},
                     record_id=item.record_id, note=f"retired in review {review.ref}")


def raise_action(ws: Workspace, org: Record, item: ReviewItem, review: Record, *,
                 what: str | None, owner: str, due: str | date | None, note: str) -> str:
    """Create the action; returns its reference (e.g. AC-004)."""
    what = (what or "").strip() or reviews.one_line(f"Follow up {item.ref}: {item.title}", 200)
    notes = f"Raised in review {review.ref} ({review.get('period')}): {item.reason or item.title}"
    if note.strip():
        notes += f"\n{note.strip()}"
    saved = records.save(ws, org.id or "", "action", {
        "what": what, "owner": owner, "due": due, "status": "open",
        "source": item.ref or review.ref, "notes": notes,
    }, note=f"raised in review {review.ref}")
    return saved.record.ref


# ---------------------------------------------------------------- accountability


def _answer_of(value: Any) -> tuple[str, str]:
    """(answer, notes) from 'yes', ('partly', 'notes') or {'answer': 'no', 'notes': '...'}."""
    if isinstance(value, Mapping):
        return str(value.get("answer") or ""), str(value.get("notes") or "")
    if isinstance(value, tuple | list):
        return str(value[0] or ""), str(value[1] if len(value) > 1 else "")
    return str(value or ""), ""


ANSWER_ALIASES = {"y": "yes", "yes": "yes", "p": "partly", "partly": "partly", "n": "no", "no": "no"}


def answer_accountability(ws: Workspace, review_id: str,
                          answers: Mapping[str, Any]) -> ReviewState:
    """Store answers (question id -> yes/partly/no, with optional notes); an empty answer
    removes one. Answers already given for other questions are kept."""
    review = _get_review(ws, review_id)
    _require_in_progress(review)
    questions = {q["id"]: q for q in reviews.accountability_questions()}
    current = {row["question_id"]: dict(row) for row in review.get("accountability", [])}
    for question_id, value in answers.items():
        if question_id not in questions:
            raise _fail("accountability", f"There is no accountability question '{question_id}'")
        answer, notes = _answer_of(value)
        answer = answer.strip().casefold()
        if not answer:
            current.pop(question_id, None)
            continue
        if answer not in ANSWER_ALIASES:
            raise _fail("accountability", f"Answer '{answer}' is not yes, partly or no")
        q = questions[question_id]
        current[question_id] = {
            "question_id": question_id, "category": q["category_label"],
            "question": reviews.one_line(q["text"], 400), "answer": ANSWER_ALIASES[answer],
            "notes": reviews.one_line(notes, 400),
        }
    rows = [current[q] for q in questions if q in current]
    records.save(ws, review.org_id or "", REGISTER, {"accountability": rows}, record_id=review.id,
                 note="accountability answers")
    return state(ws, review_id)


# ---------------------------------------------------------------- sign-off


def sign_off(ws: Workspace, review_id: str, reviewer: str, notes: str = "", *,
             months: int | None = None) -> Record:
    """Close the review: who, when, notes, and when the next one is due.

    Refused while items are still undecided. The next review is due `months` after today,
    by default the organisation's review_interval_months (3).
    """
    current = state(ws, review_id)
    review = current.review
    _require_in_progress(review)
    if not (reviewer or "").strip():
        raise _fail("reviewer", "Give the reviewer's name to sign the review off")
    pending = current.pending
    if pending:
        refs = ", ".join(i.ref or i.title[:30] for i in pending[:5])
        more = f" and {len(pending) - 5} more" if len(pending) > 5 else ""
        raise _fail("items", f"{len(pending)} item{'s' if len(pending) != 1 else ''} still "
                    f"need{'s' if len(pending) == 1 else ''} a decision: {refs}{more}")
    org = repo.get_organisation(ws.db, review.org_id or "")
    interval = months if months and months > 0 else reviews.interval_months(org.values)
    next_due = local_today(ws, org) + relativedelta(months=interval)
    return records.save(ws, org.id or "", REGISTER, {
        "status": SIGNED_OFF,
        "reviewer": reviewer.strip(),
        "notes": notes,
        "signed_off_at": ws.now_iso(),
        "next_due": next_due.isoformat(),
    }, record_id=review.id, note="signed off").record
