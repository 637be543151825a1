"""Issue 7's promise, end to end: a review signed off and the action it raised appear in the PDF."""

from __future__ import annotations

from pypdf import PdfReader

from dpo_tui.services import records, review
from dpo_tui.services.report import build_report


def test_sign_off_and_raised_action_are_in_the_report(ws, org, tmp_path):
    records.save(ws, org.id, "activity", {"purpose": "Class bookings", "status": "active",
                                          "lawful_bases": ["b"], "last_reviewed": "2026-01-05"})
    records.save(ws, org.id, "processor", {"legal_name": "Stripe Payments UK Ltd",
                                           "last_review": "2026-01-10"})
    state = review.start_or_resume(ws, org.id)
    review_id = state.review.id
    first = state.next_item
    state = review.decide(ws, review_id, first.key, "action",
                          what="Ask Stripe for the signed data processing agreement",
                          owner="Priya", due="2026-12-31")
    while state.next_item is not None:
        state = review.decide(ws, review_id, state.next_item.key, "still-accurate")
    review.sign_off(ws, review_id, "Dee Pio", "All records checked at the Q4 review.")

    pdf = build_report(ws, org.id, out=tmp_path / "report.pdf",
                       sections=["cover", "summary", "actions", "review"])
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    text = " ".join(text.split())
    assert "Dee Pio" in text
    assert "All records checked at the Q4 review." in text
    assert "Ask Stripe for the signed data processing agreement" in text
    assert "No quarterly review has been signed off" not in text
