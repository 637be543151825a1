"""The processor's own record (UK GDPR Art 30(2)): one entry per controller the business acts for.

Kept when the organisation's role is processor or both (e.g. a studio that runs lessons for a
partner school on the school's instructions). The organisation's own name and contact details
(Art 30(2)(a), "the processor") come from the organisation profile.
"""

from __future__ import annotations

from dpo_tui.domain import schema as s
from dpo_tui.domain.organisation import is_processor
from dpo_tui.domain.records import HIGH, LOW, MEDIUM, Finding, Record, Snapshot
from dpo_tui.domain.transfers import TRANSFER_COLUMNS, transfer_problem

STATUSES = (("draft", "Draft"), ("active", "Active"), ("ended", "Ended"))
LIVE_STATUSES = {"draft", "active"}

CLIENT = "Controller (client)"
PROCESSING = "Processing carried out"
TRANSFERS = "Transfers and security"
REVIEW = "Contract and review"

SCHEMA = s.RegisterSchema(
    name="client_processing",
    title="Processing for clients",
    singular="client processing record",
    ref_prefix="CP",
    title_field="client_name",
    fields=(
        s.Field("client_name", "Controller (client) name", section=CLIENT, required=True,
                in_table=True,
                help="The organisation you process personal data for, as named in the contract. "
                "UK GDPR Art 30(2)(a)."),
        s.Field("client_address", "Client address", s.LONGTEXT, section=CLIENT),
        s.Field("client_email", "Client email", s.EMAIL, section=CLIENT),
        s.Field("client_telephone", "Client telephone", section=CLIENT),
        s.Field("client_contact", "Client contact person", section=CLIENT,
                help="Who gives you instructions at the client."),
        s.Field("client_representative", "Client's representative (if any)", s.LONGTEXT,
                section=CLIENT,
                help="Art 27 representative of a client based outside the UK: name and contact "
                "details. Art 30(2)(a)."),
        s.Field("client_dpo", "Client's data protection officer (if any)", s.LONGTEXT,
                section=CLIENT, help="Name and contact details. Art 30(2)(a)."),
        s.Field("processing_categories", "Categories of processing", s.TAGS, section=PROCESSING,
                in_table=True,
                help="What you do with the client's data on its behalf: 'running lessons', "
                "'attendance registers', 'progress reports'. Art 30(2)(b)."),
        s.Field("individual_categories", "Categories of individuals", s.TAGS, section=PROCESSING,
                vocabulary="individual_categories",
                help="Whose data (pupils, parents, client staff). Useful to assess risk; not "
                "required by Art 30(2)."),
        s.Field("data_categories", "Categories of personal data", s.TAGS, section=PROCESSING,
                vocabulary="data_categories"),
        s.Field("sub_processors", "Sub-processors used", s.LINK, section=PROCESSING,
                target="processor",
                help="Your own processors that handle this client's data; the client must have "
                "authorised them (Art 28(2))."),
        s.Field("transfers", "Transfers to third countries", s.ROWS, section=TRANSFERS,
                columns=TRANSFER_COLUMNS,
                help="One line per transfer outside the UK: destination | recipient | mechanism, "
                "with the safeguard for any destination the UK has not approved. Art 30(2)(c)."),
        s.Field("security_measures", "Technical and organisational security measures", s.LONGTEXT,
                section=TRANSFERS,
                help="A general description, where possible (Art 30(2)(d) and Art 32(1))."),
        s.Field("contract_link", "Processing contract", section=REVIEW,
                help="Where the contract or data processing agreement with the client is kept: "
                "processing must be governed by one (Art 28(3))."),
        s.Field("owner", "Owner", section=REVIEW),
        s.Field("status", "Status", s.CHOICE, section=REVIEW, choices=STATUSES, default="draft",
                required=True, in_table=True,
                help="Ended when the work for the client has stopped (kept as history)."),
        s.Field("notes", "Notes", s.LONGTEXT, section=REVIEW),
    ),
)


def findings(snapshot: Snapshot) -> list[Finding]:
    """Missing Art 30(2) details, only for an organisation that acts as a processor."""
    if not is_processor(snapshot.org.values):
        return []
    result: list[Finding] = []
    for record in snapshot.of("client_processing"):
        if record.get("status") in LIVE_STATUSES:
            result.extend(record_findings(record))
    return result


def record_findings(record: Record) -> list[Finding]:
    v = record.values
    name = v.get("client_name") or record.ref
    found: list[Finding] = []

    def add(severity: str, code: str, field: str, problem: str) -> None:
        found.append(Finding(severity, code, f"{name}: {problem}", "client_processing",
                             record.id, record.ref, field))

    if not (v.get("client_address") or v.get("client_email") or v.get("client_telephone")):
        add(MEDIUM, "client-processing-required-empty", "client_address",
            "no contact details for the controller (Art 30(2)(a))")
    if not v.get("processing_categories"):
        add(MEDIUM, "client-processing-required-empty", "processing_categories",
            "categories of processing carried out are not recorded (Art 30(2)(b))")
    if not v.get("security_measures"):
        add(LOW, "client-processing-required-empty", "security_measures",
            "no description of security measures (Art 30(2)(d), 'where possible')")
    for row in v.get("transfers") or []:
        problem = transfer_problem(row)
        if problem:
            add(HIGH, "client-processing-transfer-unsafeguarded", "transfers",
                f"{problem} (Art 30(2)(c))")
    if not v.get("contract_link"):
        add(MEDIUM, "client-processing-no-contract", "contract_link",
            "no processing contract with the controller is recorded (Art 28(3))")
    return found
