"""A synthetic organisation at a chosen scale, for benchmarks.

N processing activities with realistic values (varied from the demo studio and the starter
templates, which carry facts from real small-business privacy notices), plus processors,
retention rules and breaches in proportion, with links between them. Every record passes its
register's validation. Written through the repository in one transaction, with references
given up front, so 10,000 activities take seconds rather than minutes.

    python bench/generate.py --db /tmp/bench.db --activities 1000
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dpo_tui.clock import Clock  # noqa: E402
from dpo_tui.domain import registers  # noqa: E402
from dpo_tui.domain.schema import ValidationContext, validate  # noqa: E402
from dpo_tui.paths import data_dir  # noqa: E402
from dpo_tui.services import organisations  # noqa: E402
from dpo_tui.services.workspace import Workspace, open_workspace  # noqa: E402
from dpo_tui.storage import repository as repo  # noqa: E402

BENCH_NOW = "2026-11-22T10:00:00Z"
# Proportions of a busy outside DPO's client, scaled from the demo studio.
PROCESSORS_PER_ACTIVITY = 1 / 10
RETENTION_PER_ACTIVITY = 1 / 8
BREACHES_PER_ACTIVITY = 1 / 50

SITES = ("Leeds studio", "Bristol studio", "Online classes", "Cardiff hall", "Glasgow branch",
         "Belfast branch", "Summer school", "Holiday club", "Head office", "Outreach project",
         "Saturday school", "Partner schools")
TEAMS = ("Bookings team", "Teaching", "Front desk", "Finance", "Marketing", "HR", "IT",
         "Events", "Safeguarding lead", "Studio manager")


@dataclass
class Generated:
    org_id: str
    ids: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def counts(self) -> dict[str, int]:
        return {register: len(ids) for register, ids in self.ids.items()}


def _load(name: str) -> Any:
    return json.loads((data_dir() / name).read_text(encoding="utf-8"))


def pools() -> dict[str, list[dict[str, Any]]]:
    """Realistic shapes for each register: the demo organisation plus every starter template."""
    result: dict[str, list[dict[str, Any]]] = {
        "activity": list(_load("demo/activities.json")),
        "processor": list(_load("demo/processors.json")),
        "retention": list(_load("demo/retention.json")),
        "breach": [item["values"] for item in _load("demo/breaches.json")],
    }
    for path in sorted((data_dir() / "templates").glob("*.json")):
        template = json.loads(path.read_text(encoding="utf-8"))
        result["activity"] += template.get("activities", [])
        result["processor"] += [{**p, "legal_name": p.get("legal_name") or p.get("name", "")}
                                for p in template.get("processors", [])]
        result["retention"] += template.get("retention", [])
    return result


def _shape(register: str, base: dict[str, Any]) -> dict[str, Any]:
    """Only the register's own fields, links left for the generator to fill with real ids."""
    schema = registers.schema(register)
    links = {f.name for f in schema.link_fields}
    own = {k: copy.deepcopy(v) for k, v in base.items() if k in schema.field_names and k not in links}
    return {**schema.defaults(), **own}  # as services.records.save does for a new record


def _vary(rng: random.Random, values: dict[str, Any], n: int) -> dict[str, Any]:
    for key in ("individual_categories", "data_categories", "other_recipients", "locations",
                "systems"):
        items = values.get(key)
        if isinstance(items, list) and len(items) > 1:
            rng.shuffle(items)
            values[key] = items[: rng.randint(1, len(items))]
    return values


def _ordered_registers() -> list[str]:
    return [r for r in ("processor", "retention", "activity", "breach") if r in registers.available()]


def generate(ws: Workspace, *, activities: int = 1000, seed: int = 1,
             name: str | None = None) -> Generated:
    """Add one organisation with `activities` processing activities and records in proportion."""
    rng = random.Random(seed)
    started = time.perf_counter()
    org = organisations.create(ws, {
        "name": name or f"Bench Studio ({activities:,} activities)",
        "dpo_name": "Dee Pio", "email": "privacy@bench-studio.example",
        "address": "1 High Street\nLeeds LS1 1AA", "role": "controller",
    }).record
    result = Generated(org_id=org.id)
    wanted = {
        "activity": activities,
        "processor": max(3, round(activities * PROCESSORS_PER_ACTIVITY)),
        "retention": max(3, round(activities * RETENTION_PER_ACTIVITY)),
        "breach": max(1, round(activities * BREACHES_PER_ACTIVITY)),
    }
    shapes = pools()
    ctx = ValidationContext(timezone="Europe/London", today=ws.clock.today())
    at = ws.now_iso()
    with repo.transaction(ws.db):
        for register in _ordered_registers():
            schema = registers.schema(register)
            module = registers.module(register)
            hook = getattr(module, "before_save", None)
            ids = result.ids.setdefault(register, [])
            pool = shapes[register]
            for n in range(wanted[register]):
                values = _vary(rng, _shape(register, pool[n % len(pool)]), n)
                values = _name(register, values, n, len(pool), rng)
                values.update(_links(register, result, rng))
                checked = validate(schema, values, ctx)
                if not checked.ok:
                    raise ValueError(f"generated {register} {n} is invalid: {checked.errors}")
                final = hook(checked.values, ws.clock.now()) if hook else checked.values
                ref = _ref(schema.ref_prefix, register, n)
                record = repo.insert_record(ws.db, org.id, schema, final, at=at, actor="bench",
                                            ref=ref, note="generated")
                ids.append(record.id or "")
    result.seconds = time.perf_counter() - started
    return result


def _name(register: str, values: dict[str, Any], n: int, pool_size: int,
          rng: random.Random) -> dict[str, Any]:
    """Tell copies apart the way real records differ: by site, team and status."""
    round_no = n // pool_size + 1
    site = SITES[n % len(SITES)]
    if register == "activity":
        values["purpose"] = f"{values.get('purpose') or 'Processing'} – {site} #{n + 1}"
        values["owner"] = TEAMS[n % len(TEAMS)]
        values["status"] = rng.choice(("active", "active", "active", "draft", "retired"))
        values["last_reviewed"] = f"2026-{1 + n % 11:02d}-{1 + n % 27:02d}"
    elif register == "processor":
        if round_no > 1:
            values["legal_name"] = f"{values['legal_name']} ({site})"
    elif register == "retention":
        values["category"] = f"{values['category']} – {site}"
    elif register == "breach":
        day = 1 + n % 28
        month = 1 + (n // 28) % 10
        stamp = f"2026-{month:02d}-{day:02d}T"
        for key, hour in (("occurred_at", "08"), ("discovered_at", "09"), ("aware_at", "10"),
                          ("processor_told_us_at", "10"), ("ico_notified_at", "15"),
                          ("individuals_told_at", "16")):
            if values.get(key):
                values[key] = f"{stamp}{hour}:00:00Z"
        if n % 3 == 0:
            values["closed_at"] = None  # still open
        if values.get("closed_at"):
            values["closed_at"] = f"2026-{month:02d}-{day:02d}T18:00:00Z"
            if values.get("outcome") in (None, "", "undecided"):
                # ICO: a breach unlikely to result in a risk is logged, not reported (Art 33(5)).
                values["outcome"] = "log-only"
                values["outcome_reasons"] = "Assessed as unlikely to result in a risk to anyone."
    return values


def _links(register: str, made: Generated, rng: random.Random) -> dict[str, list[str]]:
    links: dict[str, list[str]] = {}
    for f in registers.schema(register).link_fields:
        targets = made.ids.get(f.target or "", [])
        if targets:
            links[f.name] = rng.sample(targets, min(len(targets), rng.randint(1, 3)))
    return links


def _ref(prefix: str, register: str, n: int) -> str:
    if register == "breach":
        return f"{prefix}-2026-{n + 1:03d}"
    return f"{prefix}-{n + 1:03d}"


def make_database(path: Path | str, activities: int, seed: int = 1) -> Generated:
    """A fresh database file holding one synthetic organisation."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} exists; give a new file")
    ws = open_workspace(path, clock=Clock.from_text(BENCH_NOW), actor="bench")
    try:
        return generate(ws, activities=activities, seed=seed)
    finally:
        ws.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="a new database file to create")
    parser.add_argument("--activities", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    made = make_database(args.db, args.activities, args.seed)
    counts = ", ".join(f"{n:,} {register}" for register, n in made.counts.items())
    print(f"{args.db}: {counts} in {made.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
