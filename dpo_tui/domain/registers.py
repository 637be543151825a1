"""The registers the app keeps, in the order screens and reports show them.

Each register module defines `SCHEMA` and `findings(snapshot) -> list[Finding]`.
Modules load on first use so that start-up only pays for what it shows.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from types import ModuleType

from dpo_tui.domain.records import Finding, Snapshot
from dpo_tui.domain.schema import RegisterSchema

MODULES: dict[str, str] = {
    "activity": "dpo_tui.domain.activities",
    "client_processing": "dpo_tui.domain.client_processing",
    "processor": "dpo_tui.domain.processors",
    "retention": "dpo_tui.domain.retention",
    "breach": "dpo_tui.domain.breaches",
    "action": "dpo_tui.domain.actions",
    "review": "dpo_tui.domain.reviews",
}


def module(name: str) -> ModuleType:
    try:
        return importlib.import_module(MODULES[name])
    except KeyError:
        raise KeyError(f"unknown register {name!r}; known: {', '.join(MODULES)}") from None


def schema(name: str) -> RegisterSchema:
    if name == "organisation":
        from dpo_tui.domain.organisation import SCHEMA

        return SCHEMA
    return module(name).SCHEMA


def available() -> list[str]:
    """Registers whose module exists in this build."""
    names = []
    for name, path in MODULES.items():
        if importlib.util.find_spec(path) is not None:
            names.append(name)
    return names


def findings(snapshot: Snapshot) -> list[Finding]:
    """Every finding for one organisation: the one function the dashboard, review and report use."""
    from dpo_tui.domain import organisation

    result: list[Finding] = list(organisation.findings(snapshot))
    for name in available():
        rule: Callable[[Snapshot], list[Finding]] | None = getattr(module(name), "findings", None)
        if rule is not None:
            result.extend(rule(snapshot))
    return sorted(result, key=lambda f: f.sort_key)
