"""A fixture organisation with a record in every register, built through the services.

It holds what the report must carry: text in Swedish, Bulgarian and Welsh, a gap the ICO
template marks as missing, breaches with assessments and timelines, a signed-off review, and
hostile text (markup, file paths and URLs) that must come out as plain characters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from dpo_tui.domain import registers
from dpo_tui.services import breaches as breach_service
from dpo_tui.services import organisations, records
from dpo_tui.services.workspace import Workspace

SWEDISH = "Elevlistor för höstterminen i Malmö: å ä ö Å Ä Ö"
BULGARIAN = "Записване на ученици в София и Пловдив"
WELSH = "Gwersi telyn yn Nhŷ'r Ŵyl, Caerdydd: ŵ ŷ Ŵ Ŷ"
HOSTILE_IMG = '<img src="file:///etc/passwd">'
HOSTILE_SCRIPT = "<script>alert('x')</script>"
HOSTILE_TEMPLATE = "{{ r.organisation }} {% if 1 %}x{% endif %} [/] [bold]"
HOSTILE_CSS = "</style><style>@import url(file:///etc/passwd); body { display: none }</style>"
HOSTILE_PATH = "../../../../etc/passwd"


def hostile_url(port: int, name: str) -> str:
    return f"http://127.0.0.1:{port}/{name}"


@dataclass
class Fixture:
    org_id: str
    activities: list[str] = field(default_factory=list)  # purposes
    processors: list[str] = field(default_factory=list)  # legal names
    retention: list[str] = field(default_factory=list)  # categories
    breaches: list[str] = field(default_factory=list)  # refs
    hostile: list[str] = field(default_factory=list)  # texts that must appear literally
    languages: dict[str, str] = field(default_factory=lambda: {
        "sv": SWEDISH, "bg": BULGARIAN, "cy": WELSH})
    ids: dict[str, str] = field(default_factory=dict)


def save(ws: Workspace, org_id: str, register: str, values: dict[str, Any]) -> str:
    return records.save(ws, org_id, register, values).record.id


def build_fixture(ws: Workspace, *, port: int = 9) -> Fixture:
    """The fixture organisation. `port` is where hostile URLs point (a server that must see
    nothing)."""
    org = organisations.create(ws, {
        "name": "Harbour Music Ltd",
        "address": "1 Quay Street\nBristol\nBS1 4DJ",
        "email": "hello@harbour.example",
        "telephone": "0117 496 0000",
        "role": "both",
        "dpo_name": "Siân Ŵyn Hughes",
        "dpo_email": "dpo@harbour.example",
        "ico_registration_number": "ZA123456",
        "registration_expiry": "2027-08-04",
        "fee_tier": "tier1",
    }).record
    fx = Fixture(org.id)
    hostile_links = (f'<link rel="stylesheet" href="{hostile_url(port, "evil.css")}"> '
                     f'<img src="{hostile_url(port, "pixel.png")}"> '
                     f"background: url({hostile_url(port, 'bg.png')})")
    fx.hostile = [HOSTILE_IMG, HOSTILE_SCRIPT, HOSTILE_TEMPLATE, HOSTILE_CSS, HOSTILE_PATH,
                  hostile_links]

    fx.ids["stripe"] = save(ws, org.id, "processor", {
        "legal_name": "Stripe Payments UK Ltd", "service": "Card payments for lessons",
        "status": "active", "contract_signed": "2025-01-09", "contract_end": "2027-01-08",
        "contract_reference": "Stripe DPA", "locations": ["United Kingdom", "Ireland"],
        "clauses": ["instructions", "confidentiality", "security", "subprocessors", "rights",
                    "compliance-assistance", "end-of-contract", "audits"],
        "last_review": "2026-03-01"})
    fx.ids["mailer"] = save(ws, org.id, "processor", {
        "legal_name": "Brevdu Nyhetsbrev AB", "service": SWEDISH, "status": "active",
        "locations": ["Sweden"], "clauses": ["instructions", "confidentiality"],
        "notes": HOSTILE_IMG + " " + HOSTILE_PATH})
    fx.processors = ["Stripe Payments UK Ltd", "Brevdu Nyhetsbrev AB"]

    fx.ids["rule-bookings"] = save(ws, org.id, "retention", {
        "category": "Pupil and booking records", "period_number": 2, "period_unit": "years",
        "trigger": "last-interaction", "justification_type": "business",
        "justification": "Lets us answer questions about past lessons", "end_action": "delete",
        "owner": "Studio manager", "last_review": "2026-03-01"})
    fx.ids["rule-accounts"] = save(ws, org.id, "retention", {
        "category": "Accounting records", "period_number": 6, "period_unit": "years",
        "trigger": "end-of-financial-year", "justification_type": "statute",
        "justification": "HMRC: 6 years from the end of the financial year",
        "end_action": "delete", "criteria": HOSTILE_CSS})
    fx.retention = ["Pupil and booking records", "Accounting records"]

    fx.ids["bookings"] = save(ws, org.id, "activity", {
        "business_function": "Bookings", "purpose": "Class bookings and pupil records",
        "individual_categories": ["Parents and guardians", "Pupils"],
        "data_categories": ["Contact details"], "lawful_bases": ["b"],
        "processors": [fx.ids["stripe"]], "retention_rules": [fx.ids["rule-bookings"]],
        "security_measures": "Two-factor sign-in; " + hostile_links, "status": "active",
        "last_reviewed": "2026-06-01", "owner": WELSH})
    # No lawful basis: the ICO template's column 12 must read "Missing".
    fx.ids["swedish"] = save(ws, org.id, "activity", {
        "business_function": "Undervisning", "purpose": SWEDISH,
        "individual_categories": ["Pupils"], "data_categories": ["Contact details"],
        "other_recipients": ["None outside the organisation"],
        "processors": [fx.ids["mailer"]], "retention_note": HOSTILE_TEMPLATE,
        "status": "active"})
    fx.ids["bulgarian"] = save(ws, org.id, "activity", {
        "business_function": "Записване", "purpose": BULGARIAN,
        "individual_categories": ["Pupils"], "data_categories": ["Contact details"],
        "other_recipients": [HOSTILE_SCRIPT], "lawful_bases": ["a"],
        "consent_record_link": HOSTILE_PATH, "retention_rules": [fx.ids["rule-accounts"]],
        "security_measures": WELSH, "status": "active"})
    fx.activities = ["Class bookings and pupil records", SWEDISH, BULGARIAN]

    save(ws, org.id, "client_processing", {
        "client_name": "St Aldhelm's Primary School", "client_email": "office@aldhelm.example",
        "processing_categories": ["Whole-class ukulele lessons"], "contract_link": "DPA 2025",
        "status": "active"})
    save(ws, org.id, "action", {"what": "Sign a DPA with Brevdu " + HOSTILE_IMG,
                                "owner": "Siân", "due": "2026-10-01", "status": "open"})

    # Breaches: one reported in time with a full timeline, one still on the clock.
    lost = breach_service.quick_add(ws, org.id, "Register folder lost after a concert",
                                    aware_at="2026-09-19T16:45:00Z", found_by="Sam")
    breach_service.record_assessment(ws, lost.id, {
        "personal_data": {"answer": "yes", "reason": "Names and phone numbers of 14 children"},
        "risk": {"answer": "likely", "reason": "Lost in a public place"},
        "high_risk": {"answer": "no", "reason": "No health data in the folder"},
    }, at="2026-09-20T09:00:00Z")
    breach_service.add_timeline_entry(ws, lost.id, "Searched the hall " + HOSTILE_SCRIPT,
                                      kind="action", at="2026-09-19T17:30:00Z")
    breach_service.mark_ico_notified(ws, lost.id, "2026-09-21T10:20:00Z",
                                     reference="IC-401887-K3T9")
    laptop = breach_service.quick_add(ws, org.id, "Laptop stolen from the car " + BULGARIAN,
                                      aware_at="2026-11-21T09:00:00Z")
    fx.breaches = [lost.ref, laptop.ref]

    if "review" in registers.available():
        save(ws, org.id, "review", {
            "period": "2026 Q3", "status": "signed-off", "reviewer": "Siân Ŵyn Hughes",
            "started_at": "2026-09-28T09:00:00Z", "signed_off_at": "2026-09-30T15:00:00Z",
            "next_due": "2026-12-30", "notes": "All activities confirmed " + HOSTILE_IMG,
            "items": [{"key": f"record:{fx.ids['bookings']}", "register": "activity",
                       "ref": "PA-001", "title": "Class bookings and pupil records",
                       "decision": "still-accurate", "note": "", "action_ref": "",
                       "decided_at": "2026-09-29T10:00:00Z"}],
            "accountability": [{"question_id": "leadership-owner",
                                "category": "Leadership and oversight",
                                "question": "Is one named person responsible?",
                                "answer": "partly", "notes": WELSH}],
        })
    return fx


@pytest.fixture
def fixture_org(ws: Workspace) -> Fixture:
    return build_fixture(ws)


@pytest.fixture(scope="session")
def fixture_builder() -> Callable[..., Fixture]:
    """build_fixture, for module-scoped fixtures (test modules cannot import conftest)."""
    return build_fixture
