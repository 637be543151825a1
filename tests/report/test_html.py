"""The HTML: whatever a user typed is printed as characters, never read as markup or CSS."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from jinja2 import UndefinedError

from dpo_tui.domain import registers
from dpo_tui.domain.organisation import SCHEMA as ORG_SCHEMA
from dpo_tui.domain.records import Record, Snapshot
from dpo_tui.report import ASSETS_DIR
from dpo_tui.report.context import build_context
from dpo_tui.report.html import environment, render_html
from dpo_tui.services.report import gather_context

HOSTILE = [
    '<img src="file:///etc/passwd">',
    "<script>alert(document.cookie)</script>",
    "{{ r.organisation }} {% for x in r.sections %}loop{% endfor %}",
    "[/] [bold red]not markup[/]",
    "</style><style>body { display: none } @import url(http://127.0.0.1:9/x.css);</style>",
    '<link rel="attachment" href="file:///etc/passwd">',
    "url(file:///etc/shadow) ../../../etc/passwd",
]


def hostile_snapshot() -> Snapshot:
    org = {**ORG_SCHEMA.defaults(), "name": HOSTILE[0] + " Ltd", "dpo_name": HOSTILE[1],
           "address": HOSTILE[4], "prepared_by": HOSTILE[2]}
    activity = Record("activity", {**registers.schema("activity").defaults(),
                                   "purpose": HOSTILE[3], "business_function": HOSTILE[5],
                                   "security_measures": HOSTILE[6],
                                   "other_recipients": HOSTILE[:2], "status": "active"},
                      id="a1", org_id="o", ref="PA-001")
    action = Record("action", {**registers.schema("action").defaults(), "what": HOSTILE[4],
                               "due": "2026-01-01", "status": "open"},
                    id="x1", org_id="o", ref="AC-001")
    return Snapshot(Record("organisation", org, id="o", org_id="o"),
                    {name: [] for name in registers.available()} |
                    {"activity": [activity], "action": [action]},
                    as_of=datetime(2026, 11, 22, 10, tzinfo=UTC))


@pytest.fixture(scope="module")
def hostile_html() -> str:
    snap = hostile_snapshot()
    return render_html(build_context(snap, registers.findings(snap)))


def visible_text(html: str) -> str:
    """The text a reader sees: tags removed, entities decoded."""
    import html as html_module

    return html_module.unescape(re.sub(r"<[^>]+>", " ", html))


def test_environment_autoescapes_and_is_strict():
    env = environment()
    assert env.autoescape is True
    ctx = build_context(hostile_snapshot(), [])
    with pytest.raises(UndefinedError):
        env.from_string("{{ r.no_such_thing }}").render(r=ctx)


def test_templates_never_mark_anything_safe():
    for path in (ASSETS_DIR / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\|\s*safe\b|Markup|autoescape\s+false", text), path.name


def test_hostile_text_is_escaped_everywhere(hostile_html):
    # No element the templates do not write themselves: no img, script, style or extra link.
    tags = set(re.findall(r"<\s*([a-zA-Z][a-zA-Z0-9]*)", hostile_html))
    assert tags <= {"html", "head", "meta", "title", "link", "body", "section", "div", "span",
                    "h1", "h2", "h3", "p", "table", "colgroup", "col", "thead", "tbody", "tr",
                    "th", "td", "ul", "ol", "li", "a", "nav", "article", "br"}
    assert "<img" not in hostile_html and "<script" not in hostile_html
    assert "<style" not in hostile_html
    assert hostile_html.count("<link") == 1
    assert '<link rel="stylesheet" href="report.css">' in hostile_html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in hostile_html
    assert "&lt;script&gt;alert(document.cookie)&lt;/script&gt;" in hostile_html


def test_hostile_text_reads_literally(hostile_html):
    text = visible_text(hostile_html)
    for item in HOSTILE:
        assert item in text, item
    # Template syntax in data is data: it was not evaluated.
    assert "loop" not in text.replace(HOSTILE[2], "")


def test_only_the_stylesheet_and_internal_anchors_are_referenced(hostile_html):
    urls = re.findall(r'\b(?:href|src)="([^"]*)"', hostile_html)
    assert urls and all(u == "report.css" or re.fullmatch(r"#[a-z0-9-]+", u) for u in urls)
    assert not re.search(r"\bstyle=\"[^\"]*(url|@import|expression)", hostile_html)


def test_metadata_and_running_header_are_escaped_text(hostile_html):
    head = hostile_html.split("<body>")[0]
    assert "<title>Data protection report: &lt;img src=&#34;file:///etc/passwd&#34;&gt; Ltd, " \
           "22/11/2026</title>" in head
    assert '<meta name="author" content="{{ r.organisation }} {% for x in r.sections ' in head
    assert '<meta name="dcterms.created" content="2026-11-22T10:00:00Z">' in head
    # The page header's text is set from an element (CSS string-set), never written into CSS.
    assert '<span class="running-org">&lt;img src=&#34;file:///etc/passwd&#34;&gt; Ltd</span>' \
        in hostile_html


def test_fixture_report_html_names_every_record(ws, fixture_org):
    html = render_html(gather_context(ws, fixture_org.org_id))
    text = visible_text(html)
    for name in [*fixture_org.activities, *fixture_org.processors, *fixture_org.retention,
                 *fixture_org.breaches, *fixture_org.hostile]:
        assert name in text, name
    assert "<img" not in html and "<script" not in html and "<style" not in html
