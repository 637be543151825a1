"""Severity badges: the same colours everywhere findings appear."""

from __future__ import annotations

from rich.text import Text

from dpo_tui.domain.records import HIGH, LOW, MEDIUM, SEVERITY_ORDER, Finding

STYLES = {HIGH: "bold white on red", MEDIUM: "black on yellow", LOW: "black on grey70"}
SYMBOLS = {HIGH: "high", MEDIUM: "med", LOW: "low"}


def severity_text(severity: str) -> Text:
    return Text(f" {SYMBOLS.get(severity, severity)} ", style=STYLES.get(severity, ""))


def findings_badge(found: list[Finding]) -> Text:
    """'2 high 1 med' for a table cell; empty when there is nothing to say."""
    if not found:
        return Text("✓", style="green")
    counts: dict[str, int] = {}
    for f in found:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    text = Text()
    for severity in sorted(counts, key=lambda s: SEVERITY_ORDER.get(s, 9)):
        text.append(f"{counts[severity]}{SYMBOLS.get(severity, severity)[0]}",
                    style=STYLES.get(severity, ""))
        text.append(" ")
    return text
