"""The ICO controller documentation template as rows of cells: find the header, read and write rows.

Most small businesses that keep a record at all keep it in the ICO's controller template
(gdpr-documentation-controller-template.xlsx, sheet "Template", header row 9, columns A-AD;
REGULATORY.md §1) or in a copy someone has edited. This module is the pure half of moving that
record in and out: it knows the 30 column labels (taken from the activity schema's
`ico_column`/`label`, so there is one source), finds the header row in whatever the user's
copy looks like, splits multi-value cells, matches known vocabulary (lawful bases, Art 9 and
Schedule 1 conditions, rights, yes/no, dates) and turns a row into activity values and back.

What does not match is never dropped: free-text and tag fields keep it as written; a value a
structured field cannot hold is returned in a `CellWarning` with `kept` set, so the caller can
keep it (in the record's history note) and show the person why.

No openpyxl here: cells are plain Python values (str, int, float, bool, date, datetime, None).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from dpo_tui.domain import schema as s
from dpo_tui.domain.vocab import load

REGISTER = "activity"
COLUMN_COUNT = 30
TEMPLATE_SHEET = "Template"
TEMPLATE_HEADER_ROW = 9  # 1-based, as in the ICO's file
HEADER_SCAN_ROWS = 60  # the header is looked for in this many rows from the top
MIN_HEADER_MATCHES = 3

# Column numbers with structure of their own (see `row_to_values`).
RECIPIENTS_COLUMN = 6
RETENTION_COLUMN = 10
BREACH_LINK_COLUMN = 25
PURPOSE_COLUMN = 2
BUSINESS_FUNCTION_COLUMN = 1

# How linked records are written in a cell, so they can be found again on import.
RETENTION_LINE = "Retention rule "
BREACH_LINE = "Breach "
LINK_TITLE_LENGTH = 80

# What people type to mean "nothing here" in a structured column. Free text keeps them as typed.
BLANK_MARKERS = frozenset({"n/a", "na", "n.a.", "none", "nil", "-", "--", "—", "–",
                           "not applicable", "not relevant", "no one", "nobody"})
# What people type to mean "no recipients" (ICO: say so rather than leave it blank).
NO_RECIPIENTS = "None outside the organisation"

# Other ways people label the template's columns (own copies, older versions, shortened
# headers). Matched after the exact labels; never shared between two columns.
ALIASES: dict[int, tuple[str, ...]] = {
    1: ("Business area", "Department", "Function", "Business unit", "Team"),
    2: ("Purpose", "Purposes", "Purposes of processing", "Purpose of the processing",
        "Processing purpose", "Processing activity", "Activity"),
    3: ("Joint controller", "Joint controllers", "Name and contact details of joint controllers"),
    4: ("Categories of data subjects", "Data subjects", "Individuals", "Categories of individual",
        "Whose data"),
    5: ("Personal data", "Categories of data", "Data categories", "Types of personal data",
        "Categories of personal information"),
    6: ("Recipients", "Categories of recipient", "Who receives the data", "Recipients of personal data"),
    7: ("Contract with processor", "Link to contract with processors", "Processor contract"),
    8: ("Third countries", "International transfers", "Names of third countries",
        "Transfers to third countries", "Third countries or international organisations"),
    9: ("Safeguards", "Safeguards for exceptional transfers", "Transfer safeguards"),
    10: ("Retention", "Retention period", "Retention schedule", "How long kept"),
    11: ("Security measures", "Technical and organisational security measures",
         "Description of security measures", "Security"),
    12: ("Lawful basis", "Article 6 lawful basis", "Lawful basis for processing",
          "Art 6 lawful basis", "Legal basis"),
    13: ("Article 9 condition", "Special category condition", "Art 9 condition",
         "Condition for processing special category data"),
    14: ("Legitimate interests", "Legitimate interest"),
    15: ("Legitimate interests assessment", "Link to LIA", "LIA"),
    16: ("Rights", "Individuals rights", "Data subject rights", "Rights available"),
    17: ("Automated decision making", "Automated decision-making, including profiling",
         "Existence of automated decision making", "Profiling"),
    18: ("Source", "Source of personal data", "Source of the personal data"),
    19: ("Record of consent", "Consent record"),
    20: ("Location", "Where the data is kept", "Where stored", "Storage location", "System"),
    21: ("DPIA required", "DPIA required?", "Is a DPIA required"),
    22: ("DPIA progress", "DPIA status"),
    23: ("Link to DPIA", "DPIA link", "DPIA"),
    24: ("Personal data breach", "Breach occurred", "Has a breach occurred"),
    25: ("Link to record of breach", "Breach record", "Link to breach record"),
    26: ("Schedule 1 condition", "DPA 2018 Schedule 1 condition", "Sch 1 condition",
         "Data Protection Act 2018 Schedule 1 condition"),
    27: ("GDPR Article 6 lawful basis", "Schedule 1 lawful basis",
         "Article 6 lawful basis for Schedule 1 processing"),
    28: ("Retention and erasure policy", "Link to retention and erasure policy",
         "Appropriate policy document"),
    29: ("Retained and erased in accordance with the policy",
         "Retained in accordance with the policy document"),
    30: ("Reasons for not adhering to policy", "Reasons for not adhering to the policy document"),
}


# ---------------------------------------------------------------- columns


@cache
def _activity_schema() -> s.RegisterSchema:
    from dpo_tui.domain.activities import SCHEMA

    return SCHEMA


@cache
def column_fields(number: int) -> tuple[s.Field, ...]:
    """The activity fields of one ICO column; the one holding the column's own text first.

    A column with a structured part (recipients: processors; retention: rules) has a second
    field sharing the number; that one is a LINK and comes last.
    """
    found = [f for f in _activity_schema().fields if f.ico_column == number]
    return tuple(sorted(found, key=lambda f: f.kind == s.LINK and len(found) > 1))


@cache
def column_labels() -> tuple[str, ...]:
    """The 30 column labels in template order, read from the activity schema."""
    labels = []
    for number in range(1, COLUMN_COUNT + 1):
        fields = column_fields(number)
        if not fields:
            raise LookupError(f"the activity schema has no field for ICO column {number}")
        labels.append(fields[0].label)
    return tuple(labels)


def column_label(number: int) -> str:
    return column_labels()[number - 1]


@cache
def extra_fields() -> tuple[s.Field, ...]:
    """Activity fields outside the template (owner, status, review dates...): exported after AD."""
    return tuple(f for f in _activity_schema().fields if f.ico_column is None and f.kind != s.LINK)


def export_header() -> list[str]:
    """The header row an export writes: the 30 ICO labels (A-AD), then the extra fields."""
    return [*column_labels(), *(f.label for f in extra_fields())]


def export_column_map() -> dict[int, int | str]:
    """The column map of an export's header (so a test can read a row without finding it)."""
    mapping: dict[int, int | str] = {i: i + 1 for i in range(COLUMN_COUNT)}
    for offset, f in enumerate(extra_fields()):
        mapping[COLUMN_COUNT + offset] = f.name
    return mapping


def column_title(key: int | str) -> str:
    """A column key of a column map, as a person reads it."""
    if isinstance(key, int):
        return column_label(key)
    return _activity_schema().field(key).label


# ---------------------------------------------------------------- labels

_SUFFIXES = re.compile(r"\((?:if|where|when) (?:applicable|possible|relevant)\)|\boptional\b|"
                       r"\b(?:if|where|when) (?:applicable|possible|relevant)\b|\(optional\)")
_SYNONYMS = (
    (re.compile(r"\borgani[sz]ations?\b"), "organisations"),
    (re.compile(r"\bart\b\.?"), "article"),
    (re.compile(r"\be-?mail\b"), "email"),
    (re.compile(r"\btel\b\.?|\bphone\b"), "telephone"),
    (re.compile(r"\bdpia\b"), "data protection impact assessment"),
    (re.compile(r"\bdpa\b"), "data protection act"),
    (re.compile(r"\bsch\b\.?"), "schedule"),
    (re.compile(r"\buk gdpr\b"), "gdpr"),
    (re.compile(r"&"), " and "),
)


def normalise_label(text: Any) -> str:
    """A header as a comparison key: case, spacing, punctuation and the usual suffixes ignored.

    'Retention schedule (if possible)', 'RETENTION  SCHEDULE' and 'Retention-schedule:' give the
    same key. Hyphens and spaces are dropped altogether, so 'decision-making' and 'decision
    making' compare equal; common abbreviations (Art, DPIA, e-mail) are spelled out.
    """
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    folded = folded.replace("’", "'").replace("‘", "'")
    folded = _SUFFIXES.sub(" ", folded)
    for pattern, replacement in _SYNONYMS:
        folded = pattern.sub(replacement, folded)
    return "".join(ch for ch in folded if ch.isalnum())


@cache
def _label_index() -> tuple[dict[str, int | str], dict[str, int | str]]:
    """Exact label keys and alias keys -> column number (or field name for extra columns)."""
    exact: dict[str, int | str] = {}
    for number, label in enumerate(column_labels(), start=1):
        exact.setdefault(normalise_label(label), number)
    for f in extra_fields():
        exact.setdefault(normalise_label(f.label), f.name)
    aliases: dict[str, int | str] = {}
    for number, names in ALIASES.items():
        for name in names:
            key = normalise_label(name)
            if key not in exact:
                aliases.setdefault(key, number)
    return exact, aliases


def match_header_cell(text: Any) -> int | str | None:
    """Which column a header cell names: an ICO column number, an extra field name, or None."""
    key = normalise_label(text)
    if len(key) < 2:
        return None
    exact, aliases = _label_index()
    if key in exact:
        return exact[key]
    if key in aliases:
        return aliases[key]
    # A label cut short or with words added ("Purpose of processing (why)"): accept when the
    # shorter key is long enough to mean something and only one column fits.
    candidates = {number for label_key, number in exact.items()
                  if min(len(key), len(label_key)) >= 15
                  and (label_key.startswith(key) or key.startswith(label_key))}
    if len(candidates) == 1:
        return candidates.pop()
    return None


class HeaderNotFound(ValueError):
    """No row looks like the template's header; the message says what was looked for."""


def find_header(rows: Sequence[Sequence[Any]]) -> tuple[int, dict[int, int | str]]:
    """(index of the header row in `rows`, {cell index: column number or extra field name}).

    Looks at the first HEADER_SCAN_ROWS rows for the one naming the most template columns,
    wherever it is and whatever order its columns are in. Extra columns are left out of the
    map; a column named twice keeps its first place. Raises HeaderNotFound.
    """
    best_index, best_map = -1, {}
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        mapping = header_map(row)
        numbers = [k for k in mapping.values() if isinstance(k, int)]
        if len(numbers) > len([k for k in best_map.values() if isinstance(k, int)]):
            best_index, best_map = index, mapping
    found = [k for k in best_map.values() if isinstance(k, int)]
    if len(found) < MIN_HEADER_MATCHES:
        raise HeaderNotFound(
            "No header row found: none of the first "
            f"{min(len(rows), HEADER_SCAN_ROWS)} rows names at least {MIN_HEADER_MATCHES} of the "
            f"ICO template's columns (e.g. '{column_label(1)}', '{column_label(PURPOSE_COLUMN)}', "
            f"'{column_label(4)}', '{column_label(5)}')."
        )
    if PURPOSE_COLUMN not in found:
        raise HeaderNotFound(
            f"The header row (row {best_index + 1}) has no '{column_label(PURPOSE_COLUMN)}' "
            "column, which every processing activity needs. Add or rename that column."
        )
    return best_index, best_map


def header_map(row: Sequence[Any]) -> dict[int, int | str]:
    """{cell index: column} for one candidate header row; the first cell naming a column wins."""
    mapping: dict[int, int | str] = {}
    taken: set[int | str] = set()
    for index, cell in enumerate(row):
        if not isinstance(cell, str):
            continue
        column = match_header_cell(cell)
        if column is not None and column not in taken:
            mapping[index] = column
            taken.add(column)
    return mapping


def repeats_header(row: Sequence[Any], column_map: Mapping[int, int | str]) -> bool:
    """Whether a data row is another copy of the header (tables pasted one under another)."""
    exact, _ = _label_index()
    purpose_index = next((i for i, c in column_map.items() if c == PURPOSE_COLUMN), None)
    cell = row[purpose_index] if purpose_index is not None and purpose_index < len(row) else None
    if not isinstance(cell, str) or len(cell) > 120 or exact.get(normalise_label(cell)) != PURPOSE_COLUMN:
        return False  # the cheap test first: every row passes through here
    hits = 0
    for index, column in column_map.items():
        cell = row[index] if index < len(row) else None
        if isinstance(cell, str) and len(cell) < 200 and exact.get(normalise_label(cell)) == column:
            hits += 1
    return hits >= MIN_HEADER_MATCHES


def unrecognised_columns(row: Sequence[Any], column_map: Mapping[int, int | str]) -> list[tuple[int, str]]:
    """(cell index, header text) of header cells that name no column (ignored on import)."""
    return [(i, cell_text(cell)[0]) for i, cell in enumerate(row)
            if i not in column_map and cell_text(cell)[0]]


def missing_columns(column_map: Mapping[int, int | str]) -> list[int]:
    present = {k for k in column_map.values() if isinstance(k, int)}
    return [n for n in range(1, COLUMN_COUNT + 1) if n not in present]


# ---------------------------------------------------------------- cells

_CONTROL = re.compile(r"[\x00-\x08\x0c-\x1f\x7f-\x9f]")
_BULLET = re.compile(r"^\s*(?:[•·▪◦●○∙*–—-]|\d{1,2}[.)])\s+(?!\|)")
_CONNECTIVE = re.compile(r"^(?:and|or|including|incl|such as|e\.?g|i\.?e|which|who|where|when|"
                         r"but|etc|plus|as well as|for|to|with|from|of|in|on|by)\b", re.I)
LIST_KINDS = (s.TAGS, s.MULTICHOICE, s.LINK)


def fold(text: Any) -> str:
    """Case-folded with spacing collapsed: how duplicates and vocabulary are compared."""
    return " ".join(unicodedata.normalize("NFKC", str(text or "")).casefold().split())


def format_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def cell_text(value: Any, *, strip: bool = True) -> tuple[str, bool]:
    """A cell as text and whether control characters had to be removed.

    Excel's soft line break (vertical tab, from text pasted out of Word) becomes a new line;
    dates become DD/MM/YYYY; whole numbers lose their '.0'. With strip=False a trailing line
    break is kept (it marks a one-item list, see `_join_items`).
    """
    if value is None:
        return "", False
    if isinstance(value, bool):
        return ("Yes" if value else "No"), False
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return format_date(value.date()), False
        return value.strftime("%d/%m/%Y %H:%M"), False
    if isinstance(value, date):
        return format_date(value), False
    if isinstance(value, float) and value.is_integer():
        return str(int(value)), False
    text = unicodedata.normalize("NFC", str(value))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n").replace("\xa0", " ")
    cleaned = _CONTROL.sub("", text)
    joined = "\n".join(line.rstrip(" \t") for line in cleaned.split("\n"))
    return (joined.strip() if strip else joined.lstrip()), cleaned != text


def _outside_brackets(text: str, separator: str) -> list[str]:
    """Split on `separator` where it is not inside (), [] or {}."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}" and depth:
            depth -= 1
        if ch == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _commas_sensible(parts: list[str]) -> bool:
    """Whether 'a, b, c' is a list rather than a sentence that happens to have commas."""
    if len(parts) < 2:
        return False
    for part in parts:
        words = part.split()
        if not words or len(words) > 6 or part.strip().endswith((".", ":")):
            return False
    return not any(_CONNECTIVE.match(part.strip()) for part in parts[1:])


def split_cell(text: Any, kind: str = s.TAGS) -> list[str]:
    """The items of a multi-value cell, in order.

    New lines and semicolons always separate items in list and table fields (lists drop
    repeated items; table rows keep them). Commas separate too, but only in list fields, only
    when the cell has no other separator, only outside brackets, and only when every part is
    short and none starts with a connective ('and', 'including'...), so 'Contact details
    (address, email)' and sentences stay whole. Bullets are removed. Free-text kinds are never
    split.
    """
    value = cell_text(text, strip=False)[0]
    if not value.strip():
        return []
    if kind not in (*LIST_KINDS, s.ROWS):
        return [value.strip()]
    if "\n" in value or ";" in value:
        raw = re.split(r"[\n;]", value)
    elif kind in LIST_KINDS and "," in value:
        parts = _outside_brackets(value, ",")
        raw = parts if _commas_sensible(parts) else [value]
    else:
        raw = [value]
    items: list[str] = []
    for item in raw:
        item = _BULLET.sub("", item).strip().rstrip(",").strip()
        if item and (kind == s.ROWS or item not in items):
            items.append(item)
    return items


def is_blank_marker(text: str) -> bool:
    return fold(text).rstrip(".") in BLANK_MARKERS or fold(text) in BLANK_MARKERS


# ---------------------------------------------------------------- vocabulary


def _letter_refs(text: str, article: str, paragraph: str, letters: str) -> set[str]:
    """Letters cited as 'Art 6(1)(a)', '6.1.a', '6(1)a', '(a)' or a bare 'a'."""
    found = {m.group(1) for m in re.finditer(
        rf"(?<![\d.]){article}\s*[(.]\s*{paragraph}\s*[).]?\s*[(.]?\s*({letters})(?![a-z])", text)}
    found |= {m.group(1) for m in re.finditer(rf"\(\s*({letters})\s*\)", text)}
    bare = re.fullmatch(rf"\(?\s*({letters})\s*[).:]?", text.strip())
    if bare:
        found.add(bare.group(1))
    return found


def _keywords(text: str, table: Sequence[tuple[str, str]]) -> set[str]:
    """Values whose pattern matches; a matched span is blanked so that a longer, more specific
    phrase ('recognised legitimate interests') is not counted again by a shorter one."""
    found = set()
    for value, pattern in table:
        text, n = re.subn(pattern, " ", text)
        if n:
            found.add(value)
    return found


def _one(refs: set[str], words: set[str]) -> str | None:
    if len(refs) == 1:
        return next(iter(refs))  # a cited letter wins over the words around it
    if not refs and len(words) == 1:
        return next(iter(words))
    return None


# UK GDPR Art 6(1); (ea) recognised legitimate interests since 5 Feb 2026 (DUAA 2025).
_LAWFUL_WORDS = (
    ("ea", r"recogni[sz]ed\s+legitimate\s+interests?"),
    ("f", r"legitimate\s+interests?"),
    ("a", r"\bconsent"),
    ("b", r"\bcontract|performance\s+of\s+a\s+contract"),
    ("c", r"legal\s+(?:obligation|requirement|duty)|statutory|required\s+by\s+law|"
          r"comply(?:ing)?\s+with\s+(?:the\s+)?law|compliance\s+with\s+(?:a\s+)?legal"),
    ("d", r"vital\s+interests?"),
    ("e", r"public\s+task|public\s+interest|official\s+authority|public\s+function"),
)


def match_lawful_basis(text: str) -> str | None:
    """The Art 6(1) letter a typed basis names, or None: 'Consent', 'Art 6(1)(a)',
    '6(1)(a) consent', 'Article 6(1)(f) legitimate interests', '(b) Contract', 'ea'..."""
    folded = fold(text)
    if not folded:
        return None
    refs = _letter_refs(folded, "6", "1", "ea|[a-f]")
    return _one(refs, _keywords(folded, _LAWFUL_WORDS))


# UK GDPR Art 9(2)(a)-(j).
_ART9_WORDS = (
    ("a", r"explicit\s+consent|\bconsent"),
    ("b", r"employment|social\s+security|social\s+protection"),
    ("c", r"vital\s+interests?"),
    ("d", r"not[\s-]+for[\s-]+profit|legitimate\s+activities|foundation|association"),
    ("e", r"made\s+public|manifestly\s+public|publicly\s+available"),
    ("f", r"legal\s+claims?|judicial"),
    ("g", r"substantial\s+public\s+interest"),
    ("i", r"public\s+health"),
    ("h", r"health\s+or\s+social\s+care|health\s+care|healthcare|social\s+care|"
          r"occupational\s+medicine|preventive\s+medicine|medical\s+diagnosis"),
    ("j", r"archiving|research|statistic"),
)


def match_art9_condition(text: str) -> str | None:
    """The Art 9(2) letter a typed condition names ('Art 9(2)(a)', 'explicit consent'), or None."""
    folded = fold(text)
    if not folded:
        return None
    refs = _letter_refs(folded, "9", "2", "[a-j]")
    return _one(refs, _keywords(folded, _ART9_WORDS))


@cache
def _sch1_index() -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    by_para: dict[str, str] = {}
    descriptions = []
    for item in load("vocabularies/sch1_conditions"):
        para = item["value"].rsplit("-", 1)[-1]
        by_para[para] = item["value"]
        descriptions.append((item["value"], fold(item["label"].split(":", 1)[-1])))
    return by_para, tuple(descriptions)


def match_sch1_condition(text: str) -> str | None:
    """A DPA 2018 Schedule 1 condition: 'Part 2 para 18', 'Sch 1 para 18', 'paragraph 18',
    or words from its title ('Safeguarding of children')."""
    folded = fold(text)
    if not folded:
        return None
    by_para, descriptions = _sch1_index()
    paras = {m.group(1) for m in re.finditer(r"\bpara(?:graph)?s?\.?\s*(\d{1,2})\b", folded)}
    known = {by_para[p] for p in paras if p in by_para}
    if len(known) == 1:
        return known.pop()
    if paras:
        return None
    return _by_description(folded, descriptions)


def _by_description(folded: str, descriptions: Iterable[tuple[str, str]]) -> str | None:
    """A vocabulary entry whose description is, or contains, the typed words (unique only)."""
    words = re.sub(r"[^\w\s]", " ", folded).split()
    typed = " ".join(words)
    if len(typed) < 5:
        return None
    hits = set()
    for value, description in descriptions:
        described = " ".join(re.sub(r"[^\w\s]", " ", description).split())
        if typed == described or typed in described or (len(described) >= 8 and described in typed):
            hits.add(value)
    return hits.pop() if len(hits) == 1 else None


_RIGHT_WORDS = (
    ("withdraw-consent", r"withdraw"),
    ("automated", r"automated|profiling"),
    ("informed", r"\binformed\b|\binformation\b"),
    ("access", r"\baccess\b|subject\s+access|\bsar\b"),
    ("rectification", r"rectif|correct"),
    ("erasure", r"erasure|\berase|forgotten|delet"),
    ("restriction", r"restrict"),
    ("portability", r"portab"),
    ("object", r"\bobject"),
)


def match_right(text: str) -> str | None:
    """A right of individuals (UK GDPR Arts 7(3), 13-22): 'Right of access', 'Erasure', 'SAR'..."""
    folded = fold(text)
    if not folded:
        return None
    return _one(set(), _keywords(folded, _RIGHT_WORDS))


_YES = ("yes", "y", "true", "required", "needed", "x", "✓", "✔", "☑", "1")
_NO = ("no", "n", "false", "not required", "not needed", "none", "not necessary", "✗", "✘", "0",
       "no breaches", "no breach", "never")


def match_yes_no(text: Any) -> tuple[bool | None, str, bool]:
    """(answer, rest of the text, recognised) for a yes/no cell.

    'Yes', 'y', '✓', 'Required' -> True; 'No', 'Not required', 'None' -> False; 'N/A' or blank
    -> None. 'Yes - see breach log' -> True with the rest 'see breach log' returned so it can
    be kept. Anything else is not recognised.
    """
    if isinstance(text, bool):
        return text, "", True
    if isinstance(text, int | float) and text in (0, 1):
        return bool(text), "", True
    written = cell_text(text)[0]
    folded = fold(written)
    if not folded:
        return None, "", True
    for answers, result in ((_NO, False), (_YES, True)):
        if folded in answers:
            return result, "", True
    if is_blank_marker(folded):
        return None, "", True
    for answers, result in ((_NO, False), (_YES, True)):
        for word in sorted((w for w in answers if len(w) > 1), key=len, reverse=True):
            pattern = r"\s*" + r"\s+".join(re.escape(part) for part in word.split())
            match = re.match(pattern + r"(?=[\s,.;:(–—-])", written, re.I)
            if match:
                return result, written[match.end():].strip(" \t,.;:-–—()"), True
    return None, "", False


_DPIA_WORDS = (
    ("not-needed", r"not\s+(?:needed|required|necessary)|no\s+dpia|\bn/?a\b|not\s+applicable|none\s+needed"),
    ("in-progress", r"incomplete|not\s+complete|in\s+progress|ongoing|under\s*way|started|drafting|"
                    r"\bdraft|in\s+hand|progress"),
    ("not-started", r"not\s+(?:yet\s+)?started|not\s+yet|to\s*do|planned|pending|outstanding"),
    ("complete", r"complete|done|finished|signed\s+off|approved"),
)


def match_choice(f: s.Field, text: str) -> str | None:
    """A CHOICE value from its value or label (any case); DPIA progress also from common words."""
    folded = fold(text)
    if not folded:
        return None
    for value, label in f.choices:
        if folded in (fold(value), fold(label)):
            return value
    if f.ico_column == 22:
        hits = _keywords(folded, _DPIA_WORDS)
        known = {v for v, _ in f.choices}
        hits &= known
        if len(hits) == 1:
            return hits.pop()
        if {"not-started", "in-progress"} <= hits and "not started" in folded:
            return "not-started"
    return _by_description(folded, [(v, fold(label)) for v, label in f.choices])


@cache
def _matcher_for(f: s.Field) -> Callable[[str], str | None]:
    """How to recognise one item of a MULTICHOICE field, by the vocabulary it draws on."""
    values = {v for v, _ in f.choices}
    labels = {fold(label): v for v, label in f.choices} | {fold(v): v for v in values}

    def by_label(text: str) -> str | None:
        return labels.get(fold(text))

    special: Callable[[str], str | None] | None = None
    if values == {"a", "b", "c", "d", "e", "ea", "f"}:
        special = match_lawful_basis
    elif values == set("abcdefghij"):
        special = match_art9_condition
    elif any(v.startswith("p2-") for v in values):
        special = match_sch1_condition
    elif "access" in values and "erasure" in values:
        special = match_right

    def match(text: str) -> str | None:
        hit = by_label(text)
        if hit is None and special is not None:
            hit = special(text)
        if hit is None and special is None:
            hit = _by_description(fold(text), [(v, fold(label)) for v, label in f.choices])
        return hit if hit in values else None

    return match


def match_choices(f: s.Field, text: Any) -> tuple[list[str], list[str]]:
    """(values recognised, items not recognised) for a MULTICHOICE cell.

    An item that does not match as a whole is tried again split on commas, 'and', 'or', '&',
    '/' and '+' ('Art 6(1)(a) and (f)', 'Contract / legal obligation', 'Right of access,
    erasure'), and kept whole if a part fails.
    """
    match = _matcher_for(f)
    found: list[str] = []
    unknown: list[str] = []
    for item in split_cell(text, s.MULTICHOICE):
        if is_blank_marker(item):
            continue
        hit = match(item)
        hits = [hit] if hit else []
        if not hits:
            parts = [p.strip() for p in re.split(r"\s*,\s*|\s+(?:and|or|&|\+)\s+|\s*/\s*|\s*&\s*", item)
                     if p.strip()]
            if len(parts) > 1:
                # '6(1)(a) and (f)': a bare letter borrows the article of the part before it.
                tried = [match(p) for p in parts]
                if all(tried):
                    hits = tried  # type: ignore[assignment]
        if hits:
            for value in hits:
                if value not in found:
                    found.append(value)
        else:
            unknown.append(item)
    return found, unknown


@cache
def _vocabulary_labels(name: str) -> dict[str, str]:
    """folded value or label -> label, for a vocabulary a TAGS field suggests from."""
    index: dict[str, str] = {}
    for item in load(f"vocabularies/{name}"):
        index.setdefault(fold(item["label"]), item["label"])
        index.setdefault(fold(item["value"]), item["label"])
    return index


def canonical_tag(f: s.Field, item: str) -> str:
    """A typed tag as the vocabulary's label when it names one (tags are stored as labels)."""
    if not f.vocabulary:
        return item
    try:
        return _vocabulary_labels(f.vocabulary).get(fold(item), item)
    except (OSError, KeyError, TypeError, ValueError):
        return item


# ---------------------------------------------------------------- dates

_EXCEL_1900 = date(1899, 12, 30)  # serial 1 = 1900-01-01 counting Excel's fictitious 29 Feb 1900
_EXCEL_1904 = date(1904, 1, 1)
_MONTH_NAME = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.I)


def excel_serial_to_date(serial: float, epoch: int = 1900) -> date:
    days = int(serial)
    if epoch == 1904:
        return _EXCEL_1904 + timedelta(days=days)
    if days < 60:  # before Excel's phantom 29 Feb 1900
        return _EXCEL_1900 + timedelta(days=days + 1)
    return _EXCEL_1900 + timedelta(days=days)


def parse_date_cell(value: Any, epoch: int = 1900) -> tuple[str | None, str]:
    """(ISO date or None, warning) for a date column.

    Excel dates arrive as datetime; typed dates as DD/MM/YYYY (UK first), YYYY-MM-DD or
    '12 March 2024'. A bare number is an Excel date whose cell lost its date format; a
    month over 12 is read as the US month/day order. Each guess comes with a warning; a value
    that is no date gives (None, reason).
    """
    if value is None or value == "":
        return None, ""
    if isinstance(value, bool):
        return None, f"'{value}' is not a date"
    if isinstance(value, datetime):
        return value.date().isoformat(), ""
    if isinstance(value, date):
        return value.isoformat(), ""
    if isinstance(value, int | float):
        if 1 <= value < 2_958_466:
            day = excel_serial_to_date(value, epoch)
            return day.isoformat(), (f"the number {value:g} was read as the Excel date "
                                     f"{format_date(day)}")
        return None, f"'{value:g}' is not a date"
    text = cell_text(value)[0]
    if not text or is_blank_marker(text):
        return None, ""
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", text)
    dmy = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})", text)
    try:
        if iso:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3))).isoformat(), ""
        if dmy:
            day, month, year = (int(g) for g in dmy.groups())
            notes = []
            if year < 100:
                year += 2000 if year < 70 else 1900
                notes.append(f"the two-digit year in '{text}' was read as {year}")
            if month > 12 >= day:
                day, month = month, day
                notes.append(f"'{text}' was read as US month/day order")
            return date(year, month, day).isoformat(), "; ".join(notes)
        if _MONTH_NAME.search(text):
            from dateutil import parser

            parsed = parser.parse(text, dayfirst=True, default=datetime(2000, 1, 1))
            return parsed.date().isoformat(), ""
    except (ValueError, OverflowError):
        return None, f"'{text}' is not a real date"
    return None, f"'{text}' is not a date (use DD/MM/YYYY)"


# ---------------------------------------------------------------- rows


@dataclass(frozen=True)
class CellWarning:
    """Something a person should check about one cell; `kept` holds text a field could not."""

    column: str
    message: str
    kept: str = ""

    def __str__(self) -> str:
        return f"{self.column}: {self.message}"


@dataclass(frozen=True)
class LinkTargets:
    """Records an imported row may link to, keyed the way a cell names them."""

    processors: Mapping[str, str] = field(default_factory=dict)  # company_key(legal name) -> id
    retention: Mapping[str, str] = field(default_factory=dict)  # fold(ref) and fold(link label) -> id
    breaches: Mapping[str, str] = field(default_factory=dict)  # fold(ref) and fold(link label) -> id


_COMPANY_SUFFIX = re.compile(r"\b(?:ltd|limited|plc|llp|llc|inc|incorporated|gmbh|sa|bv|co|corp|"
                             r"corporation|company|uk|europe|emea)\b")


def company_key(name: str) -> str:
    """A company name for matching: 'Stripe Payments UK Ltd.' and 'stripe payments' agree."""
    text = re.sub(r"\([^)]*\)", " ", fold(name))
    text = re.sub(r"[^\w\s]", " ", text)
    stripped = " ".join(_COMPANY_SUFFIX.sub(" ", text).split())
    return stripped or " ".join(text.split())


def link_label(ref: str, title: str) -> str:
    """How a linked record is written in a cell: 'RR-001: Payroll records'."""
    first = (title or "").strip().split("\n", 1)[0].strip()
    if len(first) > LINK_TITLE_LENGTH:
        first = first[:LINK_TITLE_LENGTH - 1].rstrip() + "…"
    return f"{ref}: {first}" if first else ref


def _find_link(text: str, targets: Mapping[str, str]) -> str | None:
    key = fold(text)
    if key in targets:
        return targets[key]
    ref = key.split(":", 1)[0].strip()
    return targets.get(ref) if ":" not in key else None


def row_to_values(cells: Sequence[Any], column_map: Mapping[int, int | str], *,
                  links: LinkTargets | None = None, epoch: int = 1900,
                  ) -> tuple[dict[str, Any], list[CellWarning]]:
    """Activity values from one spreadsheet row, and what the person should check.

    Only fields of columns in `column_map` are set (a missing column changes nothing). Values
    are raw for `schema.validate` (which still applies its limits); nothing typed is lost: tags
    and free text keep it, and text a structured field cannot hold comes back in a warning's
    `kept`.
    """
    links = links or LinkTargets()
    values: dict[str, Any] = {}
    warnings: list[CellWarning] = []
    for index, key in column_map.items():
        raw = cells[index] if index < len(cells) else None
        if isinstance(key, int):
            _read_column(key, raw, values, warnings, links, epoch)
        else:
            f = _activity_schema().field(key)
            _read_field(f, f.label, raw, values, warnings, epoch)
    return values, warnings


def _read_column(number: int, raw: Any, values: dict[str, Any], warnings: list[CellWarning],
                 links: LinkTargets, epoch: int) -> None:
    fields = column_fields(number)
    label = column_label(number)
    if number == RECIPIENTS_COLUMN:
        _read_recipients(fields, label, raw, values, warnings, links)
    elif number == RETENTION_COLUMN:
        _read_retention(fields, label, raw, values, warnings, links)
    elif number == BREACH_LINK_COLUMN and fields[0].kind == s.LINK:
        _read_breach_links(fields[0], label, raw, values, warnings, links)
    else:
        _read_field(fields[0], label, raw, values, warnings, epoch)


def _text_of(label: str, raw: Any, warnings: list[CellWarning], *, strip: bool = True) -> str:
    text, cleaned = cell_text(raw, strip=strip)
    if cleaned:
        warnings.append(CellWarning(label, "control characters were removed"))
    return text


def _read_field(f: s.Field, label: str, raw: Any, values: dict[str, Any],
                warnings: list[CellWarning], epoch: int) -> None:
    kind = f.kind
    if kind == s.DATE:
        iso, note = parse_date_cell(raw, epoch)
        values[f.name] = iso
        if note:
            kept = "" if iso else cell_text(raw)[0]
            warnings.append(CellWarning(label, note + ("; left empty" if kept else ""), kept))
        return
    if kind == s.BOOL:
        answer, rest, known = match_yes_no(raw)
        values[f.name] = answer
        text = cell_text(raw)[0]
        if not known:
            warnings.append(CellWarning(label, f"'{text}' is not yes or no; left empty", text))
        elif rest:
            warnings.append(CellWarning(label, f"read as {'yes' if answer else 'no'}; the rest "
                                        f"('{rest}') is kept in the import note", rest))
        return
    text = _text_of(label, raw, warnings, strip=kind not in (s.TAGS, s.MULTICHOICE))
    if kind in (s.TEXT, s.EMAIL):
        if "\n" in text:
            text = "; ".join(line.strip() for line in text.split("\n") if line.strip())
            warnings.append(CellWarning(label, "several lines were joined into one"))
        values[f.name] = text
    elif kind == s.LONGTEXT:
        values[f.name] = text
    elif kind == s.INT:
        values[f.name] = text
    elif kind == s.TAGS:
        values[f.name] = [canonical_tag(f, item) for item in split_cell(text, s.TAGS)
                          if not is_blank_marker(item)]
    elif kind == s.MULTICHOICE:
        found, unknown = match_choices(f, text)
        values[f.name] = found
        for item in unknown:
            warnings.append(CellWarning(label, f"'{item}' is not recognised; kept in the "
                                        "import note", item))
    elif kind == s.CHOICE:
        text = text.strip()
        if not text or is_blank_marker(text):
            values[f.name] = None
            return
        value = match_choice(f, text)
        values[f.name] = value
        if value is None:
            allowed = ", ".join(lab for _, lab in f.choices)
            warnings.append(CellWarning(label, f"'{text}' is not one of: {allowed}; kept in the "
                                        "import note", text))
    elif kind == s.ROWS:
        values[f.name] = _read_rows(f, label, text, warnings)
    elif kind == s.LINK:
        if text:
            warnings.append(CellWarning(label, f"'{text}' cannot be linked from a spreadsheet; "
                                        "kept in the import note", text))
        values[f.name] = []
    else:  # pragma: no cover - a new field kind needs a rule here
        raise AssertionError(f"no import rule for field kind {kind}")


def _read_rows(f: s.Field, label: str, text: str, warnings: list[CellWarning]) -> list[dict[str, str]]:
    """A table cell: one row per line (or per ';'), cells separated by '|'.

    A line without '|' is the first cell only (for transfers: the destination). A line with
    too many '|' keeps the extra parts in the last cell. A list of country names separated by
    commas becomes one row per country when every name is a known destination.
    """
    columns = f.columns
    lines = split_cell(text, s.ROWS)
    if len(lines) == 1 and "|" not in lines[0] and "," in lines[0] and columns[0] == "destination":
        from dpo_tui.domain.transfers import find_destination

        parts = [p.strip() for p in lines[0].split(",") if p.strip()]
        if len(parts) > 1 and all(find_destination(p) for p in parts):
            lines = parts
    rows = []
    for line in lines:
        if is_blank_marker(line):
            continue
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > len(columns):
            cells = [*cells[:len(columns) - 1], " | ".join(cells[len(columns) - 1:])]
            warnings.append(CellWarning(label, f"'{line}' has more than {len(columns)} parts; "
                                        f"the extra parts were kept in '{columns[-1]}'"))
        cells += [""] * (len(columns) - len(cells))
        row = dict(zip(columns, cells, strict=True))
        if any(row.values()):
            rows.append(row)
    return rows


def _read_recipients(fields: tuple[s.Field, ...], label: str, raw: Any, values: dict[str, Any],
                     warnings: list[CellWarning], links: LinkTargets) -> None:
    """ICO column 6: names that match a processor's legal name link to it; the rest are kept
    as other recipients, as written (or as the recipients vocabulary's label)."""
    text_field = next(f for f in fields if f.kind != s.LINK)
    link_field = next((f for f in fields if f.kind == s.LINK), None)
    others: list[str] = []
    linked: list[str] = []
    for item in split_cell(_text_of(label, raw, warnings, strip=False), s.TAGS):
        if is_blank_marker(item):
            item = NO_RECIPIENTS
        target = links.processors.get(company_key(item)) if link_field else None
        if target:
            if target not in linked:
                linked.append(target)
        else:
            tag = canonical_tag(text_field, item)
            if tag not in others:
                others.append(tag)
    values[text_field.name] = others
    if link_field is not None:
        values[link_field.name] = linked


def _read_retention(fields: tuple[s.Field, ...], label: str, raw: Any, values: dict[str, Any],
                    warnings: list[CellWarning], links: LinkTargets) -> None:
    """ICO column 10: the note as written; lines 'Retention rule RR-001: ...' link the rule
    when it exists here, and otherwise stay in the note."""
    text_field = next(f for f in fields if f.kind != s.LINK)
    link_field = next((f for f in fields if f.kind == s.LINK), None)
    text = _text_of(label, raw, warnings)
    kept_lines, linked = [], []
    for line in text.split("\n"):
        target = None
        if link_field is not None and line.startswith(RETENTION_LINE):
            target = _find_link(line[len(RETENTION_LINE):], links.retention)
            if target is None:
                warnings.append(CellWarning(label, f"'{line}' is not in this retention schedule; "
                                            "kept as text"))
        if target:
            if target not in linked:
                linked.append(target)
        else:
            kept_lines.append(line)
    values[text_field.name] = "\n".join(kept_lines).strip()
    if link_field is not None:
        values[link_field.name] = linked


def _read_breach_links(f: s.Field, label: str, raw: Any, values: dict[str, Any],
                       warnings: list[CellWarning], links: LinkTargets) -> None:
    """ICO column 25: 'Breach BR-2026-001: ...' lines link breaches in this breach log."""
    linked = []
    for item in split_cell(_text_of(label, raw, warnings), s.ROWS):
        if is_blank_marker(item):
            continue
        name = item[len(BREACH_LINE):] if item.startswith(BREACH_LINE) else item
        target = _find_link(name, links.breaches)
        if target:
            if target not in linked:
                linked.append(target)
        else:
            warnings.append(CellWarning(label, f"'{item}' is not in this breach log; kept in the "
                                        "import note", item))
    values[f.name] = linked


# ---------------------------------------------------------------- export


def activity_to_cells(values: Mapping[str, Any], names: Mapping[str, str] | None = None) -> list[Any]:
    """One export row: the 30 template columns, then the extra fields (see `export_header`).

    Lists are written one item per line (Excel shows them wrapped); links by the name or
    'REF: title' that `row_to_values` finds them by (`names`: id -> that text). Dates are
    returned as `date` objects so the spreadsheet holds real dates.
    """
    names = names or {}
    cells: list[Any] = []
    for number in range(1, COLUMN_COUNT + 1):
        fields = column_fields(number)
        if number == RECIPIENTS_COLUMN:
            items = [*(values.get(fields[0].name) or [])]
            for f in fields[1:]:
                items += [names.get(i, i) for i in values.get(f.name) or []]
            cells.append(_join_items(items))
        elif number == RETENTION_COLUMN:
            lines = [values.get(fields[0].name) or ""]
            for f in fields[1:]:
                lines += [RETENTION_LINE + names.get(i, i) for i in values.get(f.name) or []]
            cells.append("\n".join(line for line in lines if line))
        elif number == BREACH_LINK_COLUMN and fields[0].kind == s.LINK:
            cells.append("\n".join(BREACH_LINE + names.get(i, i) for i in values.get(fields[0].name) or []))
        else:
            cells.append(_field_cell(fields[0], values.get(fields[0].name)))
    for f in extra_fields():
        cells.append(_field_cell(f, values.get(f.name)))
    return cells


def _join_items(items: list[str]) -> str:
    text = "\n".join(items)
    # One item with a comma would be split on import ('Names, addresses'): a trailing line
    # break (invisible in Excel) marks the cell as a list of lines, so it comes back whole.
    if len(items) == 1 and len(split_cell(items[0], s.TAGS)) > 1:
        text += "\n"
    return text


def _field_cell(f: s.Field, value: Any) -> Any:
    if s.is_empty(value):
        return None
    if f.kind == s.DATE:
        return date.fromisoformat(value)
    if f.kind == s.BOOL:
        return "Yes" if value else "No"
    if f.kind == s.TAGS:
        return _join_items(list(value))
    if f.kind == s.MULTICHOICE:
        return "\n".join(f.choice_label(v) for v in value)
    if f.kind == s.ROWS:
        return s.rows_to_text(f, value)
    if f.kind == s.LINK:
        return "\n".join(value)
    return s.display(f, value)


# ---------------------------------------------------------------- organisation block

ORG_ROLES: dict[str, tuple[str, ...]] = {
    "controller": ("Controller", "Data controller", "Name and contact details of controller",
                   "Controller details", "Organisation", "Organization", "Company", "Business"),
    "dpo": ("Data Protection Officer", "DPO", "Data protection officer (DPO)",
            "Name and contact details of data protection officer"),
    "representative": ("Representative", "EU representative", "UK representative",
                       "Controller's representative",
                       "Name and contact details of representative"),
}
ORG_PARTS: dict[str, tuple[str, ...]] = {
    "name": ("Name", "Full name", "Names"),
    "address": ("Address", "Postal address"),
    "email": ("Email", "Email address", "E-mail"),
    "telephone": ("Telephone", "Telephone number", "Phone", "Phone number", "Tel", "Contact number"),
}
# Organisation profile field for each (role, part); the profile has no DPO address.
ORG_FIELDS: dict[tuple[str, str], str | None] = {
    ("controller", "name"): "name",
    ("controller", "address"): "address",
    ("controller", "email"): "email",
    ("controller", "telephone"): "telephone",
    ("dpo", "name"): "dpo_name",
    ("dpo", "address"): None,
    ("dpo", "email"): "dpo_email",
    ("dpo", "telephone"): "dpo_telephone",
    ("representative", "name"): "representative_name",
    ("representative", "address"): "representative_address",
    ("representative", "email"): "representative_email",
    ("representative", "telephone"): "representative_telephone",
}
ORG_ROLE_TITLES = {"controller": "Controller", "dpo": "Data Protection Officer",
                   "representative": "Representative"}
ORG_PART_TITLES = {"name": "Name", "address": "Address", "email": "Email", "telephone": "Telephone"}


@cache
def _org_label_index() -> tuple[dict[str, str], dict[str, str], dict[str, tuple[str, str]]]:
    roles = {normalise_label(a): role for role, names in ORG_ROLES.items() for a in names}
    parts = {normalise_label(a): part for part, names in ORG_PARTS.items() for a in names}
    combined: dict[str, tuple[str, str]] = {}
    for r_key, role in roles.items():
        for p_key, part in parts.items():
            for key in (r_key + p_key, p_key + r_key, p_key + "of" + r_key, p_key + "ofthe" + r_key,
                        r_key + "s" + p_key):
                combined.setdefault(key, (role, part))
    return roles, parts, combined


def _org_value(raw: Any, part: str) -> tuple[str, str]:
    """A block cell's text, and a warning for a telephone number Excel stored as a number."""
    if part == "telephone" and isinstance(raw, int | float) and not isinstance(raw, bool):
        digits = str(int(raw))
        if len(digits) == 10 and not digits.startswith("0"):
            return "0" + digits, (f"the telephone number was stored as a number ({digits}); read "
                                  f"as 0{digits}: check it")
        return digits, ""
    return cell_text(raw)[0], ""


def read_org_block(rows: Sequence[Sequence[Any]]) -> tuple[dict[str, str], list[str]]:
    """The Controller, DPO and Representative details above the header, by their labels.

    Three layouts are understood: a grid (Name / Address / Email / Telephone across, the
    three roles down, or the other way round), sections (a 'Controller' heading, then 'Name'
    and its value on the next rows) and single labels ('DPO email' followed by the value, in
    the next cell or after a colon). Returns {profile field: value} and warnings.
    """
    roles, parts, combined = _org_label_index()
    found: dict[tuple[str, str], tuple[str, str]] = {}  # (role, part) -> (text, warning)

    def keep(role: str, part: str, raw: Any) -> None:
        text, warning = _org_value(raw, part)
        if text and (role, part) not in found:
            found[(role, part)] = (text, warning)

    _read_org_grid(rows, roles, parts, keep)
    in_grid = bool(found)  # a grid was found: only single labels are read besides it
    role = None
    for row in rows:
        for index, cell in enumerate(row):
            if not isinstance(cell, str) or not cell.strip():
                continue
            key = normalise_label(cell)
            beside = _next_value(row, index)
            if key in combined:
                keep(*combined[key], beside)
            elif ":" in cell and normalise_label(cell.split(":", 1)[0]) in combined:
                keep(*combined[normalise_label(cell.split(":", 1)[0])], cell.split(":", 1)[1])
            elif in_grid:
                continue
            elif key in roles and beside is None:
                role = roles[key]  # a section heading: 'Name', 'Address'... follow
            elif key in roles and not _is_org_label(beside):
                keep(roles[key], "name", beside)  # 'Controller | Acme Ltd'
            elif key in parts and role is not None:
                keep(role, parts[key], beside)
    result: dict[str, str] = {}
    warnings: list[str] = []
    for (role, part), (text, warning) in found.items():
        target = ORG_FIELDS[(role, part)]
        where = f"{ORG_ROLE_TITLES[role]} {ORG_PART_TITLES[part].lower()}"
        if target is None:
            warnings.append(f"{where} ('{text}') is not kept: the organisation profile has no "
                            "field for it")
            continue
        result[target] = text
        if warning:
            warnings.append(f"{where}: {warning}")
    return result, warnings


def _is_org_label(cell: Any) -> bool:
    roles, parts, combined = _org_label_index()
    key = normalise_label(cell) if isinstance(cell, str) else ""
    return key in roles or key in parts or key in combined


def _next_value(row: Sequence[Any], index: int) -> Any:
    for cell in row[index + 1:]:
        if cell is not None and cell_text(cell)[0]:
            return cell
    return None


def _read_org_grid(rows: Sequence[Sequence[Any]], roles: dict[str, str], parts: dict[str, str],
                   keep: Callable[[str, str, Any], None]) -> None:
    keys = [[normalise_label(c) if isinstance(c, str) else "" for c in row] for row in rows]
    for r, row in enumerate(keys):
        part_cols = {c: parts[k] for c, k in enumerate(row) if k in parts}
        role_cols = {c: roles[k] for c, k in enumerate(row) if k in roles}
        if len(set(part_cols.values())) >= 2:  # parts across, roles down
            for below, below_keys in zip(rows[r + 1:], keys[r + 1:], strict=False):
                row_roles = [roles[k] for c, k in enumerate(below_keys)
                             if k in roles and c < min(part_cols)]
                if not row_roles:
                    continue
                for c, part in part_cols.items():
                    if c < len(below):
                        keep(row_roles[0], part, below[c])
        elif len(set(role_cols.values())) >= 2:  # roles across, parts down
            for below, below_keys in zip(rows[r + 1:], keys[r + 1:], strict=False):
                row_parts = [parts[k] for c, k in enumerate(below_keys)
                             if k in parts and c < min(role_cols)]
                if not row_parts:
                    continue
                for c, role in role_cols.items():
                    if c < len(below):
                        keep(role, row_parts[0], below[c])


def org_block_rows(org_values: Mapping[str, Any]) -> list[list[Any]]:
    """The organisation block an export writes above the header: a grid of the three roles."""
    rows: list[list[Any]] = [["", *ORG_PART_TITLES.values()]]
    for role, title in ORG_ROLE_TITLES.items():
        row: list[Any] = [title]
        for part in ORG_PART_TITLES:
            target = ORG_FIELDS[(role, part)]
            row.append((org_values.get(target) or "") if target else "")
        rows.append(row)
    return rows
