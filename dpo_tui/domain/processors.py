"""The processor register: who handles personal data for us, under what contract (UK GDPR Art 28).

Which activities use a processor is recorded on the activity (its `processors` link field), and
seen from here through the links table, so the link is the same from both sides.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from dpo_tui.domain import schema as s
from dpo_tui.domain import transfers, vocab
from dpo_tui.domain.dates import months_after
from dpo_tui.domain.records import HIGH, LOW, MEDIUM, Finding, Snapshot
from dpo_tui.paths import data_dir

REGISTER = "processor"

STATUSES = (("proposed", "Proposed"), ("active", "Active"), ("ended", "Ended"))
LIVE_STATUSES = {"proposed", "active"}  # only these get findings

AUTHORISATIONS = (
    ("specific", "Specific (each sub-processor approved by us)"),
    ("general", "General (told of changes, may object)"),
)

DEFAULT_REVIEW_MONTHS = 12  # organisation setting processor_review_months overrides it
DEFAULT_WARNING_DAYS = 30  # organisation setting warning_days overrides it
CONTRACT_WARNING_DAYS = 60  # time to renegotiate or replace a processor before the contract ends

# Transfer mechanisms come from the shared vocabulary, each with a kind: adequacy (approved
# destination), extension (UK Extension to the EU-US DPF), safeguard (IDTA, UK Addendum, BCR) or
# derogation (Art 49). UK GDPR Arts 45-49 as amended by the Data (Use and Access) Act 2025.
MECHANISMS_VOCABULARY = "vocabularies/transfer_mechanisms"
COVERING_KINDS = {"safeguard", "derogation"}  # cover a transfer to any destination
APPROVED_BASES = {"domestic", "eea", "adequacy"}  # in data/approved_destinations.json


def mechanism_choices() -> tuple[tuple[str, str], ...]:
    return vocab.choices(MECHANISMS_VOCABULARY)


def fallback_choices() -> tuple[tuple[str, str], ...]:
    """Mechanisms that still work if the UK Extension is withdrawn: safeguards and derogations."""
    return tuple((m["value"], m["label"]) for m in vocab.load(MECHANISMS_VOCABULARY)
                 if m["kind"] in COVERING_KINDS)


def mechanism_kind(value: str | None) -> str | None:
    for m in vocab.load(MECHANISMS_VOCABULARY):
        if m["value"] == value:
            return m["kind"]
    return None


PROCESSOR = "Processor"
CONTRACT = "Contract (Art 28)"
CLAUSES = "Art 28(3) clauses"
SUBPROCESSORS = "Sub-processors"
TRANSFERS = "Locations and transfers"
REVIEW = "Due diligence and review"


def _vocabulary_if_present(name: str) -> str | None:
    """Suggest from a shared vocabulary when it ships; the field takes free text either way."""
    return name if (data_dir() / "vocabularies" / f"{name}.json").is_file() else None


def clause_choices() -> tuple[tuple[str, str], ...]:
    return vocab.choices("vocabularies/art28_clauses")


def _check_dates(values: dict[str, Any], ctx: s.ValidationContext) -> dict[str, str]:
    signed, end = values.get("contract_signed"), values.get("contract_end")
    if signed and end and end < signed:
        return {"contract_end": "The contract cannot end before it was signed"}
    return {}


def _warn_uk_extension(values: dict[str, Any], ctx: s.ValidationContext) -> dict[str, str]:
    if values.get("uk_extension") and not is_us_recipient(values):
        return {"uk_extension": "The UK Extension to the Data Privacy Framework covers US "
                                "recipients only; tick 'US recipient' or untick this"}
    return {}


SCHEMA = s.RegisterSchema(
    name=REGISTER,
    title="Processors",
    singular="processor",
    ref_prefix="PR",
    title_field="legal_name",
    fields=(
        s.Field("legal_name", "Legal name", section=PROCESSOR, required=True, in_table=True,
                help="The company as named in the contract, e.g. 'Stripe Payments UK Ltd'."),
        s.Field("service", "Service provided", section=PROCESSOR, in_table=True,
                help="What they do for us, e.g. 'card payments for class bookings'."),
        s.Field("contact_name", "Contact name", section=PROCESSOR),
        s.Field("contact_email", "Contact email", s.EMAIL, section=PROCESSOR,
                help="Where to send data protection questions, e.g. their privacy team."),
        s.Field("contact_phone", "Contact telephone", section=PROCESSOR),
        s.Field("data_categories", "Categories of personal data shared", s.TAGS,
                section=PROCESSOR, vocabulary=_vocabulary_if_present("data_categories")),
        s.Field("individual_categories", "Categories of individuals", s.TAGS, section=PROCESSOR,
                vocabulary=_vocabulary_if_present("individual_categories")),
        s.Field("contract_reference", "Contract reference", section=CONTRACT,
                help="The name or number of the data processing agreement or terms."),
        s.Field("contract_link", "Link to contract", section=CONTRACT,
                help="Where the signed contract is kept (a URL or a file path)."),
        s.Field("contract_signed", "Contract signed", s.DATE, section=CONTRACT),
        s.Field("contract_end", "Contract end or renewal", s.DATE, section=CONTRACT,
                in_table=True),
        s.Field("clauses", "Clauses the contract contains", s.MULTICHOICE, section=CLAUSES,
                choices=clause_choices(),
                help="UK GDPR Art 28(3) requires all eight in a contract with a processor."),
        s.Field("subprocessor_authorisation", "Sub-processor authorisation", s.CHOICE,
                section=SUBPROCESSORS, choices=AUTHORISATIONS,
                help="Art 28(2): the processor needs our specific or general written authorisation."),
        s.Field("subprocessors", "Sub-processors", s.ROWS, section=SUBPROCESSORS,
                columns=("name", "service", "location"),
                help="One per line: name | service | location."),
        s.Field("locations", "Processing locations", s.TAGS, section=TRANSFERS,
                help="Countries where the data is stored or accessed, e.g. 'United Kingdom; Ireland'."),
        s.Field("transfer_mechanism", "Transfer mechanism", s.CHOICE, section=TRANSFERS,
                choices=mechanism_choices(),
                help="What makes a transfer outside the UK lawful (UK GDPR Arts 45-49)."),
        s.Field("us_recipient", "US recipient", s.BOOL, section=TRANSFERS),
        s.Field("uk_extension", "Certified to the UK Extension of the EU-US DPF", s.BOOL,
                section=TRANSFERS,
                help="Check the Data Privacy Framework list at least once a year."),
        s.Field("fallback_mechanism", "Fallback mechanism", s.CHOICE, section=TRANSFERS,
                choices=fallback_choices(),
                help="What applies if the UK Extension is withdrawn, e.g. the IDTA in the contract."),
        s.Field("certifications", "Certifications", s.TAGS, section=REVIEW,
                help="e.g. ISO 27001; SOC 2 Type II; Cyber Essentials Plus; PCI DSS."),
        s.Field("due_diligence_date", "Due diligence done", s.DATE, section=REVIEW),
        s.Field("last_review", "Last review", s.DATE, section=REVIEW),
        s.Field("next_review", "Next review", s.DATE, section=REVIEW, in_table=True,
                help="Left empty, it is set to 12 months after the last review."),
        s.Field("status", "Status", s.CHOICE, section=REVIEW, choices=STATUSES,
                default="active", required=True, in_table=True,
                help="Proposed: being assessed. Ended: no longer used (kept for the record)."),
        s.Field("notes", "Notes", s.LONGTEXT, section=REVIEW),
    ),
    checks=(_check_dates,),
    warnings=(_warn_uk_extension,),
)


# ---------------------------------------------------------------- rules


def is_live(values: dict[str, Any]) -> bool:
    """Proposed and active processors are checked; ended ones are kept only for the record."""
    return (values.get("status") or "active") in LIVE_STATUSES


def has_contract(values: dict[str, Any]) -> bool:
    return bool(values.get("contract_signed") or values.get("contract_reference")
                or values.get("contract_link"))


def missing_clauses(values: dict[str, Any]) -> list[str]:
    """Labels of the Art 28(3) clauses not ticked, in the order of the Article."""
    ticked = set(values.get("clauses") or [])
    return [label for value, label in clause_choices() if value not in ticked]


def _as_date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def next_review_due(values: dict[str, Any], months: int = DEFAULT_REVIEW_MONTHS) -> date | None:
    """The next review date: as recorded, else `months` after the last review (or, never reviewed,
    after the due diligence); None when there is nothing to count from."""
    recorded = _as_date(values.get("next_review"))
    if recorded:
        return recorded
    base = _as_date(values.get("last_review") or values.get("due_diligence_date"))
    return months_after(base, months) if base else None


def before_save(values: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Fill the next review from the last one when it is empty, or stale (on or before the last
    review: a review has happened since it was set)."""
    last = values.get("last_review")
    current = values.get("next_review")
    if last and (not current or current <= last):
        due = months_after(date.fromisoformat(last), DEFAULT_REVIEW_MONTHS)
        return {**values, "next_review": due.isoformat()}
    return values


def is_us_place(place: str) -> bool:
    entry = transfers.find_destination(place)
    return entry is not None and entry.get("code") == "US"


def is_us_recipient(values: dict[str, Any]) -> bool:
    return bool(values.get("us_recipient")) or any(is_us_place(p) for p in values.get("locations") or [])


def places_needing_mechanism(values: dict[str, Any]) -> list[str]:
    """Locations that make a restricted transfer: not the UK and not a UK-approved destination.

    The US counts as approved only when the recipient is certified to the UK Extension
    (Data Protection (Adequacy) (United States of America) Regulations 2023).
    """
    needing = []
    for place in values.get("locations") or []:
        entry = transfers.find_destination(place)
        if entry is None:
            needing.append(place)
        elif entry.get("basis") in APPROVED_BASES:
            continue
        elif entry.get("basis") == "extension" and values.get("uk_extension"):
            continue
        else:
            needing.append(place)
    return needing


def uncovered_transfers(values: dict[str, Any]) -> list[str]:
    """Places needing a transfer mechanism that the recorded mechanism does not cover.

    A safeguard (IDTA, UK Addendum, BCR) or an Art 49 derogation covers any place; 'approved
    destination' and the UK Extension cover only what the approved list says they do.
    """
    if mechanism_kind(values.get("transfer_mechanism")) in COVERING_KINDS:
        return []
    return places_needing_mechanism(values)


def _finding(severity: str, code: str, message: str, record, field: str) -> Finding:
    return Finding(severity, code, message, REGISTER, record.id, record.ref, field)


def findings(snapshot: Snapshot) -> list[Finding]:
    today = snapshot.today
    months = int(snapshot.setting("processor_review_months", DEFAULT_REVIEW_MONTHS))
    warning_days = int(snapshot.setting("warning_days", DEFAULT_WARNING_DAYS))
    result: list[Finding] = []
    for record in snapshot.of(REGISTER):
        values = record.values
        if not is_live(values):
            continue
        name = values.get("legal_name") or record.ref
        active = (values.get("status") or "active") == "active"

        # Art 28(3): processing by a processor "shall be governed by a contract".
        if active and not has_contract(values):
            result.append(_finding(HIGH, "processor-no-contract",
                                   f"{name}: no contract recorded (Art 28(3) requires one)",
                                   record, "contract_reference"))
        missing = missing_clauses(values)
        if missing:
            result.append(_finding(MEDIUM, "processor-clauses-incomplete",
                                   f"{name}: contract lacks Art 28(3) clauses: {'; '.join(missing)}",
                                   record, "clauses"))

        due = next_review_due(values, months)
        if due is None:
            result.append(_finding(LOW, "processor-never-reviewed",
                                   f"{name}: no due diligence or review date recorded",
                                   record, "last_review"))
        elif due < today:
            result.append(_finding(MEDIUM, "processor-review-overdue",
                                   f"{name}: review overdue since {due.isoformat()}",
                                   record, "next_review"))
        elif due <= today + timedelta(days=warning_days):
            result.append(_finding(LOW, "processor-review-due",
                                   f"{name}: review due on {due.isoformat()}",
                                   record, "next_review"))

        end = _as_date(values.get("contract_end"))
        if end and end < today and active:
            result.append(_finding(HIGH, "processor-contract-ended",
                                   f"{name}: contract ended on {end.isoformat()} but the "
                                   "processor is still active", record, "contract_end"))
        elif end and today <= end <= today + timedelta(days=CONTRACT_WARNING_DAYS):
            result.append(_finding(MEDIUM, "processor-contract-ending",
                                   f"{name}: contract ends or renews on {end.isoformat()}",
                                   record, "contract_end"))

        # UK GDPR Art 44: a restricted transfer needs approval, a safeguard or a derogation.
        uncovered = uncovered_transfers(values)
        if uncovered:
            places = "; ".join(uncovered)
            kind = mechanism_kind(values.get("transfer_mechanism"))
            if kind == "adequacy":
                message = f"{name}: recorded as an approved destination, but {places} is not one"
            elif kind == "extension":
                message = (f"{name}: the UK Extension covers only certified US recipients, not "
                           f"{places}")
            else:
                message = f"{name}: data goes to {places} with no transfer mechanism recorded"
            result.append(_finding(HIGH, "processor-transfer-no-mechanism", message, record,
                                   "transfer_mechanism"))

        if is_us_recipient(values):
            fallback = values.get("fallback_mechanism")
            covered_by_safeguard = mechanism_kind(values.get("transfer_mechanism")) in COVERING_KINDS
            if not values.get("uk_extension"):
                if not fallback and not covered_by_safeguard:
                    result.append(_finding(
                        HIGH, "processor-us-no-safeguard",
                        f"{name}: US recipient not certified to the UK Extension of the Data "
                        "Privacy Framework, and no IDTA, UK Addendum or other fallback",
                        record, "fallback_mechanism"))
            elif not fallback and not covered_by_safeguard:
                result.append(_finding(
                    LOW, "processor-us-no-fallback",
                    f"{name}: relies on the UK Extension of the Data Privacy Framework with no "
                    "fallback if it is withdrawn", record, "fallback_mechanism"))
    return result
