"""International transfers: is a destination approved by the UK, and is a safeguard recorded?

UK GDPR Chapter V (as amended by the Data (Use and Access) Act 2025 from 5 Feb 2026): a
restricted transfer needs (a) regulations approving the destination (Art 45A), (b) appropriate
safeguards such as the IDTA or the UK Addendum (Art 46), or (c) an Art 49 derogation. The list
of approved destinations lives in data/approved_destinations.json; the mechanisms a person may
type in data/vocabularies/transfer_mechanisms.json.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache, lru_cache
from typing import Any

from dpo_tui.domain.vocab import load

TRANSFER_COLUMNS = ("destination", "recipient", "mechanism")

# Bases in approved_destinations.json that need nothing more than the destination itself.
_APPROVED_BASES = {"domestic", "eea", "adequacy"}
# What people write in a destination cell to mean "no transfer".
_NO_DESTINATION = {"", "none", "n/a", "-", "no transfer", "no transfers", "not applicable"}


def _fold(text: str) -> str:
    """Case-folded, dots dropped, spaces collapsed: 'U.S.A. ' and 'usa' compare equal."""
    return " ".join(text.replace(".", "").casefold().split())


@cache
def _destination_index() -> dict[str, dict[str, Any]]:
    index: dict[str, dict[str, Any]] = {}
    for item in load("approved_destinations")["destinations"]:
        for name in (item["code"], item["name"], *item.get("aliases", [])):
            index[_fold(name)] = item
    return index


@cache
def _mechanism_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    patterns = []
    for item in load("vocabularies/transfer_mechanisms"):
        names = (item["value"], item["label"], *item.get("aliases", []))
        alternatives = "|".join(re.escape(_fold(n)) for n in names)
        patterns.append((item["kind"], re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")))
    return tuple(patterns)


@lru_cache(maxsize=4096)  # the same few destinations are typed on many activities
def find_destination(text: str) -> dict[str, Any] | None:
    """The approved-list entry a typed destination names, or None when it is not on the list.

    Accepts a name, an ISO code or an alias, with extra detail in brackets or after commas:
    'Germany (Frankfurt data centre)' and 'Frankfurt, Germany' both find Germany.
    """
    if not text or not text.strip():
        return None
    index = _destination_index()
    whole = _fold(re.sub(r"\([^)]*\)", " ", text))
    if whole in index:
        return index[whole]
    for part in reversed(re.split(r"[,;/]", whole)):
        if part.strip() in index:
            return index[part.strip()]
    return None


@lru_cache(maxsize=4096)
def mechanism_kinds(text: str) -> frozenset[str]:
    """Which kinds of mechanism a typed mechanism names: adequacy, extension, safeguard, derogation."""
    folded = _fold(text or "")
    return frozenset(kind for kind, pattern in _mechanism_patterns() if pattern.search(folded))


def is_approved_destination(destination: str, mechanism: str = "") -> bool:
    """True when the UK approves the destination for this transfer without further safeguards.

    The United States counts only when the mechanism records the UK Extension to the EU-US
    Data Privacy Framework (approved from 12 Oct 2023 for certified recipients).
    """
    entry = find_destination(destination)
    if entry is None:
        return False
    if entry["basis"] in _APPROVED_BASES:
        return True
    return entry["basis"] == "extension" and "extension" in mechanism_kinds(mechanism)


def transfer_problem(row: Mapping[str, str]) -> str | None:
    """Why one transfer row lacks a lawful route, in words for a finding; None when it is fine.

    A mechanism the vocabulary does not recognise still counts as a recorded safeguard (the
    person's own description); only an empty mechanism, or one that merely claims adequacy for
    a destination without it, is a problem.
    """
    destination = (row.get("destination") or "").strip()
    if _fold(destination) in _NO_DESTINATION:
        destination = ""
    mechanism = (row.get("mechanism") or "").strip()
    recipient = (row.get("recipient") or "").strip()
    if not destination:
        if recipient or mechanism:
            who = f" to {recipient}" if recipient else ""
            return f"a transfer{who} has no destination country"
        return None
    if is_approved_destination(destination, mechanism):
        return None
    entry = find_destination(destination)
    kinds = mechanism_kinds(mechanism)
    to = f"{destination}" + (f" ({recipient})" if recipient else "")
    if entry is not None and entry["basis"] == "extension":
        if kinds & {"safeguard", "derogation"} or (mechanism and not kinds):
            return None
        return (f"transfer to {to}: the US is approved only for recipients certified to the UK "
                "Extension of the Data Privacy Framework; record that, or another safeguard "
                "(IDTA, UK Addendum)")
    if not mechanism:
        return (f"transfer to {to}: not a UK-approved destination and no safeguard is recorded "
                "(IDTA, UK Addendum, binding corporate rules or an Art 49 derogation)")
    if kinds and kinds <= {"adequacy", "extension"}:
        return (f"transfer to {to}: the destination is not on the UK approved list, so "
                f"'{mechanism}' does not cover it; record an IDTA, UK Addendum or Art 49 derogation")
    return None
