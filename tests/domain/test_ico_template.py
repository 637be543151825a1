"""The ICO template as cells: header finding, labels, splitting, vocabulary, rows and back."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dpo_tui.domain import ico_template as ico
from dpo_tui.domain import schema as s
from dpo_tui.domain.activities import ICO_COLUMNS, SCHEMA

LABELS = [label for _, label, _ in ICO_COLUMNS]


def field(name: str) -> s.Field:
    return SCHEMA.field(name)


# ---------------------------------------------------------------- columns and labels


def test_the_thirty_labels_come_from_the_activity_schema_in_template_order():
    assert len(ico.column_labels()) == 30
    assert list(ico.column_labels()) == LABELS
    for number, label in enumerate(ico.column_labels(), start=1):
        assert ico.column_fields(number)[0].label == label
        assert ico.match_header_cell(label) == number


def test_columns_with_a_structured_part_list_the_text_field_first():
    assert [f.name for f in ico.column_fields(6)] == ["other_recipients", "processors"]
    assert [f.name for f in ico.column_fields(10)] == ["retention_note", "retention_rules"]


def test_export_header_is_the_template_then_the_fields_it_lacks():
    header = ico.export_header()
    assert header[:30] == LABELS
    assert {"Owner", "Status", "Last reviewed", "Next review due"} <= set(header[30:])
    mapping = ico.export_column_map()
    assert mapping[0] == 1 and mapping[29] == 30
    assert all(isinstance(mapping[i], str) for i in range(30, len(header)))


@pytest.mark.parametrize("variant", [
    "Retention schedule (if possible)", "Retention schedule", "RETENTION  SCHEDULE",
    "retention-schedule:", " Retention schedule (If Possible) ", "Retention\nschedule",
])
def test_normalise_label_ignores_case_spacing_punctuation_and_suffixes(variant):
    assert ico.normalise_label(variant) == ico.normalise_label("Retention schedule (if possible)")


@pytest.mark.parametrize("text, number", [
    ("PURPOSE OF PROCESSING", 2),
    ("Name and contact details of joint controller", 3),
    ("Existence of automated decision making, including profiling", 17),
    ("Names of third countries or international organizations that personal data are "
     "transferred to", 8),
    ("DPA 2018 Sch 1 condition for processing", 26),
    ("GDPR Article 6 lawful basis for processing", 27),
    ("Article 6 lawful basis for processing personal data", 12),
    ("Lawful basis", 12),
    ("Art. 9 condition", 13),
    ("DPIA required?", 21),
    ("Data subjects", 4),
    ("Purpose of processing (why we do it)", 2),  # words added
    ("Is personal data retained and erased in accordance with the policy", 29),  # cut short
])
def test_header_cells_match_by_label_alias_or_unique_prefix(text, number):
    assert ico.match_header_cell(text) == number


@pytest.mark.parametrize("text", ["Name", "Notes", "", None, "x", "Comments from Sam"])
def test_other_header_cells_match_nothing(text):
    assert ico.match_header_cell(text) is None


def test_extra_activity_fields_match_by_their_labels():
    assert ico.match_header_cell("last reviewed") == "last_reviewed"
    assert ico.match_header_cell("OWNER") == "owner"


# ---------------------------------------------------------------- finding the header


def test_find_header_in_the_template_position():
    rows = [["Documentation"], [], *[[] for _ in range(6)], ["Section"], LABELS, ["Sales", "x"]]
    index, mapping = ico.find_header(rows)
    assert index == 9
    assert mapping == {i: i + 1 for i in range(30)}


def test_find_header_tolerates_moved_rows_columns_extra_and_missing_columns():
    header = [None, None, "Notes", "purpose of processing", "BUSINESS FUNCTION",
              "Categories of individuals", "Our own column", "Retention schedule",
              "Categories of personal data", "Last reviewed"]
    rows = [["Our record — draft"], [None, "Lawful basis"], [], [], header, [None, None, "x"]]
    index, mapping = ico.find_header(rows)
    assert index == 4
    assert mapping == {3: 2, 4: 1, 5: 4, 7: 10, 8: 5, 9: "last_reviewed"}
    assert ico.unrecognised_columns(header, mapping) == [(2, "Notes"), (6, "Our own column")]
    assert 12 in ico.missing_columns(mapping) and 2 not in ico.missing_columns(mapping)


def test_a_column_named_twice_keeps_its_first_place():
    _, mapping = ico.find_header([["Purpose", "Business function", "Purpose of processing",
                                   "Categories of individuals"]])
    assert mapping == {0: 2, 1: 1, 3: 4}


def test_no_header_row_is_refused_with_what_was_looked_for():
    with pytest.raises(ico.HeaderNotFound, match="Purpose of processing"):
        ico.find_header([["Name", "Address"], ["Acme", "Leeds"]])
    with pytest.raises(ico.HeaderNotFound):
        ico.find_header([])


def test_a_header_without_purpose_is_refused_and_says_so():
    with pytest.raises(ico.HeaderNotFound, match="no 'Purpose of processing' column"):
        ico.find_header([["Business function", "Categories of individuals",
                          "Categories of personal data"]])


def test_header_beyond_the_scanned_rows_is_not_found():
    rows = [[f"note {n}"] for n in range(ico.HEADER_SCAN_ROWS)] + [LABELS]
    with pytest.raises(ico.HeaderNotFound):
        ico.find_header(rows)


def test_a_repeated_header_row_is_recognised():
    _, mapping = ico.find_header([LABELS])
    assert ico.repeats_header(LABELS, mapping)
    assert not ico.repeats_header(["Sales", "Purpose of processing"], mapping)


# ---------------------------------------------------------------- splitting


@pytest.mark.parametrize("text, items", [
    ("Name\nEmail\nPhone", ["Name", "Email", "Phone"]),
    ("Name; Email;Phone;", ["Name", "Email", "Phone"]),
    ("Name, address, email, phone number", ["Name", "address", "email", "phone number"]),
    ("Contact details (address, email, telephone)", ["Contact details (address, email, telephone)"]),
    ("Customers, including children under 13", ["Customers, including children under 13"]),
    ("We keep names, and we keep them safe, always.", ["We keep names, and we keep them safe, always."]),
    ("• Name\n• Email\n- Phone\n1. Address", ["Name", "Email", "Phone", "Address"]),
    ("Name\nName\nname", ["Name", "name"]),
    ("Names, addresses\n", ["Names, addresses"]),  # a trailing line break keeps one item whole
    ("Name, email\nPhone", ["Name, email", "Phone"]),  # commas only when nothing else separates
    ("", []), (None, []), ("  \n ", []),
])
def test_split_cell_for_lists(text, items):
    assert ico.split_cell(text, s.TAGS) == items


def test_free_text_is_never_split():
    assert ico.split_cell("a; b\nc, d", s.LONGTEXT) == ["a; b\nc, d"]
    assert ico.split_cell("USA, Canada", s.ROWS) == ["USA, Canada"]  # table rows: lines only
    assert ico.split_cell("US | Mailchimp; DE | Host", s.ROWS) == ["US | Mailchimp", "DE | Host"]


def test_cell_text_turns_excel_values_into_text():
    assert ico.cell_text(3.0) == ("3", False)
    assert ico.cell_text(datetime(2024, 3, 12)) == ("12/03/2024", False)
    assert ico.cell_text(date(2024, 3, 12)) == ("12/03/2024", False)
    assert ico.cell_text(True) == ("Yes", False)
    assert ico.cell_text("a\x0bb") == ("a\nb", False)  # Excel's soft line break
    assert ico.cell_text("bad\x1b[31m") == ("bad[31m", True)


# ---------------------------------------------------------------- vocabulary


@pytest.mark.parametrize("text, letter", [
    ("Consent", "a"), ("consent of the parent", "a"), ("Art 6(1)(a)", "a"), ("6(1)(a) consent", "a"),
    ("Article 6(1)(f) legitimate interests", "f"), ("(b) Contract", "b"), ("b", "b"),
    ("Performance of a contract", "b"), ("Legal obligation", "c"), ("Statutory requirement", "c"),
    ("Vital interests", "d"), ("Public task", "e"), ("Art. 6(1)(e)", "e"), ("6.1.b", "b"),
    ("ea", "ea"), ("(ea) Recognised legitimate interests", "ea"), ("Art 6(1)(ea)", "ea"),
    ("Recognised legitimate interests", "ea"), ("Legitimate interests (f)", "f"),
    ("Legitimate interest", "f"),
])
def test_match_lawful_basis(text, letter):
    assert ico.match_lawful_basis(text) == letter


@pytest.mark.parametrize("text", ["", "Because we need to", "Contract and consent", "GDPR", "z"])
def test_lawful_basis_not_recognised_or_ambiguous_is_none(text):
    assert ico.match_lawful_basis(text) is None


def test_match_choices_splits_and_keeps_what_it_cannot_place():
    found, unknown = ico.match_choices(field("lawful_bases"),
                                       "Consent; Contract\nArt 6(1)(a) and (f)\n"
                                       "Legal obligation / legitimate interests\nBecause we must\nN/A")
    assert found == ["a", "b", "f", "c"]
    assert unknown == ["Because we must"]


@pytest.mark.parametrize("text, letter", [
    ("Explicit consent", "a"), ("Art 9(2)(a)", "a"), ("9(2)(h) health or social care", "h"),
    ("Employment", "b"), ("Public health", "i"), ("Substantial public interest", "g"),
    ("(j) Archiving, research and statistics", "j"), ("Legal claims", "f"),
])
def test_match_art9_condition(text, letter):
    assert ico.match_art9_condition(text) == letter


@pytest.mark.parametrize("text, value", [
    ("Part 2 para 18", "p2-18"), ("Sch 1 para 18", "p2-18"), ("paragraph 10", "p2-10"),
    ("Safeguarding of children", "p2-18"),
    ("Part 2 para 18: Safeguarding of children and individuals at risk", "p2-18"),
    ("para 99", None), ("something else", None),
])
def test_match_sch1_condition(text, value):
    assert ico.match_sch1_condition(text) == value


def test_rights_are_matched_by_their_words():
    found, unknown = ico.match_choices(field("rights"),
                                       "Right of access, erasure, portability\nRight to object\nAll")
    assert found == ["access", "erasure", "portability", "object"]
    assert unknown == ["All"]


@pytest.mark.parametrize("cell, answer, rest, known", [
    ("Yes", True, "", True), ("y", True, "", True), ("✓", True, "", True), (True, True, "", True),
    (1, True, "", True), ("Required", True, "", True),
    ("No", False, "", True), ("Not required", False, "", True), ("None", False, "", True),
    (0, False, "", True), ("N/A", None, "", True), ("", None, "", True), (None, None, "", True),
    ("Yes - see breach log", True, "see breach log", True),
    ("No (not large scale)", False, "not large scale", True),
    ("Maybe", None, "", False), ("Nothing yet", None, "", False),
])
def test_match_yes_no(cell, answer, rest, known):
    assert ico.match_yes_no(cell) == (answer, rest, known)


@pytest.mark.parametrize("text, value", [
    ("Complete", "complete"), ("completed 12/03/2024", "complete"), ("In progress", "in-progress"),
    ("Not started", "not-started"), ("Not needed", "not-needed"), ("Not required", "not-needed"),
    ("ongoing", "in-progress"), ("banana", None),
])
def test_dpia_progress_from_common_words(text, value):
    assert ico.match_choice(field("dpia_progress"), text) == value


def test_tags_take_the_vocabulary_label_when_they_name_one():
    assert ico.canonical_tag(field("individual_categories"), "parents AND guardians") == \
        "Parents and guardians"
    assert ico.canonical_tag(field("individual_categories"), "customers") == "Customers"
    assert ico.canonical_tag(field("individual_categories"), "Dance mums") == "Dance mums"


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize("cell, iso, warning", [
    ("12/03/2024", "2024-03-12", ""), ("2024-03-12", "2024-03-12", ""), ("1.3.2024", "2024-03-01", ""),
    (datetime(2024, 3, 12, 0, 0), "2024-03-12", ""), (date(2024, 3, 12), "2024-03-12", ""),
    ("12 March 2024", "2024-03-12", ""),
    (45363, "2024-03-12", "the number 45363 was read as the Excel date 12/03/2024"),
    ("03/31/2024", "2024-03-31", "'03/31/2024' was read as US month/day order"),
    ("12/03/24", "2024-03-12", "the two-digit year in '12/03/24' was read as 2024"),
    ("31/02/2024", None, "'31/02/2024' is not a real date"),
    ("next week", None, "'next week' is not a date (use DD/MM/YYYY)"),
    ("", None, ""), (None, None, ""), ("N/A", None, ""),
])
def test_parse_date_cell(cell, iso, warning):
    assert ico.parse_date_cell(cell) == (iso, warning)


def test_excel_serials_in_both_epochs():
    assert ico.excel_serial_to_date(1) == date(1900, 1, 1)
    assert ico.excel_serial_to_date(61) == date(1900, 3, 1)
    assert ico.excel_serial_to_date(0, 1904) == date(1904, 1, 1)
    assert ico.parse_date_cell(43901, epoch=1904)[0] == "2024-03-12"


# ---------------------------------------------------------------- rows


def row(**by_column) -> list:
    """A row in the template's own column order; keys like c2=... give column 2."""
    cells = [None] * 30
    for key, value in by_column.items():
        cells[int(key[1:]) - 1] = value
    return cells


MAP = {i: i + 1 for i in range(30)}


def test_row_to_values_reads_every_kind():
    cells = row(c1="Bookings", c2="Class bookings", c4="Parents, pupils", c5="Name; email",
                c12="Consent\n6(1)(b)", c13="Explicit consent", c16="Access",
                c8="United States | Mailchimp | UK Extension\nGermany",
                c21="Yes", c22="In progress", c24="No", c26="Part 2 para 18", c27="(c) Legal obligation",
                c29="Yes", c11="Locked cabinet\nTwo-factor sign-in")
    values, warnings = ico.row_to_values(cells, MAP)
    assert warnings == []
    assert values["business_function"] == "Bookings"
    assert values["individual_categories"] == ["Parents and guardians", "pupils"]  # vocabulary
    assert values["data_categories"] == ["Name", "email"]
    assert values["lawful_bases"] == ["a", "b"]
    assert values["art9_conditions"] == ["a"]
    assert values["rights"] == ["access"]
    assert values["transfers"] == [
        {"destination": "United States", "recipient": "Mailchimp", "mechanism": "UK Extension"},
        {"destination": "Germany", "recipient": "", "mechanism": ""}]
    assert values["dpia_required"] is True and values["dpia_progress"] == "in-progress"
    assert values["breach_occurred"] is False
    assert values["sch1_conditions"] == ["p2-18"] and values["sch1_lawful_bases"] == ["c"]
    assert values["security_measures"] == "Locked cabinet\nTwo-factor sign-in"


def test_only_present_columns_give_values():
    values, _ = ico.row_to_values(["Sales", "Quotes"], {0: 1, 1: 2})
    assert set(values) == {"business_function", "purpose"}


def test_what_does_not_match_is_kept_with_a_warning():
    cells = row(c2="Payroll", c12="Consent; because HMRC says so", c21="Perhaps",
                c22="Waiting for Sam", c24="Yes - the 2023 laptop theft", c25="https://intranet/breach-log")
    values, warnings = ico.row_to_values(cells, MAP)
    assert values["lawful_bases"] == ["a"]
    assert values["dpia_required"] is None and values["dpia_progress"] is None
    assert values["breach_occurred"] is True and values["breach_records"] == []
    kept = {w.column: w.kept for w in warnings if w.kept}
    assert kept == {
        LABELS[11]: "because HMRC says so",
        LABELS[20]: "Perhaps",
        LABELS[21]: "Waiting for Sam",
        LABELS[23]: "the 2023 laptop theft",
        LABELS[24]: "https://intranet/breach-log",
    }
    assert all(str(w).startswith(w.column + ": ") for w in warnings)


def test_single_line_fields_join_lines_and_say_so():
    values, warnings = ico.row_to_values(row(c2="Class\nbookings"), MAP)
    assert values["purpose"] == "Class; bookings"
    assert [w.message for w in warnings] == ["several lines were joined into one"]


def test_control_characters_are_removed_with_a_warning():
    values, warnings = ico.row_to_values(row(c2="Bookings\x1b[2J"), MAP)
    assert values["purpose"] == "Bookings[2J"
    assert warnings[0].message == "control characters were removed"


def test_recipients_link_processors_by_legal_name_and_keep_the_rest():
    links = ico.LinkTargets(processors={ico.company_key("Stripe Payments UK Ltd"): "p1"})
    values, warnings = ico.row_to_values(
        row(c6="stripe payments uk limited\nHMRC\naccountants AND auditors\nMy cousin"), MAP, links=links)
    assert values["processors"] == ["p1"]
    assert values["other_recipients"] == ["HMRC", "Accountants and auditors", "My cousin"]
    assert warnings == []


def test_no_recipients_is_recorded_as_none_outside_the_organisation():
    values, _ = ico.row_to_values(row(c6="N/A"), MAP)
    assert values["other_recipients"] == [ico.NO_RECIPIENTS]


def test_retention_rule_lines_link_when_the_rule_exists_here_else_stay_text():
    links = ico.LinkTargets(retention={"rr-001": "r1", "rr-001: payroll": "r1"})
    values, warnings = ico.row_to_values(
        row(c10="6 years (HMRC)\nRetention rule RR-001: Payroll\nRetention rule RR-009: Gone"),
        MAP, links=links)
    assert values["retention_rules"] == ["r1"]
    assert values["retention_note"] == "6 years (HMRC)\nRetention rule RR-009: Gone"
    assert "not in this retention schedule" in warnings[0].message


def test_breach_lines_link_breaches_in_this_log():
    links = ico.LinkTargets(breaches={"br-2026-001": "b1", "br-2026-001: lost laptop": "b1"})
    values, warnings = ico.row_to_values(row(c25="Breach BR-2026-001: Lost laptop"), MAP, links=links)
    assert values["breach_records"] == ["b1"] and warnings == []
    values, warnings = ico.row_to_values(row(c25="Breach BR-2026-001: Something else"), MAP, links=links)
    assert values["breach_records"] == [] and warnings[0].kept == "Breach BR-2026-001: Something else"


def test_dates_in_extra_columns_warn_when_guessed():
    mapping = {0: 2, 1: "last_reviewed", 2: "next_review"}
    values, warnings = ico.row_to_values(["x", 45363, "31/02/2027"], mapping)
    assert values["last_reviewed"] == "2024-03-12"
    assert values["next_review"] is None
    assert [w.message for w in warnings] == [
        "the number 45363 was read as the Excel date 12/03/2024",
        "'31/02/2027' is not a real date; left empty"]
    assert warnings[1].kept == "31/02/2027"


def test_a_table_line_with_too_many_parts_keeps_them_in_the_last_cell():
    values, warnings = ico.row_to_values(row(c8="US | Mailchimp | IDTA | signed 2023"), MAP)
    assert values["transfers"] == [{"destination": "US", "recipient": "Mailchimp",
                                    "mechanism": "IDTA | signed 2023"}]
    assert warnings


def test_a_comma_list_of_known_destinations_becomes_one_transfer_each():
    values, _ = ico.row_to_values(row(c8="Germany, France"), MAP)
    assert [t["destination"] for t in values["transfers"]] == ["Germany", "France"]
    values, _ = ico.row_to_values(row(c8="Frankfurt, Germany"), MAP)
    assert [t["destination"] for t in values["transfers"]] == ["Frankfurt, Germany"]


def test_export_writes_links_the_way_import_finds_them():
    values = {**SCHEMA.defaults(), "purpose": "Pay", "other_recipients": ["HMRC"],
              "processors": ["p1"], "retention_note": "6 years", "retention_rules": ["r1"],
              "breach_records": ["b1"]}
    names = {"p1": "Stripe Payments UK Ltd", "r1": ico.link_label("RR-001", "Payroll"),
             "b1": ico.link_label("BR-2026-001", "Lost laptop\nmore detail")}
    cells = ico.activity_to_cells(values, names)
    assert cells[5] == "HMRC\nStripe Payments UK Ltd"
    assert cells[9] == "6 years\nRetention rule RR-001: Payroll"
    assert cells[24] == "Breach BR-2026-001: Lost laptop"
    links = ico.LinkTargets(processors={ico.company_key(names["p1"]): "p1"},
                            retention={"rr-001": "r1", ico.fold(names["r1"]): "r1"},
                            breaches={"br-2026-001": "b1", ico.fold(names["b1"]): "b1"})
    back, warnings = ico.row_to_values(cells, ico.export_column_map(), links=links)
    assert warnings == []
    assert (back["processors"], back["retention_rules"], back["breach_records"]) == (["p1"], ["r1"], ["b1"])
    assert back["other_recipients"] == ["HMRC"] and back["retention_note"] == "6 years"


# ---------------------------------------------------------------- organisation block


def test_org_block_grid_as_the_export_writes_it():
    values = {"name": "Acme Dance Ltd", "address": "1 High St\nLeeds", "email": "hi@acme.example",
              "telephone": "0113 000 0000", "dpo_name": "Dee Pio", "dpo_email": "dpo@acme.example",
              "representative_name": "EU Rep BV"}
    block, warnings = ico.read_org_block([["Record"], [], *ico.org_block_rows(values)])
    assert block == values and warnings == []


def test_org_block_with_roles_across_and_parts_down():
    rows = [[None, "Controller", "Data Protection Officer", "Representative"],
            ["Name", "Acme", "Dee", None],
            ["Email", "hi@acme.example", "dpo@acme.example", None]]
    block, _ = ico.read_org_block(rows)
    assert block == {"name": "Acme", "dpo_name": "Dee", "email": "hi@acme.example",
                     "dpo_email": "dpo@acme.example"}


def test_org_block_in_sections_and_single_labels():
    rows = [["Controller"], ["Name", "Acme"], ["Address", "1 High St"],
            ["Data Protection Officer"], ["Name", "Dee"], ["Telephone", 1132000000],
            ["Representative email: rep@example.eu"], ["DPO address", "Somewhere"]]
    block, warnings = ico.read_org_block(rows)
    assert block == {"name": "Acme", "address": "1 High St", "dpo_name": "Dee",
                     "dpo_telephone": "01132000000", "representative_email": "rep@example.eu"}
    assert any("read as 01132000000" in w for w in warnings)
    assert any("Data Protection Officer address ('Somewhere') is not kept" in w for w in warnings)


def test_no_org_block_gives_nothing():
    assert ico.read_org_block([["Our record"], []]) == ({}, [])


# ---------------------------------------------------------------- export row -> import row

_BULLETISH = re.compile(r"^(?:[•·▪◦●○∙*–—-]|\d{1,2}[.)])\s")


def _clean_line(text: str) -> str:
    return unicodedata.normalize("NFC", text).replace("\xa0", " ").strip()


_line = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\xa0"),
    min_size=1, max_size=30,
).map(_clean_line).filter(lambda t: bool(t) and not _BULLETISH.match(t))


def _tag_ok(f: s.Field):
    def ok(item: str) -> bool:
        return (";" not in item and not item.endswith(",") and not ico.is_blank_marker(item)
                and ico.canonical_tag(f, item) == item)
    return ok


def _tags(name: str):
    f = field(name)
    return st.lists(_line.filter(_tag_ok(f)), max_size=4, unique=True)


def _longtext(first_line_ok=lambda line: True):
    return st.lists(_line.filter(first_line_ok), max_size=3).map("\n".join)


_cell = _line.filter(lambda t: "|" not in t and ";" not in t and "," not in t
                     and not ico.is_blank_marker(t))
_transfer = st.fixed_dictionaries({
    "destination": _cell, "recipient": st.one_of(st.just(""), _cell),
    "mechanism": st.one_of(st.just(""), _cell)})


def _strategy_for(f: s.Field):
    if f.name == "retention_note":
        return _longtext(lambda line: not line.startswith(ico.RETENTION_LINE))
    if f.kind == s.TEXT:
        return st.one_of(st.just(""), _line)
    if f.kind == s.LONGTEXT:
        return _longtext()
    if f.kind == s.TAGS:
        return _tags(f.name)
    if f.kind == s.MULTICHOICE:
        return st.lists(st.sampled_from([v for v, _ in f.choices]), unique=True)
    if f.kind == s.CHOICE:
        options = [v for v, _ in f.choices]
        return st.sampled_from(options) if f.required else st.one_of(st.none(), st.sampled_from(options))
    if f.kind == s.BOOL:
        return st.sampled_from([True, False, None])
    if f.kind == s.DATE:
        return st.one_of(st.none(), st.dates(date(1990, 1, 1), date(2100, 12, 31)).map(date.isoformat))
    if f.kind == s.ROWS:
        return st.lists(_transfer, max_size=3)
    if f.kind == s.LINK:
        return st.just([])
    raise AssertionError(f.kind)


_activity = st.fixed_dictionaries({f.name: _strategy_for(f) for f in SCHEMA.fields}).filter(
    lambda v: bool(v["purpose"]))


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(_activity)
def test_export_row_then_import_row_is_the_identity(values):
    original = s.validate(SCHEMA, values)
    assert original.ok, original.errors
    cells = ico.activity_to_cells(original.values)
    back, _warnings = ico.row_to_values(cells, ico.export_column_map())
    again = s.validate(SCHEMA, {**SCHEMA.defaults(), **back})
    assert again.ok, again.errors
    exported = {f.name for f in SCHEMA.fields if f.ico_column or f in ico.extra_fields()}
    assert {k: again.values[k] for k in exported} == {k: original.values[k] for k in exported}
