"""The record of processing activities (UK GDPR Art 30(1)): every column of the ICO template.

One record per processing activity. The fields follow the ICO's controller documentation
template (gdpr-documentation-controller-template.xlsx, sheet "Template", columns A-AD) in
order; each carries its column number in `ico_column` and, for the field that holds the
column's main text, the ICO's own label, so the report and the spreadsheet import/export can
map columns to fields. A column with a structured part (processors, retention rules) has a
second field sharing the number.

Values in TAGS fields are stored as the vocabulary's labels (readable everywhere); the kind of
a data category (ordinary, special, criminal) is looked up by label, value or pattern.

Gap checks (`findings`) follow issue 3 §4 and the sources cited beside each rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any

from dpo_tui.domain import schema as s
from dpo_tui.domain.dates import months_after
from dpo_tui.domain.records import HIGH, LOW, MEDIUM, Finding, Record, Snapshot
from dpo_tui.domain.transfers import TRANSFER_COLUMNS, transfer_problem
from dpo_tui.domain.vocab import choices, load

# The ICO controller template's 30 columns: (number, label, M = Art 30(1) / R = good practice /
# S = required where DPA 2018 Schedule 1 is relied on (Sch 1 para 41)). REGULATORY.md §1.
ICO_COLUMNS: tuple[tuple[int, str, str], ...] = (
    (1, "Business function", "R"),
    (2, "Purpose of processing", "M"),
    (3, "Name and contact details of joint controller (if applicable)", "M"),
    (4, "Categories of individuals", "M"),
    (5, "Categories of personal data", "M"),
    (6, "Categories of recipients", "M"),
    (7, "Link to contract with processor", "R"),
    (8, "Names of third countries or international organisations that personal data are "
        "transferred to (if applicable)", "M"),
    (9, "Safeguards for exceptional transfers of personal data to third countries or "
        "international organisations (if applicable)", "M"),
    (10, "Retention schedule (if possible)", "M"),
    (11, "General description of technical and organisational security measures (if possible)", "M"),
    (12, "Article 6 lawful basis for processing personal data", "R"),
    (13, "Article 9 condition for processing special category data", "R"),
    (14, "Legitimate interests for the processing (if applicable)", "R"),
    (15, "Link to record of legitimate interests assessment (if applicable)", "R"),
    (16, "Rights available to individuals", "R"),
    (17, "Existence of automated decision-making, including profiling (if applicable)", "R"),
    (18, "The source of the personal data (if applicable)", "R"),
    (19, "Link to record of consent", "R"),
    (20, "Location of personal data", "R"),
    (21, "Data Protection Impact Assessment required?", "R"),
    (22, "Data Protection Impact Assessment progress", "R"),
    (23, "Link to Data Protection Impact Assessment", "R"),
    (24, "Has a personal data breach occurred?", "R"),
    (25, "Link to record of personal data breach", "R"),
    (26, "Data Protection Act 2018 Schedule 1 Condition for processing", "S"),
    (27, "GDPR Article 6 lawful basis for processing", "S"),
    (28, "Link to retention and erasure policy document", "S"),
    (29, "Is personal data retained and erased in accordance with the policy document?", "S"),
    (30, "Reasons for not adhering to policy document (if applicable)", "S"),
)
COLUMN_LABEL = {number: label for number, label, _ in ICO_COLUMNS}

STATUSES = (("draft", "Draft"), ("active", "Active"), ("retired", "Retired"))
# Retired activities are history: they keep their record but raise no findings.
LIVE_STATUSES = {"draft", "active"}
DPIA_PROGRESS = (
    ("not-started", "Not started"),
    ("in-progress", "In progress"),
    ("complete", "Complete"),
    ("not-needed", "Not needed"),
)

# Lawful bases (UK GDPR Art 6(1)) by their letter in data/vocabularies/lawful_bases.json.
CONSENT, LEGITIMATE_INTERESTS = "a", "f"
EXPLICIT_CONSENT = "a"  # Art 9(2)(a)

PURPOSE = "Purpose"
INDIVIDUALS = "Individuals and data"
RECIPIENTS = "Recipients and transfers"
RETENTION = "Retention and security"
LAWFUL = "Lawful basis"
RIGHTS = "Rights"
SOURCE = "Source and location"
DPIA = "DPIA"
BREACHES = "Breaches"
SCH1 = "Schedule 1 (DPA 2018)"
REVIEW = "Ownership and review"

_LAWFUL_BASES = choices("vocabularies/lawful_bases")
_ART9 = choices("vocabularies/art9_conditions")
_SCH1 = choices("vocabularies/sch1_conditions")
_RIGHTS = choices("vocabularies/rights")


def _warn_review_dates(values: dict[str, Any], ctx: s.ValidationContext) -> dict[str, str]:
    last, nxt = values.get("last_reviewed"), values.get("next_review")
    if last and nxt and nxt < last:
        return {"next_review": "Next review is before the last review; saved as typed"}
    return {}


def _derive(values: dict[str, Any]) -> None:
    """ICO column 24 follows the breach log: a breach that names this activity means yes."""
    if values.get("breach_records"):
        values["breach_occurred"] = True


SCHEMA = s.RegisterSchema(
    name="activity",
    title="Processing activities",
    singular="processing activity",
    ref_prefix="PA",
    title_field="purpose",
    derive=_derive,
    fields=(
        # ---- Purpose (ICO columns 1-3)
        s.Field("business_function", COLUMN_LABEL[1], section=PURPOSE, ico_column=1,
                help="The part of the business that does this, e.g. Bookings, Finance, Marketing, "
                "HR, Safeguarding. ICO good practice."),
        s.Field("purpose", COLUMN_LABEL[2], section=PURPOSE, ico_column=2, required=True,
                in_table=True, short="Purpose",
                help="Why the data is processed, in a few words a customer would understand: "
                "'Class bookings and pupil records'. UK GDPR Art 30(1)(b)."),
        s.Field("joint_controller", COLUMN_LABEL[3], s.LONGTEXT, section=PURPOSE, ico_column=3,
                help="Only when another organisation decides the purposes with you (e.g. a "
                "franchisor who sets how customer data is used). Name, address, email, telephone. "
                "Art 26 and Art 30(1)(a)."),
        # ---- Individuals and data (4-5)
        s.Field("individual_categories", COLUMN_LABEL[4], s.TAGS, section=INDIVIDUALS,
                ico_column=4, vocabulary="individual_categories",
                help="Whose data: customers, parents, pupils, staff, website visitors... "
                "Pick from the list or type your own. Art 30(1)(c)."),
        s.Field("children", "Includes children's data", s.BOOL, section=INDIVIDUALS,
                help="Children merit specific protection (UK GDPR recital 38; ICO Age "
                "appropriate design code). Set automatically when a children's category is chosen."),
        s.Field("data_categories", COLUMN_LABEL[5], s.TAGS, section=INDIVIDUALS, ico_column=5,
                vocabulary="data_categories", in_table=True, short="Personal data",
                help="What data: contact details, payments, photos... Health, ethnicity, religion, "
                "biometrics and similar are special category data (Art 9); criminal records and "
                "DBS results are criminal offence data (Art 10). Art 30(1)(c)."),
        # ---- Recipients and transfers (6-9)
        s.Field("other_recipients", COLUMN_LABEL[6], s.TAGS, section=RECIPIENTS, ico_column=6,
                vocabulary="recipients",
                help="Who else receives the data and is not your processor: HMRC, accountants, "
                "franchisees, insurers, police on request... Write 'None outside the organisation' "
                "if nobody does. Art 30(1)(d)."),
        s.Field("processors", "Processors (recipients)", s.LINK, section=RECIPIENTS, ico_column=6,
                target="processor",
                help="Service providers that handle this data on your behalf (payment provider, "
                "booking system, email platform), from the processor register. Art 28."),
        s.Field("processor_contract_link", COLUMN_LABEL[7], section=RECIPIENTS, ico_column=7,
                help="Where the data processing contract is kept, if not recorded on the "
                "processor itself. Art 28(3). ICO good practice."),
        s.Field("transfers", COLUMN_LABEL[8], s.ROWS, section=RECIPIENTS, ico_column=8,
                columns=TRANSFER_COLUMNS,
                help="One line per transfer outside the UK: destination | recipient | mechanism, "
                "e.g. 'United States | email platform | UK Extension'. The EEA and other "
                "UK-approved destinations need no safeguard; the US only for recipients certified "
                "to the UK Extension of the Data Privacy Framework; anywhere else needs the IDTA, "
                "the UK Addendum or an Art 49 derogation. Art 30(1)(e)."),
        s.Field("transfer_safeguards", COLUMN_LABEL[9], s.LONGTEXT, section=RECIPIENTS,
                ico_column=9,
                help="Only for an exceptional transfer under the last paragraph of Art 49(1) "
                "(compelling legitimate interests): the suitable safeguards. Art 30(1)(e)."),
        # ---- Retention and security (10-11)
        s.Field("retention_note", COLUMN_LABEL[10], s.LONGTEXT, section=RETENTION, ico_column=10,
                help="How long the data is kept and why, if no retention rule is linked or to "
                "add detail: '6 years from the end of the financial year (HMRC)'. Art 30(1)(f)."),
        s.Field("retention_rules", "Retention rules", s.LINK, section=RETENTION, ico_column=10,
                target="retention",
                help="Rules from the retention schedule that apply to this data."),
        s.Field("security_measures", COLUMN_LABEL[11], s.LONGTEXT, section=RETENTION,
                ico_column=11,
                help="A general description: access limited to staff who need it, two-factor "
                "sign-in, encrypted devices, locked cabinet... Art 30(1)(g) and Art 32(1)."),
        # ---- Lawful basis (12-15, 19)
        s.Field("lawful_bases", COLUMN_LABEL[12], s.MULTICHOICE, section=LAWFUL, ico_column=12,
                choices=_LAWFUL_BASES, in_table=True, short="Lawful basis",
                help="UK GDPR Art 6(1): (a) consent, (b) contract, (c) legal obligation, (d) vital "
                "interests, (e) public task, (ea) recognised legitimate interests (from 5 Feb "
                "2026), (f) legitimate interests. One or more."),
        s.Field("art9_conditions", COLUMN_LABEL[13], s.MULTICHOICE, section=LAWFUL, ico_column=13,
                choices=_ART9,
                help="Needed whenever special category data is processed: Art 9(2)(a)-(j), e.g. "
                "(a) explicit consent for a pupil's health needs. Conditions (b), (g), (h), (i) "
                "and (j) also need a Schedule 1 condition (DPA 2018 s.10)."),
        s.Field("legitimate_interests", COLUMN_LABEL[14], s.LONGTEXT, section=LAWFUL,
                ico_column=14,
                help="When the basis is (f): the interests pursued, as told to people in the "
                "privacy notice (Art 13(1)(d))."),
        s.Field("lia_link", COLUMN_LABEL[15], section=LAWFUL, ico_column=15,
                help="Where the legitimate interests assessment is kept (a document name or "
                "link). The ICO expects one for every use of basis (f)."),
        # ---- Rights and automated decisions (16-17)
        s.Field("rights", COLUMN_LABEL[16], s.MULTICHOICE, section=RIGHTS, ico_column=16,
                choices=_RIGHTS,
                help="Filled from the lawful basis when left empty (ICO table: no erasure for legal "
                "obligation or public task; portability only for consent and contract; objection "
                "for public task and legitimate interests). Edit if needed."),
        s.Field("automated_decisions", COLUMN_LABEL[17], s.LONGTEXT, section=RIGHTS,
                ico_column=17,
                help="Any decision made by computer alone with legal or similarly significant "
                "effects, or profiling (Art 22). Write 'None' if there is none."),
        # ---- Source and location (18, 20)
        s.Field("source", COLUMN_LABEL[18], s.LONGTEXT, section=SOURCE, ico_column=18,
                help="Where the data comes from when not from the person themselves (e.g. a parent "
                "gives a child's details; a DBS umbrella body returns results). Art 14(2)(f)."),
        s.Field("consent_record_link", COLUMN_LABEL[19], section=LAWFUL, ico_column=19,
                help="Where consents are recorded (who, when, how, what they were told). Needed "
                "for consent and explicit consent: Art 7(1)."),
        s.Field("locations", COLUMN_LABEL[20], s.TAGS, section=SOURCE, ico_column=20,
                vocabulary="locations",
                help="The systems and places the data is kept: booking system, cloud storage, "
                "locked cabinet..."),
        # ---- DPIA (21-23)
        s.Field("dpia_required", COLUMN_LABEL[21], s.BOOL, section=DPIA, ico_column=21,
                help="Art 35: needed for processing likely to be high risk, e.g. large-scale "
                "special category data, systematic monitoring, or innovative use of children's data."),
        s.Field("dpia_progress", COLUMN_LABEL[22], s.CHOICE, section=DPIA, ico_column=22,
                choices=DPIA_PROGRESS),
        s.Field("dpia_link", COLUMN_LABEL[23], section=DPIA, ico_column=23,
                help="Where the DPIA document is kept."),
        # ---- Breaches (24-25)
        s.Field("breach_occurred", COLUMN_LABEL[24], s.BOOL, section=BREACHES, ico_column=24,
                help="Filled from the breach log when a breach there names this activity."),
        s.Field("breach_records", COLUMN_LABEL[25], s.LINK, section=BREACHES, ico_column=25,
                target="breach", reverse_of="activities",
                help="Breaches in the breach log that involved this data (linked from the breach)."),
        # ---- Schedule 1 (26-30): required where Sch 1 is relied on (DPA 2018 Sch 1 para 41)
        s.Field("sch1_conditions", COLUMN_LABEL[26], s.MULTICHOICE, section=SCH1, ico_column=26,
                choices=_SCH1,
                help="Criminal offence data (Art 10; DPA 2018 s.10(5)) and special category data "
                "under Art 9(2)(b), (g), (h), (i) or (j) need a Schedule 1 condition, e.g. Part 2 "
                "para 18 safeguarding of children for DBS checks."),
        s.Field("sch1_lawful_bases", COLUMN_LABEL[27], s.MULTICHOICE, section=SCH1, ico_column=27,
                choices=_LAWFUL_BASES,
                help="The Art 6 basis for the Schedule 1 processing (DPA 2018 Sch 1 para 41(b))."),
        s.Field("retention_policy_link", COLUMN_LABEL[28], section=SCH1, ico_column=28,
                help="The appropriate policy document that covers retention and erasure (DPA 2018 "
                "Sch 1 paras 39-41); keep it for six months after the processing ends."),
        s.Field("retained_per_policy", COLUMN_LABEL[29], s.BOOL, section=SCH1, ico_column=29,
                help="DPA 2018 Sch 1 para 41(c)."),
        s.Field("policy_deviation_reasons", COLUMN_LABEL[30], s.LONGTEXT, section=SCH1,
                ico_column=30, help="Only when the answer above is no: why (Sch 1 para 41(c))."),
        # ---- Ownership and review (ICO Accountability Framework: a living record)
        s.Field("owner", "Owner", section=REVIEW,
                help="Who keeps this entry accurate."),
        s.Field("status", "Status", s.CHOICE, section=REVIEW, choices=STATUSES, default="draft",
                required=True, in_table=True, short="Status",
                help="Draft until confirmed; retired when the processing has stopped (kept as "
                "history, no findings)."),
        s.Field("last_reviewed", "Last reviewed", s.DATE, section=REVIEW),
        s.Field("next_review", "Next review due", s.DATE, section=REVIEW,
                help="When empty, the review is due the organisation's activity review interval "
                "after the last review."),
    ),
    warnings=(_warn_review_dates,),
)


def column_fields(number: int) -> tuple[s.Field, ...]:
    """Fields for one ICO column; the first is the one carrying the column's own label."""
    found = [f for f in SCHEMA.fields if f.ico_column == number]
    return tuple(sorted(found, key=lambda f: f.label != COLUMN_LABEL[number]))


# ---------------------------------------------------------------- reusable rules


@cache
def _category_index() -> tuple[dict[str, str], tuple[tuple[re.Pattern[str], str], ...]]:
    exact: dict[str, str] = {}
    patterns: list[tuple[re.Pattern[str], str]] = []
    for item in load("vocabularies/data_categories"):
        kind = item.get("kind", "ordinary")
        exact[item["value"].casefold()] = kind
        exact[item["label"].casefold()] = kind
        patterns.extend((re.compile(p), kind) for p in item.get("match", []))
    return exact, tuple(patterns)


@lru_cache(maxsize=4096)  # a few dozen categories repeat across every activity
def category_kind(category: str) -> str:
    """'ordinary', 'special' (Art 9) or 'criminal' (Art 10) for one data category.

    A vocabulary entry is found by label or value; a category typed by the user is matched
    against the vocabulary's patterns ('Pupil allergies' is health data), criminal first.
    """
    text = " ".join((category or "").casefold().split())
    exact, patterns = _category_index()
    if text in exact:
        return exact[text]
    kinds = {kind for pattern, kind in patterns if pattern.search(text)}
    for kind in ("criminal", "special"):
        if kind in kinds:
            return kind
    return "ordinary"


def is_special(category: str) -> bool:
    """Special category data (UK GDPR Art 9(1))."""
    return category_kind(category) == "special"


def is_criminal(category: str) -> bool:
    """Criminal offence data (UK GDPR Art 10)."""
    return category_kind(category) == "criminal"


@cache
def _rights_by_basis() -> dict[str, tuple[str, ...]]:
    return {item["value"]: tuple(item.get("rights", [])) for item in load("vocabularies/lawful_bases")}


def rights_for_bases(bases: Iterable[str]) -> list[str]:
    """Rights available for these Art 6 bases, per the ICO's lawful-basis/rights table.

    The union over the bases (each may cover part of the data), in the order of
    data/vocabularies/rights.json. Unknown bases are ignored; no basis gives no rights.
    """
    table = _rights_by_basis()
    wanted = {right for basis in bases for right in table.get(basis, ())}
    return [value for value, _ in _RIGHTS if value in wanted]


@cache
def _children_categories() -> frozenset[str]:
    names = set()
    for item in load("vocabularies/individual_categories"):
        if item.get("children"):
            names.update({item["value"].casefold(), item["label"].casefold()})
    return frozenset(names)


def mentions_children(individual_categories: Iterable[str]) -> bool:
    known = _children_categories()
    return any(c.casefold() in known or re.search(r"\b(child|children|pupils?|under[- ]1[68]s?)\b",
                                                   c.casefold())
               for c in individual_categories)


@cache
def _art9_needing_sch1() -> frozenset[str]:
    return frozenset(i["value"] for i in load("vocabularies/art9_conditions") if i.get("needs_sch1"))


def sch1_relied_on(values: dict[str, Any]) -> bool:
    """Whether DPA 2018 Schedule 1 is relied on, so ICO columns 26-30 are required.

    Criminal offence data always needs Sch 1 (s.10(5)); Art 9(2)(b), (g), (h), (i) and (j) need
    it too (s.10(1)-(3)); and a Sch 1 condition given means it is relied on.
    """
    if values.get("sch1_conditions"):
        return True
    if any(is_criminal(c) for c in values.get("data_categories") or []):
        return True
    return bool(set(values.get("art9_conditions") or []) & _art9_needing_sch1())


def before_save(values: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Fill what follows from other answers, never overwriting what the user chose."""
    values = dict(values)
    if not values.get("rights") and values.get("lawful_bases"):
        values["rights"] = rights_for_bases(values["lawful_bases"])
    if values.get("children") is None and mentions_children(values.get("individual_categories") or []):
        values["children"] = True
    if values.get("breach_occurred") is None and values.get("breach_records"):
        values["breach_occurred"] = True
    return values


# ---------------------------------------------------------------- findings


def findings(snapshot: Snapshot) -> list[Finding]:
    """Gaps in every draft or active activity (issue 3 §4). Retired activities are history."""
    live_ids = set(snapshot.by_id())
    months = snapshot.setting("activity_review_months", 12)
    result: list[Finding] = []
    for record in snapshot.of("activity"):
        if record.get("status") in LIVE_STATUSES:
            result.extend(activity_findings(record, snapshot.today, review_months=months,
                                            live_ids=live_ids))
    return result


def activity_findings(record: Record, today: date, *, review_months: int = 12,
                      live_ids: set[str] | None = None) -> list[Finding]:
    """The findings for one activity. `live_ids` limits links to records not archived."""
    v = record.values
    purpose = v.get("purpose") or record.ref or "Activity"
    found: list[Finding] = []

    def add(severity: str, code: str, field: str, problem: str) -> None:
        found.append(Finding(severity, code, f"{purpose}: {problem}", "activity", record.id,
                             record.ref, field))

    def linked(name: str) -> list[str]:
        ids = v.get(name) or []
        return [i for i in ids if live_ids is None or i in live_ids]

    categories = v.get("data_categories") or []
    bases = set(v.get("lawful_bases") or [])

    # Art 30(1)(c)-(g): the mandatory columns that apply to every activity.
    if not v.get("individual_categories"):
        add(MEDIUM, "activity-required-empty", "individual_categories",
            "Categories of individuals is empty (Art 30(1)(c))")
    if not categories:
        add(MEDIUM, "activity-required-empty", "data_categories",
            "Categories of personal data is empty (Art 30(1)(c))")
    if not v.get("other_recipients") and not linked("processors"):
        add(MEDIUM, "activity-required-empty", "other_recipients",
            "Categories of recipients is empty: link the processors and list other recipients, "
            "or write 'None outside the organisation' (Art 30(1)(d))")
    if not v.get("security_measures"):
        add(LOW, "activity-required-empty", "security_measures",
            "no description of security measures (Art 30(1)(g), 'where possible')")
    # Art 6(1): every processing needs a lawful basis (ICO column 12).
    if not bases:
        add(HIGH, "activity-no-lawful-basis", "lawful_bases",
            "no Article 6 lawful basis recorded (UK GDPR Art 6(1))")

    # Art 9(1): special category data needs an Art 9(2) condition.
    special = [c for c in categories if is_special(c)]
    if special and not v.get("art9_conditions"):
        add(HIGH, "activity-special-no-art9", "art9_conditions",
            f"special category data ({'; '.join(special)}) without an Article 9 condition")
    # Art 10 and DPA 2018 s.10(5): criminal offence data needs a Schedule 1 condition.
    criminal = [c for c in categories if is_criminal(c)]
    if criminal and not v.get("sch1_conditions"):
        add(HIGH, "activity-criminal-no-sch1", "sch1_conditions",
            f"criminal offence data ({'; '.join(criminal)}) without a DPA 2018 Schedule 1 condition")
    # DPA 2018 s.10(1)-(3): these Art 9 conditions are met only with a Schedule 1 condition.
    needing = sorted(set(v.get("art9_conditions") or []) & _art9_needing_sch1())
    if needing and not criminal and not v.get("sch1_conditions"):
        letters = ", ".join(f"({c})" for c in needing)
        add(HIGH, "activity-art9-needs-sch1", "sch1_conditions",
            f"Article 9(2){letters} needs a DPA 2018 Schedule 1 condition (DPA 2018 s.10)")
    # DPA 2018 Sch 1 para 41: the extra record where Sch 1 is relied on (ICO columns 27-30).
    if sch1_relied_on(v):
        if not v.get("sch1_lawful_bases"):
            add(MEDIUM, "activity-required-empty", "sch1_lawful_bases",
                "Schedule 1 is relied on but its Article 6 lawful basis is not recorded "
                "(DPA 2018 Sch 1 para 41(b))")
        if not v.get("retention_policy_link"):
            add(MEDIUM, "activity-required-empty", "retention_policy_link",
                "Schedule 1 is relied on but no link to the retention and erasure policy "
                "document (DPA 2018 Sch 1 para 41(c))")
        if v.get("retained_per_policy") is None:
            add(MEDIUM, "activity-required-empty", "retained_per_policy",
                "Schedule 1 is relied on: say whether data is retained and erased per the "
                "policy document (DPA 2018 Sch 1 para 41(c))")
        elif v.get("retained_per_policy") is False and not v.get("policy_deviation_reasons"):
            add(MEDIUM, "activity-required-empty", "policy_deviation_reasons",
                "data is not retained per the policy document and no reason is given "
                "(DPA 2018 Sch 1 para 41(c))")

    # UK GDPR Chapter V: each transfer needs an approved destination or a safeguard.
    for row in v.get("transfers") or []:
        problem = transfer_problem(row)
        if problem:
            add(HIGH, "activity-transfer-unsafeguarded", "transfers", problem)

    # Legitimate interests (f): the interests told to people (Art 13(1)(d)) and the LIA (ICO).
    if LEGITIMATE_INTERESTS in bases:
        if not v.get("legitimate_interests"):
            add(MEDIUM, "activity-li-undescribed", "legitimate_interests",
                "legitimate interests is the basis but the interests are not described "
                "(Art 13(1)(d))")
        if not v.get("lia_link"):
            add(MEDIUM, "activity-li-no-lia", "lia_link",
                "legitimate interests is the basis but no legitimate interests assessment is "
                "linked")
    # Consent and explicit consent must be demonstrable (Art 7(1)).
    if (CONSENT in bases or EXPLICIT_CONSENT in (v.get("art9_conditions") or [])) \
            and not v.get("consent_record_link"):
        add(MEDIUM, "activity-consent-no-record", "consent_record_link",
            "consent is relied on but there is no link to the record of consent (Art 7(1))")

    # Art 35: a required DPIA must be done before the processing.
    if v.get("dpia_required") and v.get("dpia_progress") != "complete":
        progress = dict(DPIA_PROGRESS).get(v.get("dpia_progress") or "not-started", "Not started")
        severity = MEDIUM if v.get("dpia_progress") == "in-progress" else HIGH
        add(severity, "activity-dpia-incomplete", "dpia_progress",
            f"a DPIA is required but not complete ({progress.lower()}) (Art 35)")

    # Art 5(1)(e) and Art 30(1)(f): how long the data is kept.
    if not linked("retention_rules") and not v.get("retention_note"):
        add(MEDIUM, "activity-no-retention", "retention_rules",
            "no retention period: link a retention rule or describe it (Art 30(1)(f))")

    found.extend(_review_findings(record, purpose, today, review_months))
    return found


def _review_findings(record: Record, purpose: str, today: date, review_months: int) -> list[Finding]:
    """ICO Accountability Framework: the record is reviewed regularly."""
    v = record.values
    nxt, last = v.get("next_review"), v.get("last_reviewed")
    due: date | None = None
    if nxt:
        due = date.fromisoformat(nxt)
    elif last:
        due = months_after(date.fromisoformat(last), int(review_months or 12))
    if due is not None and due < today:
        basis = "" if nxt else f" ({review_months} months after the last review on {last})"
        return [Finding(MEDIUM, "activity-review-overdue",
                        f"{purpose}: review overdue since {due.isoformat()}{basis}",
                        "activity", record.id, record.ref, "next_review")]
    if due is None and v.get("status") == "active":
        return [Finding(LOW, "activity-no-review-date",
                        f"{purpose}: no review date: set the last or next review",
                        "activity", record.id, record.ref, "next_review")]
    return []
