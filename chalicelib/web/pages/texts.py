"""Every word the public pages show, in one place, so that a translation (Welsh) is one more module.

Templates and views take their words from here; `{board}`, `{phone}` and `{email}` are filled in
from the board's settings when a page is rendered.
"""

SERVICE = "Case reviews"
SKIP = "Skip to main content"
ERROR_PREFIX = "Error: "
ERROR_SUMMARY = "There is a problem"
OPTIONAL = "(optional)"
CONTINUE = "Continue"
PREVIOUS = "Previous step"
CHANGE = "Change"
YES = "Yes"
NO = "No"
NOT_ANSWERED = "Not answered"
DAY, MONTH, YEAR = "Day", "Month", "Year"
DATE_HINT = "For example, 27 3 2007"
FOOTER_CONTACT = "Contact the partnership: telephone {phone}, email {email}"
FOOTER_PRIVACY = "How we use information"

# ---- The referral form -------------------------------------------------------------------

START_TITLE = "Refer a case for a review"
START_BUTTON = "Start now"
START_LEAD = (
    "Use this form to ask {board} to consider whether the serious harm or death of a child should have a case review."
)
WHO_HEADING = "Who can refer"
WHO_TEXT = (
    "Any professional or agency who works with children may refer a case: social workers, police, "
    "health staff, teachers and others. Discuss the case with your agency's designated safeguarding "
    "lead before you refer."
)
URGENT = (
    "This form is not for emergencies. If a child is in immediate danger, call 999. "
    "If you are worried about a child, contact children's social care."
)
CRITERIA_HEADING = "When a case should be referred"
CRITERIA = {
    "working_together_2015": [
        "Abuse or neglect of a child is known or suspected, and either:",
        "the child has died, or",
        "the child has been seriously harmed and there is cause for concern about the way the "
        "organisations involved worked together.",
        "A case that does not meet these criteria may still be reviewed, as a multi-agency case review, "
        "when there is learning about how agencies work together.",
    ],
    "working_together_2023": [
        "Abuse or neglect of a child is known or suspected, and:",
        "the child has died, or",
        "the child has been seriously harmed (including serious or long-term harm to their physical or "
        "mental health or development, even if they have recovered).",
        "If you are not sure, refer: the partnership will look at every referral.",
    ],
}
NEXT_HEADING = "What happens next"
NEXT = {
    "working_together_2015": [
        "You will see a reference on screen when you send the form, and we will email you to confirm.",
        "The case review sub-committee looks at the referral and advises the board's chair.",
        "The chair decides whether there will be a serious case review, normally within one month.",
        "We will write to tell you the decision. A review is normally completed within 6 months.",
    ],
    "working_together_2023": [
        "You will see a reference on screen when you send the form, and we will email you to confirm.",
        "The safeguarding partners carry out a rapid review, normally within 15 working days of the "
        "local authority's notification to the national panel.",
        "They decide whether to hold a local child safeguarding practice review and will tell you.",
        "A review is normally completed and published within 6 months of that decision.",
    ],
}
TIME_NEEDED = "The form takes about 20 minutes. You can go back and change your answers before you send it."
PRIVACY_HEADING = "How the information is used"
PRIVACY = [
    "{board} uses the information in this form to decide whether to hold a case review, under its duties "
    "to safeguard children. It is seen only by the people who make that decision and run the review.",
    "Nothing you type is stored until you send the form, and none of it is kept in your browser or in "
    "web addresses. The referral is kept securely for as long as the law on case records requires.",
    "To ask about the information held, contact the partnership: telephone {phone}, email {email}.",
]

STEP_TITLES = {
    "about-you": "About you",
    "child": "The child",
    "other-children": "Other children",
    "incident": "What happened",
    "review": "The review you are asking for",
    "family": "The child's family",
    "agencies": "Agencies involved",
    "check": "Check your answers before sending the referral",
}
STEP_INTRO = {
    "about-you": "We need your details so we can contact you about the referral.",
    "family": "Add the child's parents, carers and anyone else in the household. You can leave this out "
    "if you do not know.",
    "agencies": "Add the agencies that have worked with the child or the family.",
    "other-children": "Add any other children who were harmed or are at risk.",
}
STEP_OF = "Step {number} of {total}"
SECTIONS = {"safeguarding_lead": "The designated safeguarding lead you discussed the case with"}

GROUPS = {
    "family_members": {
        "item": "Family member",
        "add": "Add a family member",
        "another": "Add another family member",
        "remove": "Remove family member {number}",
        "none": "No family members added.",
    },
    "agencies_involved": {
        "item": "Agency",
        "add": "Add an agency",
        "another": "Add another agency",
        "remove": "Remove agency {number}",
        "none": "No agencies added.",
    },
    "other_children": {
        "item": "Child",
        "add": "Add a child",
        "another": "Add another child",
        "remove": "Remove child {number}",
        "none": "No other children added.",
    },
}

# Field labels by dotted name; a group's fields by their name within the item.
LABELS = {
    "referrer.name": "Your full name",
    "referrer.job_title": "Your job title",
    "referrer.agency": "Your agency or organisation",
    "referrer.email": "Your work email address",
    "referrer.phone": "Your telephone number",
    "safeguarding_lead.name": "Safeguarding lead's full name",
    "safeguarding_lead.agency": "Safeguarding lead's agency",
    "safeguarding_lead.email": "Safeguarding lead's email address",
    "safeguarding_lead.agreed_on": "When the safeguarding lead agreed to the referral",
    "review_requested": "Which review are you asking for?",
    "child.first_name": "First name",
    "child.last_name": "Last name",
    "child.name_not_known": "Is the child's name unknown?",
    "child.other_names": "Other names the child is known by",
    "child.date_of_birth": "Date of birth",
    "child.age_estimate": "Age in years, if you do not know the date of birth",
    "child.unborn": "Was the child unborn at the time?",
    "child.gender": "Gender",
    "child.ethnicity": "Ethnicity",
    "child.address": "Address",
    "child.postcode": "Postcode",
    "child.school": "School or nursery",
    "child.local_authority": "Local authority where the child normally lives",
    "child.date_of_death": "Date of death",
    "child.legal_status": "Legal status",
    "child.child_protection_plan": "Has the child had a child protection plan?",
    "child.known_to_childrens_social_care": "Is the child known to children's social care?",
    "child.disability": "Does the child have a disability?",
    "child.lead_professional": "Lead professional",
    "incident.date": "Date of the incident",
    "incident.place": "Where it happened",
    "incident.outcome": "What happened to the child?",
    "incident.abuse_or_neglect": "Is abuse or neglect known or suspected?",
    "incident.harm_types": "Kinds of harm",
    "incident.description": "Describe what happened",
    "incident.police_involved": "Are the police involved?",
    "incident.immediate_actions": "What has been done to keep other children safe?",
    "criteria.concerns_about_joint_working": "Are there concerns about how agencies worked together?",
    "criteria.reasons": "Why should the case be reviewed, or what could be learned?",
    "family_members.name": "Full name",
    "family_members.relationship": "Relationship to the child",
    "family_members.date_of_birth": "Date of birth",
    "family_members.address": "Address",
    "family_members.alleged_perpetrator": "Is this person an alleged perpetrator?",
    "agencies_involved.agency": "Agency",
    "agencies_involved.contact_name": "Contact name",
    "agencies_involved.contact_details": "Contact details",
    "agencies_involved.currently_involved": "Is the agency still involved?",
    "other_children.name": "Full name",
    "other_children.relationship": "Relationship to the child",
    "other_children.date_of_birth": "Date of birth",
    "other_children.age_estimate": "Age in years, if you do not know the date of birth",
    "other_children.harmed": "Was this child harmed?",
    "other_children.at_risk": "Is this child at risk?",
    "declaration": "I confirm that the information in this referral is accurate to the best of my knowledge",
}
HINTS = {
    "referrer.phone": "For international numbers include the country code",
    "incident.description": "Include what is known about the events, and any concerns about how agencies "
    "worked together",
    "criteria.reasons": "Say which criteria you think are met, or what agencies could learn",
    "child.postcode": "For example, PE1 1AB",
}
# The words for each value of a schema's enum.
OPTIONS = {
    "serious_case_review": "A serious case review",
    "multi_agency_case_review": "A multi-agency case review",
    "child_safeguarding_practice_review": "A child safeguarding practice review",
    "not_sure": "I am not sure",
    "female": "Female",
    "male": "Male",
    "other": "Other",
    "not_known": "Not known",
    "current": "Yes, a current plan",
    "previous": "Yes, a previous plan",
    "never": "No, never",
    "died": "The child died",
    "seriously_harmed": "The child was seriously harmed",
    "known": "Known",
    "suspected": "Suspected",
    "looked_after": "Looked after",
    "child_protection_plan": "Child protection plan",
    "child_in_need": "Child in need",
    "none": "None",
    "physical": "Physical",
    "sexual": "Sexual",
    "emotional": "Emotional",
    "neglect": "Neglect",
    "exploitation": "Exploitation",
}
# The schema's messages, in the page's words where the form differs from the JSON (three date boxes).
MESSAGES = {
    "must be a real date written YYYY-MM-DD": "must be a real date",
    "must be true": "must be confirmed",
}
UNPLACED_ERROR = "The form has a field that is not part of it. Start again from the beginning."

DECLARATION_HEADING = "Now send your referral"
DECLARATION_TEXT = (
    "By sending this referral you confirm that, to the best of your knowledge, the details you "
    "are providing are correct."
)
SEND = "Send referral"

SENT_TITLE = "Referral sent"
SENT_REFERENCE = "Your reference"
SENT_NEXT = "We have sent you an email to confirm. Quote the reference if you contact us about this referral."
ALREADY_SENT_TITLE = "This referral has already been sent"
ALREADY_SENT = (
    "This form was sent before, with different answers. To add to or correct a referral, contact "
    "the partnership: telephone {phone}, email {email}."
)
START_AGAIN = "Start a new referral"
BAD_FORM_TITLE = "Sorry, there is a problem with this form"
BAD_FORM = "Your answers could not be read. Start the referral again."
UNAVAILABLE_TITLE = "Sorry, the service is unavailable"
UNAVAILABLE = "Nothing has been sent. Try again in a few minutes; your answers are still on the previous page."
NOT_FOUND_TITLE = "Page not found"

# ---- Case reviews ----------------------------------------------------------------------

REVIEWS_TITLE = "Case reviews"
REVIEWS_INTRO = [
    "A case review is held when abuse or neglect of a child is known or suspected and the child has died or "
    "been seriously harmed, and there is learning about how organisations work together to keep children "
    "safe. The purpose is for agencies and individuals to learn lessons that improve the way they work, "
    "individually and together.",
    "{board} publishes each review's report in full, with its response, and keeps it on this page for at "
    "least 12 months.",
    "Multi-agency case reviews look at cases that do not meet the criteria for a statutory review but offer "
    "learning about how agencies work together.",
]
REFER_LINK = "Refer a case for a review"
SEARCH_LABEL = "Search reports and leaflets"
KIND_LABEL = "Kind"
ALL_KINDS = "All kinds"
SEARCH_BUTTON = "Search"
RESULTS = "{count} result{s}"
NO_RESULTS = "Nothing matches your search."
CLEAR_SEARCH = "Clear search"
NEXT_PAGE = "Next page"
NSPCC_HEADING = "National case review repository"
NSPCC_TEXT = (
    "The national repository of published case reviews, run by the NSPCC, holds reviews from every "
    "area in one place, so that the learning in them is easier to find."
)
NSPCC_LINK = "Search the national case review repository (NSPCC)"
FEED_LINK = "Subscribe to new publications (Atom feed)"
REGISTER_LINK = "Register of everything published, including reports no longer online"
COPY_HEADING = "Reports no longer online"
COPY_TEXT = (
    "Reports are online for at least 12 months. For a copy of one that is no longer online, contact "
    "the partnership: telephone {phone}, email {email}."
)
PDF_SIZE = "PDF, {size}"
PUBLISHED = "Published {date}"
# The page's sections, in the seed page's order: reports, thematic reviews, then the leaflets.
REVIEW_SECTIONS = [
    (
        "Case review reports",
        (
            "child_safeguarding_practice_review",
            "serious_case_review",
            "multi_agency_case_review",
            "overview_report",
            "executive_summary",
            "board_response",
            "partners_response",
            "national_review_briefing",
        ),
    ),
    ("Thematic reviews", ("thematic_review",)),
    (
        "Professionals' leaflets from previous reviews",
        ("professionals_leaflet", "learning_brief", "seven_minute_briefing"),
    ),
]
NOTHING_PUBLISHED = "Nothing is published in this section at the moment."
KINDS = {
    "serious_case_review": "Serious case review",
    "multi_agency_case_review": "Multi-agency case review",
    "professionals_leaflet": "Professionals' leaflet",
    "overview_report": "Overview report",
    "board_response": "Board's response",
    "child_safeguarding_practice_review": "Child safeguarding practice review",
    "executive_summary": "Executive summary",
    "partners_response": "Partners' response",
    "learning_brief": "Learning brief",
    "seven_minute_briefing": "Seven-minute briefing",
    "thematic_review": "Thematic review",
    "national_review_briefing": "National review briefing",
}
REGISTER_TITLE = "Register of published case reviews"
REGISTER_INTRO = (
    "Everything {board} has published, newest first. Reports are online for at least 12 months; "
    "after that, or where publication is delayed, ask for a copy: telephone {phone}, email {email}."
)
REGISTER_COLUMNS = ("Title", "Kind", "Published", "Availability")
AVAILABILITY = {"online": "Online", "on_request": "Available on request", "delayed": "Publication delayed"}
BACK_TO_REVIEWS = "Back to case reviews"

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
