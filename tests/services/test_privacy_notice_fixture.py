"""A real privacy notice recorded in full through the services layer, with no wrong finding.

The notice is More Music Group's (a UK company running a Swedish music-teacher marketplace,
reference/privacy-notices/more-music-group.txt, April 2020). It is a controller for private
teachers and students and a processor for music-service clients, so it exercises both records.
Every fact in the notice has a field below (the comment beside it names the notice's section);
the only findings are the gaps the notice itself leaves, each explained.
"""

from __future__ import annotations

from typing import Any

import pytest

from dpo_tui.domain import registers
from dpo_tui.domain.records import Record
from dpo_tui.services import organisations, records
from dpo_tui.services.workspace import Workspace

# "Keeping your data safe": hosting, access and network protection apply to the whole platform.
SECURITY = (
    "Website password-protected; email and storage in the cloud protected by two-factor "
    "authentication. Hosted by DigitalOcean in its Frankfurt data centre: SSH access only from "
    "allow-listed IP addresses, no password or root login, SSH keys reviewed regularly; data in a "
    "managed MySQL relational database service; automatic backups stored separately on "
    "DigitalOcean's non-public NAS/SAN servers; all infrastructure ISO 27001 compliant. "
    "Cloudflare encrypts all network traffic over HTTPS and protects against DDoS attacks.")
# "Our roles": binding contracts with processors cover all of the GDPR, including transfers outside the EU.
CONTRACT = "Binding processor contract covering transfers outside the EU (stated in the notice)"
LIA = "Risk assessment balancing our commercial interests against students' and teachers' (notice: 'Legitimate interests')"
PLATFORM = "Platform database (managed MySQL, DigitalOcean Frankfurt)"

PROCESSORS = [  # "Sharing and disclosure of your information with third parties"
    {"legal_name": "Postmark (postmarkapp.com)", "service": "Transactional notification emails: "
     "lesson reminders and message notifications", "locations": ["United States"]},
    {"legal_name": "Google (G Suite for Business)", "service": "Daily email, administration and "
     "cloud storage", "locations": ["United States", "Ireland"]},
    {"legal_name": "Zapier", "service": "Automation to make sure personal data is processed "
     "correctly", "locations": ["United States"]},
    {"legal_name": "e-conomic", "service": "Integrated financial management for students and "
     "teachers", "locations": ["Denmark"]},
    {"legal_name": "ActiveCampaign", "service": "Marketing and information emails to teachers "
     "and students", "locations": ["United States"]},
    {"legal_name": "Ucheck", "service": "Arranging criminal record extract applications for "
     "private teachers", "locations": ["United Kingdom"]},
    {"legal_name": "Stripe Payments UK Ltd (company number 08480771)", "service": "Secure card "
     "payments with SSL encryption for private students", "locations": ["United Kingdom"]},
    {"legal_name": "DigitalOcean", "service": "Website hosting, database and backups (European "
     "data centre in Frankfurt)", "locations": ["Germany"]},
    {"legal_name": "Cloudflare", "service": "HTTPS encryption of network traffic and DDoS "
     "protection", "locations": ["United States"]},
]
RETENTION = [  # "How long do we keep your data?"
    {"category": "Private student data", "period_number": 2, "period_unit": "years",
     "trigger": "last-interaction", "justification_type": "business",
     "justification": "Kept only as long as needed to provide the services asked for",
     "end_action": "delete"},
    {"category": "Financial and invoicing records", "period_number": 7, "period_unit": "years",
     "trigger": "end-of-financial-year", "justification_type": "statute",
     "justification": "Swedish accounting and tax law", "end_action": "delete"},
    {"category": "Teacher applications never completed", "period_number": 3, "period_unit": "years",
     "trigger": "last-interaction", "justification_type": "business",
     "justification": "Applicants may return to complete", "end_action": "delete"},
    {"category": "Accepted teachers who became inactive", "period_number": 3, "period_unit": "years",
     "trigger": "last-interaction", "justification_type": "business",
     "justification": "Teachers may return to the platform", "end_action": "delete"},
]


def transfer(name: str, destination: str = "United States", mechanism: str = CONTRACT) -> dict:
    return {"destination": destination, "recipient": name, "mechanism": mechanism}


def activities(p: dict[str, str], r: dict[str, str]) -> list[dict[str, Any]]:
    common = {"status": "active", "owner": "Alex Wibrew", "last_reviewed": "2026-11-22",
              "security_measures": SECURITY, "automated_decisions": "None",
              "dpia_required": False, "dpia_progress": "not-needed", "breach_occurred": False}
    hosting = [p["DigitalOcean"], p["Google (G Suite for Business)"], p["Cloudflare"]]
    hosting_transfers = [transfer("DigitalOcean", "Germany (Frankfurt)", ""),
                         transfer("Google (G Suite for Business)"), transfer("Cloudflare")]
    return [
        {**common,  # "The information we collect": a first message from a private student
         "business_function": "Matching students with teachers",
         "purpose": "Student enquiries forwarded to teachers",
         "individual_categories": ["Students (private lessons)", "Enquirers and prospective customers"],
         "data_categories": ["Name and title", "Contact details (address, email, telephone)",
                             "Instrument wanted", "Messages and correspondence",
                             "Date of birth or age (optional)"],
         "other_recipients": ["Teachers and tutors"],
         "processors": [*hosting, p["Postmark (postmarkapp.com)"]],
         "transfers": [*hosting_transfers, transfer("Postmark")],
         "retention_rules": [r["Private student data"]],
         "lawful_bases": ["b"],  # "How we use": to fulfil our duties in the terms and conditions
         "source": "The student, through input fields on the website, email and file transfer.",
         "locations": [PLATFORM, "Cloud office suite (email, documents, storage)"]},
        {**common,  # a private student who takes lessons; communication and bookings for both sides
         "business_function": "Lessons", "purpose": "Student accounts, lessons, bookings and calendar",
         "individual_categories": ["Students (private lessons)", "Teachers and tutors (including self-employed)"],
         "data_categories": ["Name and title", "Contact details (address, email, telephone)",
                             "Names of additional users in the account",
                             "Date of birth or age (optional)", "Profile picture (optional)",
                             "Messages and correspondence", "Bookings, attendance and class history",
                             "Calendar information"],
         "other_recipients": ["Teachers and tutors"],
         "processors": [*hosting, p["Postmark (postmarkapp.com)"], p["Zapier"]],
         "transfers": [*hosting_transfers, transfer("Postmark"), transfer("Zapier")],
         "retention_rules": [r["Private student data"]],
         "lawful_bases": ["b"],
         "source": "The student and the teacher, through the platform.",
         "locations": [PLATFORM]},
        {**common,  # payments via Stripe; anonymous transaction data for refunds, audits, chargebacks
         "business_function": "Finance", "purpose": "Student payments and teacher payouts",
         "individual_categories": ["Students (private lessons)", "Teachers and tutors (including self-employed)"],
         "data_categories": ["Payments, invoices and refunds", "Teacher bank account details",
                             "Anonymised transaction records"],
         "other_recipients": ["Banks and payment networks"],
         "processors": [p["Stripe Payments UK Ltd (company number 08480771)"], p["e-conomic"]],
         "transfers": [transfer("e-conomic", "Denmark", "")],
         "retention_rules": [r["Financial and invoicing records"]],
         "security_measures": SECURITY + " Card payments go through Stripe's secure payment "
                                         "gateway with SSL encryption; card details are never "
                                         "seen by the company.",
         "lawful_bases": ["b"],
         "source": "Students when paying (through Stripe); teachers give bank details when accepted.",
         "locations": ["Payment provider's dashboard", "Accounting software"]},
        {**common,  # "Under Swedish law, we process your data to meet accounting and tax requirements"
         "business_function": "Finance", "purpose": "Accounting and tax",
         "individual_categories": ["Students (private lessons)", "Teachers and tutors (including self-employed)"],
         "data_categories": ["Name and title", "Payments, invoices and refunds"],
         "other_recipients": ["Swedish Tax Agency (on request)", "Accountants and auditors"],
         "processors": [p["e-conomic"]],
         "transfers": [transfer("e-conomic", "Denmark", "")],
         "retention_rules": [r["Financial and invoicing records"]],
         "lawful_bases": ["c"],
         "locations": ["Accounting software"]},
        {**common,  # private teachers applying to join
         "business_function": "Teacher recruitment", "purpose": "Teacher applications",
         "individual_categories": ["Job applicants and teacher applicants"],
         "data_categories": ["Name and title", "Contact details (address, email, telephone)",
                             "Date of birth or age", "Instruments taught",
                             "CV, qualifications and employment history",
                             "Answers to teaching questions"],
         "processors": hosting, "transfers": hosting_transfers,
         "retention_rules": [r["Teacher applications never completed"]],
         "lawful_bases": ["b"],
         "source": "The applicant, through the application form.",
         "locations": [PLATFORM]},
        {**common,  # "vetted and background-checked ... references"; criminal record extract via Ucheck
         "business_function": "Teacher recruitment",
         "purpose": "Teacher vetting: references and criminal record checks",
         "individual_categories": ["Teachers and tutors (including self-employed)"],
         "data_categories": ["References", "Criminal record extract (belastningsregistret)"],
         "processors": [p["Ucheck"], p["Google (G Suite for Business)"]],
         "transfers": [transfer("Google (G Suite for Business)")],
         "retention_rules": [r["Accepted teachers who became inactive"]],
         "lawful_bases": ["b"],
         "source": "The teacher, their referees, and the criminal records register through Ucheck.",
         "locations": ["Cloud office suite (email, documents, storage)"]},
        {**common,  # accepted teachers: profile picture, up to 3 photos, method text, optional video
         "business_function": "Matching students with teachers",
         "purpose": "Teacher profiles on the platform",
         "individual_categories": ["Teachers and tutors (including self-employed)"],
         "data_categories": ["Profile picture and up to 3 optional photos",
                             "Teaching method description", "Optional video (YouTube)"],
         "other_recipients": ["The public (published on website or social media)",
                              "YouTube (the platform's channel)"],
         "processors": hosting,
         "transfers": [*hosting_transfers,
                       transfer("YouTube (Google LLC)", mechanism="UK Extension to the EU-US Data Privacy Framework")],
         "retention_rules": [r["Accepted teachers who became inactive"]],
         "lawful_bases": ["b"],
         "source": "The teacher.",
         "locations": [PLATFORM, "YouTube channel"]},
        {**common,  # newsletters and marketing email under legitimate interests, with an assessment
         "business_function": "Marketing", "purpose": "Marketing emails and newsletters",
         "individual_categories": ["Students (private lessons)", "Teachers and tutors (including self-employed)"],
         "data_categories": ["Name and title", "Contact details (address, email, telephone)",
                             "Marketing and communication preferences"],
         "processors": [p["ActiveCampaign"]],
         "transfers": [transfer("ActiveCampaign")],
         "retention_rules": [r["Private student data"]],
         "lawful_bases": ["f"],
         "legitimate_interests": "Sending marketing and newsletters by email to private students "
                                 "and teachers from time to time (direct marketing). Unsubscribe "
                                 "link in every email and a tick box in account settings.",
         "lia_link": LIA,
         "locations": ["Email marketing platform"]},
        {**common,  # students only: email shared with Facebook to match ads; not for music services
         "business_function": "Marketing", "purpose": "Targeted social media advertising (private students only)",
         "individual_categories": ["Students (private lessons)"],
         "data_categories": ["Contact details (address, email, telephone)"],
         "other_recipients": ["Social media platforms"],
         "transfers": [transfer("Facebook", "Ireland", "")],
         "retention_rules": [r["Private student data"]],
         "lawful_bases": ["f"],
         "legitimate_interests": "Showing product offers and campaigns we believe are relevant "
                                 "to students on their social media; opt out in account settings "
                                 "on Musikundervisning.se. Not offered to music-service clients.",
         "lia_link": LIA,
         "locations": ["Social media accounts"]},
        {**common,  # "Cookies"
         "business_function": "Website", "purpose": "Cookies for statistics, analytics and preferences",
         "individual_categories": ["Website visitors", "Students (private lessons)"],
         "data_categories": ["Cookie and online identifiers", "Website and service usage data"],
         "other_recipients": ["Social media platforms (anonymised data, students only)"],
         "retention_note": "Only as long as necessary to provide the services asked for "
                           "(notice: 'How we use your personal data').",
         "lawful_bases": ["a"],
         "consent_record_link": "Cookie preferences chosen on the first visit to the site",
         "source": "Collected on Musikundervisning.se only, after the visitor's cookie choices.",
         "locations": [PLATFORM]},
    ]


@pytest.fixture
def notice(ws: Workspace) -> Record:
    org = organisations.create(ws, {
        "name": "More Music Group",  # "Who we are": registered in the UK, company 10946567
        "address": "1st Floor, 1 East Poultry Avenue, London, United Kingdom, EC1A 9PT",
        "role": "both",  # controller for private teachers and students, processor for music services
        "dpo_name": "Alex Wibrew",
        "ico_registration_number": "ZA462894",
    }).record
    p = {item["legal_name"]: records.save(ws, org.id, "processor", {**item, "status": "active"}).record.id
         for item in PROCESSORS}
    r = {item["category"]: records.save(ws, org.id, "retention", item).record.id for item in RETENTION}
    for values in activities(p, r):
        records.save(ws, org.id, "activity", values)
    records.save(ws, org.id, "client_processing", {  # "For music service clients, we are the processor"
        "client_name": "Music service clients (each under its SLA)",
        "processing_categories": ["Online classrooms", "Associated administration, management and "
                                  "monitoring systems", "Bookings and calendar",
                                  "Communication between teachers and students"],
        "individual_categories": ["Teachers and tutors (including self-employed)",
                                  "Pupils (children)", "Parents and guardians"],
        "data_categories": ["Teachers' names, emails and instruments taught",
                            "Teacher picture and service description", "Student names",
                            "Parent or guardian email", "Parent's name when siblings take lessons"],
        "sub_processors": [p["DigitalOcean"], p["Google (G Suite for Business)"], p["Cloudflare"],
                           p["Postmark (postmarkapp.com)"]],
        "transfers": [transfer("DigitalOcean", "Germany (Frankfurt)", ""),
                      transfer("Google (G Suite for Business)"), transfer("Cloudflare"),
                      transfer("Postmark")],
        "security_measures": SECURITY + " Music-service data is clearly flagged in the database, "
                                        "ready to be deleted or moved at the client's request.",
        "contract_link": "Service level agreement (SLA) with each music service",
        "status": "active",
        "notes": "Processes personal data only on the client's documented instructions; will not "
                 "engage a third party without describing it; notifies the client of a breach in "
                 "time for it to report to the ICO within 72 hours.",
    })
    return org


def test_every_fact_in_the_notice_has_a_place(ws: Workspace, notice: Record):
    facts = ["Stripe", "08480771", "Postmark", "Zapier", "e-conomic", "ActiveCampaign", "YouTube",
             "Ucheck", "DigitalOcean", "Frankfurt", "Cloudflare", "G Suite", "Facebook", "ISO 27001",
             "two-factor", "SSH", "criminal record", "CV", "instrument", "calendar", "SLA",
             "anonymised", "Swedish", "profile picture", "references", "bank account",
             "music service", "72 hours", "Musikundervisning.se"]
    missing = [fact for fact in facts
               if not any(records.count(ws, notice.id, name, text=fact)
                          for name in registers.available())]
    assert missing == []
    periods = {(r.values["category"], r.values["period_number"], r.values["period_unit"])
               for r in records.list_records(ws, notice.id, "retention")}
    assert {("Private student data", 2, "years"), ("Financial and invoicing records", 7, "years"),
            ("Teacher applications never completed", 3, "years"),
            ("Accepted teachers who became inactive", 3, "years")} == periods
    org = organisations.get(ws, notice.id).values
    assert (org["ico_registration_number"], org["dpo_name"], org["role"]) == (
        "ZA462894", "Alex Wibrew", "both")
    assert "EC1A 9PT" in org["address"]


def test_no_wrong_finding(ws: Workspace, notice: Record):
    found = sorted((f.register, purpose_of(ws, f.record_id), f.code, f.field or "")
                   for f in records.findings(ws, notice.id)
                   if f.register in ("activity", "client_processing"))
    vetting = "Teacher vetting: references and criminal record checks"
    assert found == [
        # Criminal record extracts need a DPA 2018 Schedule 1 condition and the Sch 1 record
        # (Sch 1 para 41); the notice gives none of them, so these are right to flag.
        ("activity", vetting, "activity-criminal-no-sch1", "sch1_conditions"),
        ("activity", vetting, "activity-required-empty", "retained_per_policy"),
        ("activity", vetting, "activity-required-empty", "retention_policy_link"),
        ("activity", vetting, "activity-required-empty", "sch1_lawful_bases"),
        # The notice names no music-service client, so no controller contact (Art 30(2)(a)).
        ("client_processing", "Music service clients (each under its SLA)",
         "client-processing-required-empty", "client_address"),
    ]


def test_what_is_recorded_raises_no_false_alarm(ws: Workspace, notice: Record):
    codes = {f.code for f in records.findings(ws, notice.id)}
    # Frankfurt, Denmark and Ireland are UK-approved; US processors are covered by the contracts
    # the notice describes; the LIA exists; cookie consent is recorded; retention is set.
    for code in ("activity-transfer-unsafeguarded", "activity-li-no-lia", "activity-li-undescribed",
                 "activity-consent-no-record", "activity-no-retention", "activity-special-no-art9",
                 "activity-review-overdue", "activity-no-lawful-basis",
                 "client-processing-transfer-unsafeguarded", "client-processing-no-contract"):
        assert code not in codes


def purpose_of(ws: Workspace, record_id: str | None) -> str | None:
    if record_id is None:
        return None
    values = records.get(ws, record_id).values
    return values.get("purpose") or values.get("client_name")
