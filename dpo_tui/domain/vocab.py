"""Reference data in data/: vocabularies, destinations, presets, templates. Read once, cached."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from dpo_tui.paths import data_dir


@cache
def load(name: str) -> Any:
    """data/<name>.json, e.g. load("vocabularies/data_categories")."""
    with open(data_dir() / f"{name}.json", encoding="utf-8") as fh:
        return json.load(fh)


def choices(name: str) -> tuple[tuple[str, str], ...]:
    """A vocabulary file of [{"value", "label"}...] as field choices."""
    return tuple((item["value"], item["label"]) for item in load(name))


def constants() -> dict[str, Any]:
    """Legal constants that change with the law (72 hours, one month, the regulator's name)."""
    return load("constants")
