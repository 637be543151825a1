"""The benchmark generator makes valid, linked records (its numbers are checked elsewhere: never)."""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
from pathlib import Path

from dpo_tui.domain import registers
from dpo_tui.domain.schema import ValidationContext, validate
from dpo_tui.services import records

BENCH = Path(__file__).resolve().parents[2] / "bench"


def load_generator():
    spec = importlib.util.spec_from_file_location("bench_generate", BENCH / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_generator_makes_valid_linked_records_in_proportion(ws):
    generate = load_generator()
    made = generate.generate(ws, activities=60, seed=7)
    counts = made.counts
    assert counts["activity"] == 60
    assert counts["processor"] == 6 and counts["retention"] == 8 and counts["breach"] == 1
    ctx = ValidationContext(today=ws.clock.today())
    seen_refs: set[tuple[str, str]] = set()
    for register, ids in made.ids.items():
        schema = registers.schema(register)
        assert records.count(ws, made.org_id, register) == len(ids)
        for record_id in ids:
            record = records.get(ws, record_id)
            assert (register, record.ref) not in seen_refs
            seen_refs.add((register, record.ref))
            result = validate(schema, record.values, ctx)
            assert result.ok, (record.ref, result.errors)
            for f in schema.link_fields:
                for target in record.values[f.name]:
                    assert records.get(ws, target).register == f.target
    purposes = {records.get(ws, i).values["purpose"] for i in made.ids["activity"]}
    assert len(purposes) == 60, "every activity is told apart"
    activity = records.get(ws, made.ids["activity"][0])
    assert activity.values["processors"] and activity.values["data_categories"]


def test_generator_is_reproducible(tmp_path):
    generate = load_generator()
    contents = []
    for name in ("a.db", "b.db"):
        generate.make_database(tmp_path / name, 20, seed=3)
        conn = sqlite3.connect(tmp_path / name)
        contents.append(conn.execute("SELECT register, ref, data FROM records ORDER BY register, ref")
                        .fetchall())
        conn.close()
    assert contents[0] == contents[1] and len(contents[0]) > 20
