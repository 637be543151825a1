"""Validation shared by every register: text safety, dates, choices, rows."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dpo_tui.domain import schema as s

SCHEMA = s.RegisterSchema(
    name="sample", title="Samples", singular="sample", ref_prefix="SA", title_field="name",
    fields=(
        s.Field("name", "Name", required=True),
        s.Field("notes", "Notes", s.LONGTEXT),
        s.Field("when", "When", s.DATE),
        s.Field("at", "At", s.DATETIME),
        s.Field("kind", "Kind", s.CHOICE, choices=(("a", "Alpha"), ("b", "Beta"))),
        s.Field("kinds", "Kinds", s.MULTICHOICE, choices=(("a", "Alpha"), ("b", "Beta"))),
        s.Field("tags", "Tags", s.TAGS),
        s.Field("count", "Count", s.INT),
        s.Field("flag", "Flag", s.BOOL),
        s.Field("email", "Email", s.EMAIL),
        s.Field("rows", "Rows", s.ROWS, columns=("where", "who")),
    ),
)


def test_required_field_empty_is_an_error_at_that_field():
    result = s.validate(SCHEMA, {"name": "   "})
    assert result.errors == {"name": "Name is required"}


@pytest.mark.parametrize("text, expected", [
    ("2026-02-28", "2026-02-28"), ("28/02/2026", "2026-02-28"), ("1/3/2026", "2026-03-01"), ("", None),
])
def test_dates_accept_iso_and_uk(text, expected):
    assert s.validate(SCHEMA, {"name": "x", "when": text}).values["when"] == expected


@pytest.mark.parametrize("text", ["2026-02-30", "31/04/2026", "next tuesday", "2026/13/01"])
def test_invalid_dates_are_refused_with_the_text(text):
    result = s.validate(SCHEMA, {"name": "x", "when": text})
    assert "when" in result.errors and "When" in result.errors["when"]


def test_datetime_without_offset_is_read_in_the_zone_and_stored_in_utc():
    # 1 July: London is on BST (UTC+1).
    values = s.validate(SCHEMA, {"name": "x", "at": "2026-07-01 09:30"},
                        s.ValidationContext(timezone="Europe/London")).values
    assert values["at"] == "2026-07-01T08:30:00Z"
    assert s.validate(SCHEMA, {"name": "x", "at": "01/12/2026 09:30"}).values["at"] == "2026-12-01T09:30:00Z"


@pytest.mark.parametrize("bad", ["\x1b[31mred", "nul\x00", "bell\x07"])
def test_control_characters_are_refused(bad):
    result = s.validate(SCHEMA, {"name": bad})
    assert "control character" in result.errors["name"]


def test_html_is_kept_as_plain_text():
    hostile = '<img src="file:///etc/passwd"> [/] {{ x }}'
    assert s.validate(SCHEMA, {"name": hostile}).values["name"] == hostile


def test_huge_text_is_refused_with_its_size():
    result = s.validate(SCHEMA, {"name": "x", "notes": "a" * (s.MAX_LONGTEXT + 1)})
    assert "too long" in result.errors["notes"]


def test_single_line_fields_refuse_newlines_but_long_text_keeps_them():
    result = s.validate(SCHEMA, {"name": "a\nb", "notes": "line 1\r\nline 2"})
    assert "single line" in result.errors["name"]
    assert result.values["notes"] == "line 1\nline 2"


def test_choices_match_value_or_label_case_insensitively():
    values = s.validate(SCHEMA, {"name": "x", "kind": "beta", "kinds": "Alpha; b"}).values
    assert values["kind"] == "b" and values["kinds"] == ["a", "b"]
    assert "not one of" in s.validate(SCHEMA, {"name": "x", "kind": "gamma"}).errors["kind"]


def test_rows_parse_from_lines_and_refuse_extra_cells():
    values = s.validate(SCHEMA, {"name": "x", "rows": "USA | Mailchimp\n\nFrance"}).values
    assert values["rows"] == [{"where": "USA", "who": "Mailchimp"}, {"where": "France", "who": ""}]
    assert "parts" in s.validate(SCHEMA, {"name": "x", "rows": "a | b | c"}).errors["rows"]


def test_numbers_booleans_and_emails():
    result = s.validate(SCHEMA, {"name": "x", "count": "1,200", "flag": "yes", "email": "a@b.co"})
    assert result.ok and result.values["count"] == 1200 and result.values["flag"] is True
    bad = s.validate(SCHEMA, {"name": "x", "count": "-1", "flag": "maybe", "email": "nope"})
    assert set(bad.errors) == {"count", "flag", "email"}


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_any_real_date_round_trips_in_both_formats(d):
    assert s.parse_date(d.isoformat()) == d.isoformat()
    assert s.parse_date(d.strftime("%d/%m/%Y")) == d.isoformat()


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"),
                                               blacklist_characters=";\n\r"), max_size=30),
                max_size=20))
def test_tags_round_trip_through_their_text_form(items):
    cleaned = s.split_items(items)
    assert s.split_items("; ".join(cleaned)) == cleaned


@given(st.text(max_size=300))
def test_validation_never_crashes_on_any_text(text):
    result = s.validate(SCHEMA, {f.name: text for f in SCHEMA.fields})
    assert isinstance(result.errors, dict)


def test_search_text_is_case_folded_across_nested_values():
    text = s.search_text({"a": "Straße", "b": ["ÅSA"], "c": [{"x": "Ŵy"}], "d": 5})
    assert "strasse" in text and "åsa" in text and "ŵy" in text and "5" in text
