"""Two more real privacy notices recorded in full through the services layer, with no wrong finding.

MindHub (a children's coding club run by MindHub BG EOOD with franchised centres,
reference/privacy-notices/mindhub.txt, May 2018) and Mini Mozart (a London music class for
young children, reference/privacy-notices/mini-mozart.txt). Both are controllers only: neither
notice says it processes data on another organisation's behalf, so neither has a
client-processing record. Every fact in each notice has a field (test 1 names it); the findings
are only the gaps each notice itself leaves (test 2 lists them, each explained).
"""

from __future__ import annotations

from typing import Any

import pytest

from dpo_tui.domain.records import Record
from dpo_tui.services import organisations, records
from dpo_tui.services.workspace import Workspace

RECORDED_ON = "2026-11-22"  # the day the notice was entered (the fixed clock's date)


def save_all(ws: Workspace, org_id: str, register: str, items: list[dict[str, Any]],
             key: str) -> dict[str, str]:
    """Save each item and return {its key value: record id}, for linking."""
    return {item[key]: records.save(ws, org_id, register, item).record.id for item in items}


# ============================================================== MindHub

MH_SECURITY = ("General standards for storing and protecting personal data, applied to every "
               "process of receipt and storage, with encryption where necessary.")
MH_HOSTING = "IT company that services MindHub hosting (not named in the notice)"
MH_COMMS = "Communication service provider: email and service messages (not named in the notice)"
MH_SURVEYS = "Competition and survey provider (not named in the notice)"
MH_DEMOGRAPHICS = "Demographic analysis provider (not named in the notice)"
MH_EU = "Servers within the European Union"
# "Sharing with trusted third parties": they follow strict requirements and may not use the data
# for other purposes without consent, i.e. they act only on MindHub's instructions.
MH_TERMS = ("Notice: providers and all their subcontractors follow strict requirements for data "
            "processing and may not share the data for other purposes without the person's consent.")

MH_PROCESSORS = [
    {"legal_name": "ePay", "service": "Payment processing: bank account or credit card payments "
     "for reservations and purchases", "data_categories": ["Bank account and payment card details"]},
    {"legal_name": MH_HOSTING, "service": "Website and platform hosting (may access the data)",
     "locations": ["European Union"]},
    {"legal_name": MH_COMMS, "service": "Communication with parents by e-mail and service provision"},
    {"legal_name": MH_SURVEYS, "service": "Conducting competitions and surveys"},
    {"legal_name": MH_DEMOGRAPHICS, "service": "Analysis of demographic data of our services and clients"},
    {"legal_name": "Google Analytics (Google)", "service": "Web and app analysis with permanent "
     "cookies identifying a unique user", "data_categories": ["Cookie and online identifiers"],
     # "can be delivered and stored ... on servers in a country other than your country of residence"
     "locations": ["Country not stated (servers outside the user's country of residence)"]},
]
MH_RETENTION = [
    {"category": "Parent accounts, children's details and service data",
     "criteria": "Only as long as necessary to provide the services requested, then for various "
                 "legitimate legal or business purposes; deleted from our servers within 30 days "
                 "of a deletion request at the latest.",
     "justification": "Needed to provide the services requested; legal or business purposes "
                      "afterwards (the notice gives no period)",
     "systems": [MH_EU], "end_action": "delete"},
]


def mindhub_activities(p: dict[str, str], r: dict[str, str]) -> list[dict[str, Any]]:
    common = {"status": "active", "owner": "Data protection officer (privacy@mindhub.bg)",
              "last_reviewed": RECORDED_ON, "security_measures": MH_SECURITY,
              "retention_rules": [r["Parent accounts, children's details and service data"]]}
    centre = "Franchisees and representatives of the chosen centre (e.g. MindHub Plovdiv)"
    return [
        {**common,  # 1.1 "Information required to use MindHub Services": account registration
         "business_function": "Enrolment", "purpose": "Parent accounts and enrolment of children "
         "in classes (level chosen by the child's age, nearest centre suggested)",
         "individual_categories": ["Parents and guardians", "Pupils (children)"],
         "data_categories": ["Name and surname (personal address, no fake registrations)",
                             "E-mail (login, payments, selected classes, extra services)",
                             "City (to suggest the closest centre)",
                             "Phone number (class changes, cancellations, urgent messages)",
                             "How did you learn about MindHub? (measuring and targeting communication)",
                             "Name of the child (called by name in class; tells siblings apart)",
                             "Date of birth of the child (selects the MindHub level)",
                             "Other information given in forms or the parental account"],
         "other_recipients": [centre, "Affiliates of the corporate family",
                              "Partners whose services are integrated into the MindHub software",
                              "Buyer or successor in a merger, sale, reorganisation or change of control "
                              "(users told before the privacy policy stops applying)"],
         "processors": [p[MH_HOSTING]],
         "lawful_bases": ["b", "c"],  # "necessary for the proper performance of our contract ... legal obligations"
         "source": "The parent, on registering at the MindHub website and in the parental account.",
         "retention_note": "Access, update or deletion through the MindHub account; deletion on "
                           "request within 30 days at the latest.",
         "locations": [MH_EU, "MindHub parental account"]},
        {**common,  # e-mail, phone, SMS, Facebook and app notifications about the service
         "business_function": "Classes", "purpose": "Service messages to parents: class changes, "
         "cancellations, urgencies, new term, weekly update for parents, support calls",
         "individual_categories": ["Parents and guardians"],
         "data_categories": ["Contact details (address, email, telephone)", "Messages and correspondence"],
         "other_recipients": ["Social media platforms (Facebook, for service messages)", centre],
         "processors": [p[MH_COMMS], p[MH_HOSTING]],
         # "support from one of our global location outside your country of origin"
         "transfers": [{"destination": "Global support location (country not stated)",
                        "recipient": "MindHub support", "mechanism": ""}],
         "lawful_bases": ["b"],
         "source": "The parent.", "locations": [MH_EU]},
        {**common,  # "Marketing consent for receipt of information over e-mail, Push notifications, Facebook and/or SMS"
         "business_function": "Marketing", "purpose": "Marketing: early enrolment, discounts, "
         "events and seminars, offers for extra services",
         "individual_categories": ["Parents and guardians"],
         "data_categories": ["Contact details (address, email, telephone)",
                             "Marketing and communication preferences"],
         "other_recipients": ["Social media platforms (Facebook)",
                              "Co-branding and joint campaign partners (named at the point of collection)"],
         "processors": [p[MH_COMMS]],
         "lawful_bases": ["a", "f"],  # "if you give us your consent ... or where this is permitted based on legitimate grounds"
         "legitimate_interests": "Offers for extra services we believe parents will consider "
                                 "valuable, by e-mail, SMS, phone calls and mobile application "
                                 "notifications; subscription preferences in the MindHub account.",
         "source": "The parent.", "locations": [MH_EU]},
        {**common,  # "Consent for making and using photos"
         "business_function": "Marketing", "purpose": "Photos and videos of parents and children "
         "for marketing, advertising or training",
         "individual_categories": ["Parents and guardians", "Pupils (children)"],
         "data_categories": ["Photographs, video and audio recordings"],
         "other_recipients": ["The public (published on website or social media)"],
         "lawful_bases": ["a"], "locations": [MH_EU]},
        {**common,  # 1.2 "Other information": forms, studies, polls and promotions; competitions and surveys
         "business_function": "Customer relations", "purpose": "Studies, polls, promotions, "
         "competitions and surveys",
         "individual_categories": ["Parents and guardians"],
         "data_categories": ["Feedback, survey and competition answers"],
         "processors": [p[MH_SURVEYS]],
         "lawful_bases": ["a"], "source": "The parent.", "locations": [MH_EU]},
        {**common,  # 1.3 "Information required to use payment services"
         "business_function": "Finance", "purpose": "Payments for classes, reservations and "
         "purchases (paid before attending; anti-money laundering rules)",
         "individual_categories": ["Parents and guardians"],
         "data_categories": ["Bank account and payment card details", "Payments, invoices and refunds"],
         "other_recipients": ["Banks and payment networks"],
         "processors": [p["ePay"]],
         "lawful_bases": ["b", "c"],
         "source": "The parent; fraud detection information from suppliers and third-party partners.",
         "locations": ["Payment provider"]},
        {**common,  # 2 "Information we collect automatically"; III "How we use the information"
         "business_function": "Platform", "purpose": "Improving and securing MindHub Services: "
         "diagnosing problems, aggregated statistics, understanding use and suitable products",
         "individual_categories": ["Parents and guardians", "Website visitors"],
         "data_categories": ["Details of how MindHub Services are used", "IP address",
                             "Dates and time of access", "Hardware and software information",
                             "Device information and device events", "Unique identifiers",
                             "Crash data", "Cookies data of pages visited before or after",
                             "Demographic data"],
         "other_recipients": ["Business partners using cookies and similar technologies on our behalf"],
         "processors": [p[MH_DEMOGRAPHICS], p[MH_HOSTING]],
         "lawful_bases": ["b", "c"],
         "source": "Collected automatically; also demographic and fraud detection data from "
                   "suppliers and third-party partners, and information from third parties "
                   "while using the platform, combined with our own.",
         "locations": [MH_EU]},
        {**common,  # "Website analysis": Google Analytics; Cookie Policy and cookie banners
         "business_function": "Website", "purpose": "Website and app analysis (Google Analytics)",
         "individual_categories": ["Website visitors"],
         "data_categories": ["Pages visited and website visited before", "Time spent on each page",
                             "Operating system and web browser", "IP information",
                             "Cookie and online identifiers"],
         "processors": [p["Google Analytics (Google)"]],
         "transfers": [{"destination": "Country not stated (servers outside the user's country "
                                       "of residence)", "recipient": "Google Analytics", "mechanism": ""}],
         "consent_record_link": "Cookie Policy settings and cookie banners on the first visit; "
                                "browser settings or third-party tools",
         "source": "Permanent cookies placed in the browser.",
         "locations": ["Google Analytics"]},
    ]


@pytest.fixture
def mindhub(ws: Workspace) -> Record:
    org = organisations.create(ws, {
        "name": "MindHub BG EOOD (MindHub)",  # "Summary": a coding club for children
        "email": "privacy@mindhub.bg",  # actively monitored mailbox for the DPO and team
        "dpo_email": "privacy@mindhub.bg",  # a DPO exists but is not named
        "role": "controller",
        # Established only in Bulgaria: the UK data protection fee is not owed.
        "registration_not_required_reason": "Established in Bulgaria, not in the UK: no UK fee.",
    }).record
    p = save_all(ws, org.id, "processor",
                 [{**item, "status": "active", "clauses": ["instructions"], "notes": MH_TERMS}
                  for item in MH_PROCESSORS], "legal_name")
    r = save_all(ws, org.id, "retention", MH_RETENTION, "category")
    for values in mindhub_activities(p, r):
        records.save(ws, org.id, "activity", values)
    return org


# ============================================================== Mini Mozart

MM_ADDRESS = "Mini Mozart Ltd, 10 Highgate High St, London, N6 5JL"
MM_SECURITY = (
    "Appropriate measures against loss, unauthorised use or access, alteration or disclosure; "
    "access limited to employees, agents, contractors and others with a business need to know, "
    "who act only on our instructions under a duty of confidentiality; secured networks with a "
    "very limited number of people holding special access rights; financial transactions go "
    "through a gateway provider and are not stored or processed on our servers; any card or "
    "payment information held is stored securely and encrypted; procedures for suspected data "
    "breaches, notifying people and the regulator when legally required.")
MM_GATEWAY = "Payment gateway provider (not named in the notice)"
MM_CONTRACTORS = "Agents and contractors with a business need to know (not named in the notice)"
MM_PROCESSORS = [  # "HOW WE PROTECT YOUR INFORMATION?"
    {"legal_name": MM_GATEWAY, "service": "Processes all financial transactions (card payments)",
     "data_categories": ["Bank account and payment card details"]},
    {"legal_name": MM_CONTRACTORS, "service": "Services for Mini Mozart; may not use personal data "
     "for their own purposes"},
]
MM_RULE = "All personal information"
MM_RETENTION = [  # "HOW LONG DO WE KEEP YOUR INFORMATION?"
    {"category": MM_RULE,
     "criteria": "As long as necessary to fulfil the purposes it was collected for, including "
                 "legal, accounting or reporting requirements. The period weighs the amount, "
                 "nature and sensitivity of the information, the potential risk of harm from "
                 "unauthorised use or disclosure, the purposes and whether they can be achieved "
                 "by other means, and the applicable legal requirements.",
     "justification": "Data protection law (only as long as necessary) and legal, accounting or "
                      "reporting requirements (the notice gives no period)",
     "end_action": "delete"},  # "disposed of, deleted or cached in a secure manner"
]
MM_CUSTOMERS = ["Customers", "Parents and guardians", "Pupils (children)"]


def mini_mozart_activities(p: dict[str, str], r: dict[str, str]) -> list[dict[str, Any]]:
    common = {"status": "active", "last_reviewed": RECORDED_ON, "security_measures": MM_SECURITY,
              "retention_rules": [r[MM_RULE]]}
    return [
        {**common,  # "to perform a contract with you, such as when you book a class"
         "business_function": "Bookings", "purpose": "Class and event bookings, with important "
         "information about the booking and the weekly email that preps you for the class",
         "individual_categories": MM_CUSTOMERS,
         "data_categories": ["Name and title", "Date of birth or age", "Gender",
                             "Contact details for the parent or guardian of under-16s",
                             "Contact details (billing and delivery address, email, telephone numbers)",
                             "Bookings, attendance and class history",
                             "Transaction data: payments to and from you and services purchased"],
         "processors": [p[MM_GATEWAY]],
         "lawful_bases": ["b"],
         "source": "Directly from you: booking a class or event, a workshop, speaking to or "
                   "emailing the team, registering an account on our websites, filling out a form.",
         "locations": ["Secured networks"]},
        {**common,  # "Health Data ... a disability that means that we modify our classes"
         "business_function": "Classes", "purpose": "Tailored services for health or access needs "
         "(e.g. wheelchair accessible space, seating requirements)",
         "individual_categories": ["Customers", "Pupils (children)"],
         "data_categories": ["Disability and access needs (health)"],
         "other_recipients": ["None outside the organisation"],
         "lawful_bases": ["a"], "art9_conditions": ["a"],  # "Based on your explicit consent"
         "source": "The customer or the child's parent.", "locations": ["Secured networks"]},
        {**common,  # "investigate an accident or other incident"; listed under legitimate interests
         "business_function": "Health and safety", "purpose": "Recording and investigating health "
         "and safety and other incidents at Mini Mozart",
         "individual_categories": ["People involved in accidents and incidents (including visitors)",
                                   "Pupils (children)"],
         "data_categories": ["Injury details from accident reports (health)"],
         "other_recipients": ["Others when needed to protect you or other people from harm"],
         "lawful_bases": ["f"],
         "legitimate_interests": "Providing our services safely and securely: recording and "
                                 "investigating health and safety and other incidents.",
         "locations": ["Secured networks"]},
        {**common,  # "Image Data": no purpose or lawful basis given in the notice
         "business_function": "Classes", "purpose": "Photographs, video and audio recordings "
         "taken at class (purpose not stated in the notice)",
         "individual_categories": MM_CUSTOMERS,
         "data_categories": ["Photographs, video and audio recordings (image and likeness, "
                             "yours and your child's)"],
         "locations": ["Secured networks"]},
        {**common,  # consent (priority booking updates) and legitimate interests (marketing, segments)
         "business_function": "Marketing", "purpose": "Marketing communications and newsletters, "
         "tailored by interests and audience segments",
         "individual_categories": ["Customers", "Newsletter and mailing list subscribers"],
         "data_categories": ["Marketing and communication preferences (from us and our third parties)",
                             "Contact details (address, email, telephone)",
                             "Social media profile information (Facebook, Twitter, Instagram)",
                             "Interests and preferences"],
         "other_recipients": ["None outside the organisation (no selling, renting or trading "
                              "without express consent)"],
         "lawful_bases": ["a", "f"],
         "legitimate_interests": "Marketing our services including sending marketing "
                                 "communications; learning about interests and preferences to "
                                 "send relevant information; classifying the audience into groups "
                                 "or segments. Every email explains how to change preferences or "
                                 "unsubscribe.",
         "automated_decisions": "Profiling: audience classified into groups or segments from "
                                "booking, survey and publicly available information, to send "
                                "relevant messages to each group.",
         "source": "The customer (requesting marketing, subscribing to a newsletter); social "
                   "media and messaging accounts when their settings give permission; publicly "
                   "available information.",
         "locations": ["Secured networks"]},
        {**common,  # research, surveys, competitions, feedback, complaints, membership
         "business_function": "Customer relations", "purpose": "Customer service: feedback, "
         "complaints, membership renewal, research, surveys and competitions",
         "individual_categories": ["Customers", "People who complain or give feedback"],
         "data_categories": ["Feedback, survey and competition answers", "Messages and correspondence"],
         "other_recipients": ["None outside the organisation"],
         "lawful_bases": ["f"],
         "legitimate_interests": "The best possible customer service; managing the relationship "
                                 "(keeping the database up to date, administrative matters, "
                                 "renewing membership, complaints and feedback); research, "
                                 "surveys and competitions; market research and statistical analysis.",
         "locations": ["Secured networks"]},
        {**common,  # "keeping financial records, to allow us to pay suppliers and to charge, invoice or refund"
         "business_function": "Finance", "purpose": "Financial records: paying suppliers; charging, "
         "invoicing and refunding customers (refunds only when we cancel a class)",
         "individual_categories": ["Customers"],
         "data_categories": ["Bank account and payment card details", "Payments, invoices and refunds"],
         "other_recipients": ["Accountants and auditors"],
         "processors": [p[MM_GATEWAY]],
         "lawful_bases": ["f"],
         "legitimate_interests": "Management of our business, including keeping financial records.",
         "locations": ["Payment gateway"]},
        {**common,  # "To verify your identity ... to prevent fraud"
         "business_function": "Security", "purpose": "Identity verification and fraud prevention",
         "individual_categories": ["Customers"],
         "data_categories": ["Name and title", "Contact details (address, email, telephone)"],
         "other_recipients": ["None outside the organisation"],
         "lawful_bases": ["f"],
         "legitimate_interests": "Verifying identity for security purposes; ensuring customers "
                                 "are genuine and preventing fraud.",
         "locations": ["Secured networks"]},
        {**common,  # "To comply with a legal obligation": rights requests, law enforcement
         "business_function": "Compliance", "purpose": "Legal obligations: data protection rights "
         "requests, national security and law enforcement, preventing illegal activity",
         "individual_categories": ["Customers"],
         "data_categories": ["Name and title", "Contact details (email and postal address)",
                             "Proof of identity"],
         "other_recipients": ["Police and law enforcement (on lawful request)"],
         "lawful_bases": ["c"],
         "source": "The requester, by email or letter to Mini Mozart Ltd.",
         "locations": ["Secured networks"]},
        {**common,  # "Technical Data", "Usage Data", "Cookies"
         "business_function": "Website", "purpose": "Website security, analytics and user "
         "experience (cookies, technical and usage data)",
         "individual_categories": ["Website visitors"],
         "data_categories": ["Technical data (pages visited, time spent on site, IP address, "
                             "browser, Internet Service Provider)", "Website and service usage data",
                             "Cookie and online identifiers (statistical; declined through "
                             "computer settings)"],
         "other_recipients": ["None outside the organisation"],
         "lawful_bases": ["f"],
         "legitimate_interests": "Ensuring the security of our websites; data analytics to "
                                 "improve our services; improving user experience.",
         "source": "Collected automatically as you interact with our websites; cookies "
                   "downloaded to the hard drive.",
         "locations": ["Website"]},
    ]


@pytest.fixture
def mini_mozart(ws: Workspace) -> Record:
    org = organisations.create(ws, {
        "name": "Mini Mozart Ltd",
        # "write to us at": the notice's email address is obfuscated in the copy we have.
        "address": MM_ADDRESS,
        "role": "controller",
    }).record
    contract_terms = ["instructions", "confidentiality"]  # "only ... on our instructions", "duty of confidentiality"
    p = save_all(ws, org.id, "processor",
                 [{**item, "status": "active", "clauses": contract_terms} for item in MM_PROCESSORS],
                 "legal_name")
    r = save_all(ws, org.id, "retention", MM_RETENTION, "category")
    for values in mini_mozart_activities(p, r):
        records.save(ws, org.id, "activity", values)
    return org


# ============================================================== helpers


def flatten(value: Any) -> str:
    """All the text a stored value holds: strings, lists, rows."""
    if isinstance(value, dict):
        return " | ".join(flatten(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return " | ".join(flatten(v) for v in value)
    return "" if value is None else str(value)


def stored(ws: Workspace, org_id: str, register: str, field: str) -> list[str]:
    """The text of one field in every record of a register; LINK ids become the linked titles."""
    if register == "organisation":
        return [flatten(organisations.get(ws, org_id).values.get(field))]
    texts = []
    for record in records.list_records(ws, org_id, register):
        value = record.values.get(field)
        if field in ("processors", "retention_rules"):
            value = [flatten(records.get(ws, i).values.get("legal_name")
                             or records.get(ws, i).values.get("category")) for i in value or []]
        texts.append(flatten(value))
    return texts


def missing_facts(ws: Workspace, org_id: str, table: list[tuple[str, str, str]]) -> list:
    return [(fact, register, field) for fact, register, field in table
            if not any(fact.casefold() in text.casefold()
                       for text in stored(ws, org_id, register, field))]


def found(ws: Workspace, org_id: str) -> list[tuple[str, str, str, str]]:
    result = []
    for f in records.findings(ws, org_id):
        title = ""
        if f.register == "organisation":
            title = organisations.get(ws, org_id).values["name"]
        elif f.record_id:
            v = records.get(ws, f.record_id).values
            title = v.get("purpose") or v.get("legal_name") or v.get("category") or ""
        result.append((f.register, title.split(":")[0].split(" (")[0], f.code, f.field or ""))
    return sorted(result)


# ============================================================== MindHub tests

MINDHUB_FACTS = [
    # Who they are and how to reach them
    ("MindHub BG EOOD", "organisation", "name"),
    ("privacy@mindhub.bg", "organisation", "email"),
    ("privacy@mindhub.bg", "organisation", "dpo_email"),
    ("controller", "organisation", "role"),
    # People and data (1.1, 1.2, 2)
    ("Parents and guardians", "activity", "individual_categories"),
    ("Pupils (children)", "activity", "individual_categories"),
    ("Website visitors", "activity", "individual_categories"),
    ("Name and surname", "activity", "data_categories"),
    ("City (to suggest the closest centre)", "activity", "data_categories"),
    ("How did you learn about MindHub?", "activity", "data_categories"),
    ("Name of the child", "activity", "data_categories"),
    ("Date of birth of the child", "activity", "data_categories"),
    ("Photographs, video", "activity", "data_categories"),
    ("Bank account and payment card details", "activity", "data_categories"),
    ("Crash data", "activity", "data_categories"),
    ("Device information and device events", "activity", "data_categories"),
    ("Unique identifiers", "activity", "data_categories"),
    ("Demographic data", "activity", "data_categories"),
    ("Time spent on each page", "activity", "data_categories"),
    # Purposes
    ("level chosen by the child's age", "activity", "purpose"),
    ("weekly update for parents", "activity", "purpose"),
    ("early enrolment, discounts", "activity", "purpose"),
    ("marketing, advertising or training", "activity", "purpose"),
    ("competitions and surveys", "activity", "purpose"),
    ("anti-money laundering", "activity", "purpose"),
    ("diagnosing problems", "activity", "purpose"),
    ("Google Analytics", "activity", "purpose"),
    # Lawful bases and marketing consent
    ("b", "activity", "lawful_bases"),
    ("c", "activity", "lawful_bases"),
    ("a", "activity", "lawful_bases"),
    ("f", "activity", "lawful_bases"),
    ("extra services we believe parents will consider valuable", "activity", "legitimate_interests"),
    ("Cookie Policy", "activity", "consent_record_link"),
    # Recipients and processors
    ("MindHub Plovdiv", "activity", "other_recipients"),
    ("Affiliates of the corporate family", "activity", "other_recipients"),
    ("integrated into the MindHub software", "activity", "other_recipients"),
    ("change of control", "activity", "other_recipients"),
    ("Facebook", "activity", "other_recipients"),
    ("Co-branding", "activity", "other_recipients"),
    ("Business partners using cookies", "activity", "other_recipients"),
    ("ePay", "activity", "processors"),
    ("IT company that services MindHub hosting", "activity", "processors"),
    ("Google Analytics", "activity", "processors"),
    ("Competition and survey provider", "processor", "legal_name"),
    ("Demographic analysis provider", "processor", "legal_name"),
    ("Communication service provider", "processor", "legal_name"),
    ("may not share the data for other purposes", "processor", "notes"),
    ("instructions", "processor", "clauses"),
    # Transfers
    ("European Union", "processor", "locations"),
    ("Servers within the European Union", "activity", "locations"),
    ("Global support location", "activity", "transfers"),
    ("outside the user's country of residence", "activity", "transfers"),
    # Retention, rights, security, sources
    ("30 days", "retention", "criteria"),
    ("legitimate legal or business purposes", "retention", "criteria"),
    ("Parent accounts, children's details and service data", "activity", "retention_rules"),
    ("deletion on request within 30 days", "activity", "retention_note"),
    ("access", "activity", "rights"),
    ("erasure", "activity", "rights"),
    ("withdraw-consent", "activity", "rights"),
    ("encryption where necessary", "activity", "security_measures"),
    ("fraud detection", "activity", "source"),
    ("Permanent cookies", "activity", "source"),
]


def test_every_mindhub_fact_is_stored_in_its_field(ws: Workspace, mindhub: Record):
    assert missing_facts(ws, mindhub.id, MINDHUB_FACTS) == []
    activities = records.list_records(ws, mindhub.id, "activity")
    # Children's data: the child's name and date of birth mark the activity as children's data.
    enrolment = next(a for a in activities if a.values["purpose"].startswith("Parent accounts"))
    assert enrolment.values["children"] is True


def test_mindhub_findings_are_only_the_notice_s_own_gaps(ws: Workspace, mindhub: Record):
    hosting, comms = MH_HOSTING.split(" (")[0], MH_COMMS.split(":")[0]
    surveys, demographics = MH_SURVEYS.split(" (")[0], MH_DEMOGRAPHICS.split(" (")[0]
    processors = ["ePay", hosting, comms, surveys, demographics, "Google Analytics"]
    expected = [
        # Art 6(1): the Google Analytics section gives no lawful basis (the cookie banner is a
        # setting, not a stated basis).
        ("activity", "Website and app analysis", "activity-no-lawful-basis", "lawful_bases"),
        # Art 7(1): consent is relied on for marketing, photos and surveys, but the notice says
        # nothing about how consents are recorded.
        ("activity", "Marketing", "activity-consent-no-record", "consent_record_link"),
        ("activity", "Photos and videos of parents and children for marketing, advertising or "
         "training", "activity-consent-no-record", "consent_record_link"),
        ("activity", "Studies, polls, promotions, competitions and surveys",
         "activity-consent-no-record", "consent_record_link"),
        # Legitimate grounds for marketing are claimed with no assessment mentioned.
        ("activity", "Marketing", "activity-li-no-lia", "lia_link"),
        # Chapter V: support "from one of our global location" and Google's servers "in a
        # country other than your country of residence": no country and no safeguard given.
        ("activity", "Service messages to parents", "activity-transfer-unsafeguarded", "transfers"),
        ("activity", "Website and app analysis", "activity-transfer-unsafeguarded", "transfers"),
        # Art 30(1)(a): no postal address, and the DPO is not named (only the mailbox is given).
        ("organisation", "MindHub BG EOOD", "org-contact", "address"),
        ("organisation", "MindHub BG EOOD", "org-no-dpo", "dpo_name"),
        # Google's servers: the country is not named, so no transfer mechanism can be recorded.
        ("processor", "Google Analytics", "processor-transfer-no-mechanism", "transfer_mechanism"),
        # Not about the notice: the quarterly review of this new record has not been signed off
        # yet, which is true of any organisation just entered.
        ("review", "", "review-never-done", "signed_off_at"),
    ]
    for name in processors:
        expected += [
            # Art 28(3): the notice describes the providers' duties but names no contract,
            # and states only one of the eight clauses (acting on instructions).
            ("processor", name, "processor-clauses-incomplete", "clauses"),
            ("processor", name, "processor-no-contract", "contract_reference"),
            # No due diligence or review of any provider is mentioned.
            ("processor", name, "processor-never-reviewed", "last_review"),
        ]
    assert found(ws, mindhub.id) == sorted(expected)


# ============================================================== Mini Mozart tests

MINI_MOZART_FACTS = [
    # Who they are and how to reach them
    ("Mini Mozart Ltd", "organisation", "name"),
    ("10 Highgate High St, London, N6 5JL", "organisation", "address"),
    ("controller", "organisation", "role"),
    # People and data ("Information Collected")
    ("Customers", "activity", "individual_categories"),
    ("Parents and guardians", "activity", "individual_categories"),
    ("Pupils (children)", "activity", "individual_categories"),
    ("Newsletter and mailing list subscribers", "activity", "individual_categories"),
    ("Website visitors", "activity", "individual_categories"),
    ("Date of birth", "activity", "data_categories"),
    ("Gender", "activity", "data_categories"),
    ("parent or guardian of under-16s", "activity", "data_categories"),
    ("billing and delivery address", "activity", "data_categories"),
    ("Bank account and payment card details", "activity", "data_categories"),
    ("Transaction data", "activity", "data_categories"),
    ("Disability and access needs (health)", "activity", "data_categories"),
    ("Injury details from accident reports (health)", "activity", "data_categories"),
    ("image and likeness", "activity", "data_categories"),
    ("Internet Service Provider", "activity", "data_categories"),
    ("Facebook, Twitter, Instagram", "activity", "data_categories"),
    ("Website and service usage data", "activity", "data_categories"),
    ("Marketing and communication preferences", "activity", "data_categories"),
    ("Proof of identity", "activity", "data_categories"),
    # Purposes and lawful bases
    ("weekly email that preps you for the class", "activity", "purpose"),
    ("wheelchair accessible space", "activity", "purpose"),
    ("health and safety", "activity", "purpose"),
    ("fraud prevention", "activity", "purpose"),
    ("national security and law enforcement", "activity", "purpose"),
    ("refunds only when we cancel a class", "activity", "purpose"),
    ("b", "activity", "lawful_bases"),
    ("c", "activity", "lawful_bases"),
    ("a", "activity", "lawful_bases"),
    ("f", "activity", "lawful_bases"),
    ("a", "activity", "art9_conditions"),
    ("classifying the audience into groups", "activity", "legitimate_interests"),
    ("unsubscribe", "activity", "legitimate_interests"),
    ("market research and statistical analysis", "activity", "legitimate_interests"),
    ("Profiling", "activity", "automated_decisions"),
    # Recipients and processors
    ("Accountants and auditors", "activity", "other_recipients"),
    ("Police and law enforcement", "activity", "other_recipients"),
    ("protect you or other people from harm", "activity", "other_recipients"),
    ("no selling, renting or trading", "activity", "other_recipients"),
    ("Payment gateway provider", "activity", "processors"),
    ("Agents and contractors", "processor", "legal_name"),
    ("their own purposes", "processor", "service"),
    ("confidentiality", "processor", "clauses"),
    # Retention, security, sources, rights
    ("legal, accounting or reporting requirements", "retention", "criteria"),
    ("sensitivity", "retention", "criteria"),
    ("delete", "retention", "end_action"),
    ("All personal information", "activity", "retention_rules"),
    ("not stored or processed on our servers", "activity", "security_measures"),
    ("stored securely and encrypted", "activity", "security_measures"),
    ("suspected data breaches", "activity", "security_measures"),
    ("duty of confidentiality", "activity", "security_measures"),
    ("registering an account on our websites", "activity", "source"),
    ("publicly available information", "activity", "source"),
    ("declined through computer settings", "activity", "data_categories"),
    ("access", "activity", "rights"),
    ("rectification", "activity", "rights"),
    ("erasure", "activity", "rights"),
    ("restriction", "activity", "rights"),
    ("portability", "activity", "rights"),
    ("object", "activity", "rights"),
    ("withdraw-consent", "activity", "rights"),
]


def test_every_mini_mozart_fact_is_stored_in_its_field(ws: Workspace, mini_mozart: Record):
    assert missing_facts(ws, mini_mozart.id, MINI_MOZART_FACTS) == []
    # Children's data ("contact details for your parent or guardian if you are under 16").
    bookings = next(a for a in records.list_records(ws, mini_mozart.id, "activity")
                    if a.values["purpose"].startswith("Class and event bookings"))
    assert bookings.values["children"] is True


def test_mini_mozart_findings_are_only_the_notice_s_own_gaps(ws: Workspace, mini_mozart: Record):
    incidents = "Recording and investigating health and safety and other incidents at Mini Mozart"
    marketing = "Marketing communications and newsletters, tailored by interests and audience segments"
    photos = "Photographs, video and audio recordings taken at class"
    legitimate_interest_activities = [
        incidents, marketing, "Customer service", "Financial records",
        "Identity verification and fraud prevention", "Website security, analytics and user experience"]
    expected = [
        # Art 6(1): "Image Data" is collected at class but no purpose or basis is given.
        ("activity", photos, "activity-no-lawful-basis", "lawful_bases"),
        # Art 30(1)(d): with no purpose stated, the notice cannot say who sees the images
        # (published or kept in class); the other activities fall under "we will not sell, rent,
        # trade or distribute" and the recipients each purpose names.
        ("activity", photos, "activity-required-empty", "other_recipients"),
        # Art 9(1): accident investigations hold health data under legitimate interests only;
        # explicit consent is stated just for access needs, so no Art 9 condition is given.
        ("activity", incidents, "activity-special-no-art9", "art9_conditions"),
        # Art 7(1): consent and explicit consent are relied on, with no record of consent named.
        ("activity", "Tailored services for health or access needs", "activity-consent-no-record",
         "consent_record_link"),
        ("activity", marketing, "activity-consent-no-record", "consent_record_link"),
        # Art 30(1)(a): the email address is not legible in the notice and no telephone is given.
        ("organisation", "Mini Mozart Ltd", "org-contact", "address"),
        # No DPO named and no reason given for not appointing one.
        ("organisation", "Mini Mozart Ltd", "org-no-dpo", "dpo_name"),
        # A UK company: the notice gives no ICO registration (data protection fee) number.
        ("organisation", "Mini Mozart Ltd", "org-no-registration", "ico_registration_number"),
        # Not about the notice: the quarterly review of this new record is not yet signed off.
        ("review", "", "review-never-done", "signed_off_at"),
    ]
    # Legitimate interests are relied on six times with no assessment mentioned (ICO).
    expected += [("activity", name, "activity-li-no-lia", "lia_link")
                 for name in legitimate_interest_activities]
    for name in ("Payment gateway provider", "Agents and contractors with a business need to know"):
        expected += [
            # Art 28(3): only two of the eight clauses are stated (instructions, confidentiality)
            # and no contract is named; no due diligence or review is mentioned.
            ("processor", name, "processor-clauses-incomplete", "clauses"),
            ("processor", name, "processor-no-contract", "contract_reference"),
            ("processor", name, "processor-never-reviewed", "last_review"),
        ]
    assert found(ws, mini_mozart.id) == sorted(expected)


def test_findings_disappear_when_the_gap_is_filled(ws: Workspace, mini_mozart: Record):
    """The findings are about the notice's gaps, not the recording: filling one removes it."""
    incidents = next(a for a in records.list_records(ws, mini_mozart.id, "activity")
                     if a.values["purpose"].startswith("Recording and investigating"))
    records.save(ws, mini_mozart.id, "activity", {"art9_conditions": ["h"],
                                                  "sch1_conditions": ["p1-2"],
                                                  "sch1_lawful_bases": ["f"],
                                                  "retention_policy_link": "Appropriate policy document",
                                                  "retained_per_policy": True},
                 record_id=incidents.id)
    organisations.update(ws, mini_mozart.id, {"telephone": "020 0000 0000"})
    codes = {(code, field) for _, title, code, field in found(ws, mini_mozart.id)
             if title.startswith("Recording") or title == "Mini Mozart Ltd"}
    assert ("activity-special-no-art9", "art9_conditions") not in codes
    assert ("org-contact", "address") not in codes
