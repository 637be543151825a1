"""The quarterly compliance review: one record per review, signed off, with what it covered.

ICO Accountability Framework ("Breach response and monitoring": review compliance regularly;
"Records of processing": the record is a living document). A review walks through every live
record not reviewed in the last interval and every finding; each gets a decision; the
reviewer signs it off and the next review falls due `review_interval_months` later.

Fields of the "review" register (kept simple so the report can print them as they are):

- ``period``: text, e.g. "2026 Q4" (the calendar quarter the review started in).
- ``status``: "in-progress" or "signed-off". One review in progress per organisation.
- ``reviewer``: who signed it off. ``notes``: their notes.
- ``started_at``, ``signed_off_at``: instants (UTC ISO strings ending in Z).
- ``next_due``: ISO date the next review is due (sign-off date + review_interval_months).
- ``items``: rows, one per item decided, in the order decided, with the cells
  ``key`` (internal: "record:<id>" or "finding:<code>:<record id>:<field>:<hash>"),
  ``register`` (of the record the item is about, "organisation" for the profile),
  ``ref`` (e.g. PA-003), ``title`` (the record's title or the finding's message),
  ``decision`` (a code in DECISIONS: still-accurate, edited, retired, action-raised),
  ``note`` (free text), ``action_ref`` (the action raised, e.g. AC-004), ``decided_at``
  (UTC instant). `decision_label()` turns a code into words.
- ``accountability``: rows, one per question answered, with the cells ``question_id``,
  ``category`` (label of one of the ten ICO categories), ``question`` (its text), ``answer``
  ("yes", "partly" or "no") and ``notes``. Questions live in data/accountability.json.

For the report: the last review is `latest_signed_off(snapshot.of("review"))` (a review still in
progress is not a review done); `items_for_report(review)` gives its items without internal
keys and with decisions in words; `latest_answers(snapshot.of("review"))` gives the latest
signed-off accountability answers; `accountability()["source"]` names the framework to cite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from dpo_tui.clock import from_iso_utc
from dpo_tui.domain import schema as s
from dpo_tui.domain.dates import months_after
from dpo_tui.domain.records import LOW, MEDIUM, Finding, Record, Snapshot
from dpo_tui.domain.vocab import load

REGISTER = "review"
IN_PROGRESS, SIGNED_OFF = "in-progress", "signed-off"
STATUSES = ((IN_PROGRESS, "In progress"), (SIGNED_OFF, "Signed off"))

STILL_ACCURATE, EDITED, RETIRED, ACTION_RAISED = "still-accurate", "edited", "retired", "action-raised"
DECISIONS = (
    (STILL_ACCURATE, "Still accurate"),
    (EDITED, "Edited"),
    (RETIRED, "Retired"),
    (ACTION_RAISED, "Action raised"),
)
# What a caller may pass for each decision (the brief's verbs and the stored codes).
DECISION_ALIASES = {
    "still-accurate": STILL_ACCURATE, "accurate": STILL_ACCURATE,
    "edit": EDITED, "edited": EDITED,
    "retire": RETIRED, "retired": RETIRED,
    "action": ACTION_RAISED, "action-raised": ACTION_RAISED,
}
# Decisions that confirm a record was looked at and is right as it stands now.
REVIEWED_DECISIONS = {STILL_ACCURATE, EDITED}

ITEM_COLUMNS = ("key", "register", "ref", "title", "decision", "note", "action_ref", "decided_at")
ANSWER_COLUMNS = ("question_id", "category", "question", "answer", "notes")
ANSWERS = ("yes", "partly", "no")

DEFAULT_INTERVAL_MONTHS = 3  # organisation setting review_interval_months overrides it

# The registers a review walks through, in order, with the field holding the last review date
# (None: the register has no such field; prior reviews' decisions are the evidence instead) and
# the statuses that make a record live.
REVIEWED_REGISTERS: tuple[tuple[str, str | None, frozenset[str] | None], ...] = (
    ("activity", "last_reviewed", frozenset({"draft", "active"})),
    ("client_processing", None, frozenset({"draft", "active"})),
    ("processor", "last_review", frozenset({"proposed", "active"})),
    ("retention", "last_review", None),
)

REVIEW = "Review"
ITEMS = "Items covered"
CHECK = "Accountability self-check"


def _check_sign_off(values: dict[str, Any], ctx: s.ValidationContext) -> dict[str, str]:
    if values.get("status") != SIGNED_OFF:
        return {}
    errors = {}
    if not values.get("reviewer"):
        errors["reviewer"] = "A signed-off review needs the reviewer's name"
    if not values.get("signed_off_at"):
        errors["signed_off_at"] = "A signed-off review needs the sign-off date and time"
    return errors


def _check_cells(values: dict[str, Any], ctx: s.ValidationContext) -> dict[str, str]:
    errors = {}
    codes = {code for code, _ in DECISIONS}
    for row in values.get("items") or []:
        if row.get("decision") not in codes:
            errors["items"] = (f"Decision '{row.get('decision')}' for {row.get('ref') or 'an item'} "
                               f"is not one of: {', '.join(sorted(codes))}")
            break
    for row in values.get("accountability") or []:
        if row.get("answer") not in ANSWERS:
            errors["accountability"] = (f"Answer '{row.get('answer')}' is not one of: "
                                        f"{', '.join(ANSWERS)}")
            break
    return errors


SCHEMA = s.RegisterSchema(
    name=REGISTER,
    title="Reviews",
    singular="review",
    ref_prefix="RV",
    title_field="period",
    fields=(
        s.Field("period", "Period", section=REVIEW, required=True, in_table=True,
                help="The quarter reviewed, e.g. '2026 Q4'."),
        s.Field("status", "Status", s.CHOICE, section=REVIEW, choices=STATUSES, default=IN_PROGRESS,
                required=True, in_table=True),
        s.Field("reviewer", "Reviewer", section=REVIEW, in_table=True,
                help="Who signed the review off."),
        s.Field("started_at", "Started at", s.DATETIME, section=REVIEW),
        s.Field("signed_off_at", "Signed off at", s.DATETIME, section=REVIEW, in_table=True),
        s.Field("next_due", "Next review due", s.DATE, section=REVIEW, in_table=True,
                help="Set at sign-off: the sign-off date plus the review interval."),
        s.Field("notes", "Notes", s.LONGTEXT, section=REVIEW),
        s.Field("items", "Items covered", s.ROWS, section=ITEMS, columns=ITEM_COLUMNS, max_items=5000,
                help="One per decision: key | register | ref | title | decision | note | action | decided at."),
        s.Field("accountability", "Accountability answers", s.ROWS, section=CHECK,
                columns=ANSWER_COLUMNS,
                help="One per question: id | category | question | yes/partly/no | notes "
                "(ICO Accountability Framework)."),
    ),
    checks=(_check_sign_off, _check_cells),
)


# ---------------------------------------------------------------- helpers


def decision_label(code: str) -> str:
    return dict(DECISIONS).get(code, code)


def normalise_decision(decision: str) -> str:
    """A stored decision code from what a caller passes ('retire' -> 'retired')."""
    code = DECISION_ALIASES.get((decision or "").strip().casefold().replace(" ", "-"))
    if code is None:
        raise ValueError(f"Unknown decision '{decision}': use still-accurate, edit, retire or action")
    return code


def period_label(day: date) -> str:
    """'2026 Q4': the calendar quarter containing `day`."""
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def interval_months(org_values: dict[str, Any]) -> int:
    value = org_values.get("review_interval_months")
    return int(value) if value not in (None, "") and int(value) > 0 else DEFAULT_INTERVAL_MONTHS


def accountability() -> dict[str, Any]:
    """data/accountability.json: the ten ICO categories with a few questions each, and the source
    ({"name", "url"}) to cite beside the answers."""
    return load("accountability")


def accountability_questions() -> list[dict[str, str]]:
    """Every question, flat: id, text, category (value) and category_label."""
    questions = []
    for category in accountability()["categories"]:
        for q in category["questions"]:
            questions.append({"id": q["id"], "text": q["text"], "category": category["value"],
                              "category_label": category["label"]})
    return questions


def signed_off(reviews: list[Record]) -> list[Record]:
    """Signed-off reviews, latest sign-off first."""
    done = [r for r in reviews if r.get("status") == SIGNED_OFF and r.get("signed_off_at")]
    return sorted(done, key=lambda r: (r.get("signed_off_at"), r.ref), reverse=True)


def latest_signed_off(reviews: list[Record]) -> Record | None:
    done = signed_off(reviews)
    return done[0] if done else None


def in_progress(reviews: list[Record]) -> Record | None:
    """The review in progress (the earliest started, should there ever be two)."""
    open_reviews = [r for r in reviews if r.get("status") == IN_PROGRESS]
    return min(open_reviews, key=lambda r: (r.get("started_at") or "", r.ref)) if open_reviews else None


def _local_date(instant: str | None) -> date | None:
    return from_iso_utc(instant).date() if instant else None


def next_due_date(review: Record, months: int) -> date | None:
    """When the review after this one is due: as stored at sign-off, else sign-off + interval."""
    if review.get("next_due"):
        return date.fromisoformat(review.get("next_due"))
    signed = _local_date(review.get("signed_off_at"))
    return months_after(signed, months) if signed else None


def first_review_due(org: Record, months: int, today: date) -> date:
    """With no review ever signed off, the first falls due one interval after the organisation's
    records were started (today, when that is unknown)."""
    started = _local_date(org.created_at) if org.created_at else None
    return months_after(started or today, months)


@dataclass(frozen=True)
class ReviewDue:
    """When the next quarterly review is due and from what that was worked out."""

    due: date
    last: Record | None  # the latest signed-off review, if any
    current: Record | None  # the review in progress, if any


def review_due(snapshot: Snapshot, today: date) -> ReviewDue:
    reviews = snapshot.of(REGISTER)
    months = interval_months(snapshot.org.values)
    last = latest_signed_off(reviews)
    due = next_due_date(last, months) if last else None
    if due is None:
        due = first_review_due(snapshot.org, months, today)
    return ReviewDue(due, last, in_progress(reviews))


# ---------------------------------------------------------------- what a review covers


@dataclass(frozen=True)
class Candidate:
    """One thing to decide on in a review: a record to confirm, or a finding to deal with."""

    key: str
    kind: str  # "record" or "finding"
    register: str
    record_id: str | None
    ref: str
    title: str
    reason: str
    severity: str = ""


def one_line(text: Any, limit: int = 200) -> str:
    """Text for a cell of a ROWS field: one line, no cell separator, bounded."""
    line = " ".join(str(text or "").split()).replace("|", "/")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def record_key(record_id: str) -> str:
    return f"record:{record_id}"


def key_record_id(key: str) -> str | None:
    """The id of the record an item key is about (None for a finding about no record)."""
    parts = key.split(":")
    if parts[0] == "record" and len(parts) > 1:
        return parts[1] or None
    if parts[0] == "finding" and len(parts) > 2:
        return None if parts[2] in ("", "-") else parts[2]
    return None


def finding_key(finding: Finding) -> str:
    import hashlib  # here, not at the top: start-up never needs it

    digest = hashlib.sha1(finding.message.encode("utf-8")).hexdigest()[:8]
    return f"finding:{finding.code}:{finding.record_id or '-'}:{finding.field or '-'}:{digest}"


def record_title(record: Record) -> str:
    from dpo_tui.domain import registers

    schema = registers.schema(record.register)
    return one_line(record.values.get(schema.title_field) or record.ref)


def is_live(register: str, record: Record) -> bool:
    for name, _field, statuses in REVIEWED_REGISTERS:
        if name == register:
            return statuses is None or (record.get("status") or "") in statuses
    return False


def last_reviewed(record: Record, date_field: str | None, reviewed_in: dict[str, date]) -> date | None:
    """The later of the record's own last-review date and its last confirmation in a review."""
    dates = [d for d in (reviewed_in.get(record.id or ""),) if d]
    if date_field and record.get(date_field):
        dates.append(date.fromisoformat(record.get(date_field)))
    return max(dates) if dates else None


def confirmations(reviews: list[Record]) -> dict[str, date]:
    """record id -> the latest date a review confirmed it (still accurate or edited)."""
    found: dict[str, date] = {}
    for review in reviews:
        for row in review.get("items", []):
            key, when = row.get("key", ""), row.get("decided_at", "")
            if not key.startswith("record:") or row.get("decision") not in REVIEWED_DECISIONS or not when:
                continue
            record_id, day = key.split(":", 1)[1], from_iso_utc(when).date()
            if record_id not in found or found[record_id] < day:
                found[record_id] = day
    return found


def items_to_cover(snapshot: Snapshot, found: list[Finding], today: date,
                   keep: frozenset[str] | set[str] = frozenset()) -> list[Candidate]:
    """Every live record not reviewed within the review interval, each followed by its findings,
    then every other finding (most serious first). Findings about reviews themselves are left
    out: the review in hand is their answer.

    `keep`: ids of records listed even though now reviewed (those the review in hand has
    confirmed), so that the list keeps its order while a review goes on."""
    since = months_after(today, -interval_months(snapshot.org.values))
    reviewed_in = confirmations(snapshot.of(REGISTER))
    by_record: dict[str, list[Finding]] = {}
    loose: list[Finding] = []
    for f in found:
        if f.register == REGISTER:
            continue
        if f.record_id:
            by_record.setdefault(f.record_id, []).append(f)
        else:
            loose.append(f)

    result: list[Candidate] = []
    placed: set[str] = set()
    for register, date_field, _statuses in REVIEWED_REGISTERS:
        for record in sorted(snapshot.of(register), key=lambda r: r.ref):
            if not is_live(register, record):
                continue
            last = last_reviewed(record, date_field, reviewed_in)
            if last is not None and last > since and record.id not in keep:
                continue
            reason = f"Last reviewed {last.isoformat()}" if last else "Never reviewed"
            result.append(Candidate(record_key(record.id or ""), "record", register, record.id,
                                    record.ref, record_title(record), reason))
            for f in by_record.get(record.id or "", []):
                result.append(_finding_candidate(f))
            placed.add(record.id or "")
    for record_id, fs in by_record.items():
        if record_id not in placed:
            loose.extend(fs)
    for f in sorted(loose, key=lambda f: f.sort_key):
        result.append(_finding_candidate(f))
    return result


def _finding_candidate(f: Finding) -> Candidate:
    return Candidate(finding_key(f), "finding", f.register, f.record_id, f.ref, one_line(f.message),
                     f.message, f.severity)


# ---------------------------------------------------------------- findings


def findings(snapshot: Snapshot) -> list[Finding]:
    """Accountability: the organisation reviews its records at the interval it set."""
    today = snapshot.today
    due = review_due(snapshot, today)
    if due.last is None:
        return [Finding(LOW, "review-never-done",
                        "No quarterly compliance review has been signed off yet", REGISTER,
                        due.current.id if due.current else None,
                        due.current.ref if due.current else "", "signed_off_at")]
    if due.due < today:
        return [Finding(MEDIUM, "review-overdue",
                        f"Quarterly review overdue since {due.due.isoformat()} (last signed off "
                        f"{(due.last.get('signed_off_at') or '')[:10]}, {due.last.get('period')})",
                        REGISTER, due.last.id, due.last.ref, "next_due")]
    return []


def register_title(register: str) -> str:
    from dpo_tui.domain import registers

    if register == "organisation":
        return "Organisation profile"
    try:
        return registers.schema(register).title
    except KeyError:
        return register


def items_for_report(review: Record) -> list[dict[str, str]]:
    """The items a review covered, as a person reads them (no internal keys): ref, register
    (its title), kind ("Record" or "Finding"), item (title or finding), decision (label), note,
    action (the reference of the action raised) and decided_at (UTC instant)."""
    result = []
    for row in review.get("items", []):
        result.append({
            "ref": row.get("ref", ""),
            "register": register_title(row.get("register", "")),
            "kind": "Finding" if row.get("key", "").startswith("finding:") else "Record",
            "item": row.get("title", ""),
            "decision": decision_label(row.get("decision", "")),
            "note": row.get("note", ""),
            "action": row.get("action_ref", ""),
            "decided_at": row.get("decided_at", ""),
        })
    return result


def latest_answers(reviews: list[Record]) -> tuple[Record | None, list[dict[str, str]]]:
    """The accountability answers of the latest signed-off review that has any (for the report)."""
    for review in signed_off(reviews):
        if review.get("accountability"):
            return review, list(review.get("accountability"))
    return None, []
