"""The organisation profile (UK GDPR Art 30(1)(a)) and its settings, as one schema."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dpo_tui.domain import schema as s
from dpo_tui.domain.records import HIGH, LOW, MEDIUM, Finding, Snapshot
from dpo_tui.domain.vocab import constants

ROLES = (("controller", "Controller"), ("processor", "Processor"), ("both", "Controller and processor"))
NATIONS = (
    ("england-wales", "England and Wales"),
    ("scotland", "Scotland"),
    ("northern-ireland", "Northern Ireland"),
)
# holidays package subdivision codes for each nation (UK bank holidays differ by nation).
NATION_HOLIDAY_SUBDIV = {"england-wales": "ENG", "scotland": "SCT", "northern-ireland": "NIR"}

ORG = "Organisation (controller)"
DPO = "Data protection officer"
REP = "Representative"
REG = "ICO registration"
SET = "Settings"


def _fee_tiers() -> tuple[tuple[str, str], ...]:
    return tuple((t["value"], t["label"]) for t in constants()["fee_tiers"])


def _warn_dpo(values: dict[str, Any], ctx: s.ValidationContext) -> dict[str, str]:
    # Art 37: a DPO is not always mandatory, but Art 30(1)(a) records their details when there is one;
    # when there is none, the ICO expects the reason to be written down. A gap, not a refusal.
    if values["dpo_name"] or values["dpo_not_appointed_reason"]:
        return {}
    return {"dpo_name": "No DPO and no reason why none is appointed: add one or the other"}


def _check_timezone(values: dict[str, Any], ctx: s.ValidationContext) -> dict[str, str]:
    try:
        ZoneInfo(values["timezone"] or "Europe/London")
    except (ZoneInfoNotFoundError, ValueError):
        return {"timezone": f"Time zone '{values['timezone']}' is unknown (e.g. Europe/London)"}
    return {}


def _check_year_end(values: dict[str, Any], ctx: s.ValidationContext) -> dict[str, str]:
    text = values.get("year_end") or ""
    if not text:
        return {}
    match = re.fullmatch(r"(\d{1,2})[-/](\d{1,2})", text)
    if match:
        day, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and 1 <= day <= 31:
            return {}
    return {"year_end": "Financial year end must be a day and month, e.g. 31-03"}


def _warn_registration(values: dict[str, Any], ctx: s.ValidationContext) -> dict[str, str]:
    number = (values.get("ico_registration_number") or "").upper().replace(" ", "")
    if number and not re.fullmatch(constants()["ico_registration_pattern"], number):
        return {
            "ico_registration_number": (
                f"'{number}' does not look like an ICO registration number "
                "(e.g. Z1234567, ZA123456); saved as typed"
            )
        }
    return {}


SCHEMA = s.RegisterSchema(
    name="organisation",
    title="Organisations",
    singular="organisation",
    ref_prefix="ORG",
    title_field="name",
    fields=(
        s.Field("name", "Name", section=ORG, required=True, in_table=True,
                help="The legal name of the business (the controller)."),
        s.Field("address", "Address", s.LONGTEXT, section=ORG),
        s.Field("email", "Email", s.EMAIL, section=ORG),
        s.Field("telephone", "Telephone", section=ORG),
        s.Field("company_number", "Company or charity number", section=ORG),
        s.Field("website", "Website", section=ORG),
        s.Field("role", "Role", s.CHOICE, section=ORG, choices=ROLES, default="controller",
                in_table=True,
                help="A business that also processes data for other organisations is both, "
                "and keeps a processor record as well (Art 30(2))."),
        s.Field("dpo_name", "DPO name", section=DPO,
                help="Art 37: required for some organisations; otherwise record why none is appointed."),
        s.Field("dpo_email", "DPO email", s.EMAIL, section=DPO),
        s.Field("dpo_telephone", "DPO telephone", section=DPO),
        s.Field("dpo_not_appointed_reason", "Reason no DPO is appointed", s.LONGTEXT, section=DPO),
        s.Field("representative_name", "Representative name", section=REP,
                help="Art 27: only for organisations outside the UK (or EU) that serve people there."),
        s.Field("representative_address", "Representative address", s.LONGTEXT, section=REP),
        s.Field("representative_email", "Representative email", s.EMAIL, section=REP),
        s.Field("representative_telephone", "Representative telephone", section=REP),
        s.Field("ico_registration_number", "ICO registration number", section=REG,
                help="As on the ICO register, e.g. ZA123456. A format warning only; never refused."),
        s.Field("fee_tier", "Fee tier", s.CHOICE, section=REG, choices=_fee_tiers()),
        s.Field("registration_not_required_reason", "Reason no fee is payable", s.LONGTEXT,
                section=REG,
                help="When the organisation is exempt from the data protection fee or not "
                "established in the UK, say why instead of giving a number."),
        s.Field("registration_expiry", "Registration expires", s.DATE, section=REG,
                help="The fee is annual; the ICO reminds about six weeks ahead."),
        s.Field("timezone", "Time zone", section=SET, default="Europe/London",
                help="Deadlines are computed in UTC and shown in this zone."),
        s.Field("nation", "Nation (public holidays)", s.CHOICE, section=SET, choices=NATIONS,
                default="england-wales"),
        s.Field("year_end", "Financial year end (DD-MM)", section=SET, default="31-03",
                help="Used by retention rules that run from the end of the financial year."),
        s.Field("review_interval_months", "Quarterly review interval (months)", s.INT,
                section=SET, default=3),
        s.Field("activity_review_months", "Activity review interval (months)", s.INT,
                section=SET, default=12),
        s.Field("processor_review_months", "Processor review interval (months)", s.INT,
                section=SET, default=12),
        s.Field("warning_days", "Warn about deadlines within (days)", s.INT, section=SET,
                default=30),
        s.Field("prepared_by", "Reports prepared by", section=SET,
                help="Name printed on the report cover; defaults to the DPO."),
    ),
    checks=(_check_timezone, _check_year_end),
    warnings=(_warn_registration, _warn_dpo),
)


def year_end(values: dict[str, Any]) -> tuple[int, int]:
    """(month, day) of the financial year end; 31 March when unset."""
    text = values.get("year_end") or "31-03"
    day, month = re.split(r"[-/]", text)
    return int(month), int(day)


def is_processor(values: dict[str, Any]) -> bool:
    return values.get("role") in ("processor", "both")


def findings(snapshot: Snapshot) -> list[Finding]:
    """Gaps in the organisation block of the record (Art 30(1)(a)) and the annual fee."""
    from datetime import date, timedelta

    values = snapshot.org.values
    found = []

    def add(severity: str, code: str, message: str, field: str) -> None:
        found.append(Finding(severity, code, message, "organisation", snapshot.org.id,
                             values.get("name", ""), field))

    if not (values.get("dpo_name") or values.get("dpo_not_appointed_reason")):
        message = ("DPO contact details recorded but no name: add the DPO's name (Art 30(1)(a))"
                   if values.get("dpo_email") or values.get("dpo_telephone")
                   else "No DPO named and no reason recorded for not appointing one")
        add(MEDIUM, "org-no-dpo", message, "dpo_name")
    if not values.get("address") or not (values.get("email") or values.get("telephone")):
        add(MEDIUM, "org-contact", "Organisation address or contact details missing (Art 30(1)(a))",
            "address")
    if not (values.get("ico_registration_number") or values.get("registration_not_required_reason")):
        add(LOW, "org-no-registration", "No ICO registration number recorded (the data protection fee)",
            "ico_registration_number")
    expiry = values.get("registration_expiry")
    if expiry:
        expires = date.fromisoformat(expiry)
        weeks = constants()["fee_reminder_weeks"]
        if expires < snapshot.today:
            add(HIGH, "org-registration-expired", f"ICO registration expired on {expiry}",
                "registration_expiry")
        elif expires <= snapshot.today + timedelta(weeks=weeks):
            add(MEDIUM, "org-registration-expiring",
                f"ICO registration expires on {expiry}: renew the data protection fee",
                "registration_expiry")
    return found
