"""The report's sections, in order, and their titles: all the command line and the export screen
need to know about the report, without loading how it is built."""

from __future__ import annotations

SECTIONS: tuple[str, ...] = (
    "cover", "summary", "organisation", "activities", "client_processing", "processors",
    "retention", "breaches", "findings", "actions", "review",
)
SHORT_PACK: tuple[str, ...] = ("cover", "summary", "processors", "retention")
TITLES = {
    "cover": "Cover",
    "summary": "Summary",
    "organisation": "Organisation details",
    "activities": "Record of processing activities",
    "client_processing": "Processor record: processing for clients",
    "processors": "Processor register",
    "retention": "Retention schedule",
    "breaches": "Breach log",
    "findings": "Findings: actions needed",
    "actions": "Actions register",
    "review": "Quarterly review",
}
