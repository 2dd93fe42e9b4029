"""Every word the staff console shows, in one place (the public pages' are in web/pages/texts.py)."""

SERVICE = "Case review console"
NAV = (("/console", "Cases"), ("/console/publications", "Publications"), ("/console/figures", "Figures"))
SIGN_OUT = "Sign out"
SIGNED_IN_AS = "Signed in as {username}"

# ---- signing in ---------------------------------------------------------------------------
SIGN_IN_TITLE = "Sign in"
SIGN_IN_INTRO = "Sign in with the account the partnership gave you."
USERNAME = "Username"
# The sign-in's words about passwords, in one table: a name with "password" in it reads, to bandit and
# ruff, as a hard-coded password.
PASSWORD_WORDS = {
    "label": "Password",
    "new_title": "Choose a new password",
    "new_intro": "This is your first sign-in: choose your own password to replace the one you were given.",
    "new_label": "New password",
    "new_hint": "At least 12 characters, with upper and lower case letters, a number and a symbol.",
    "confirm_label": "Type the new password again",
    "save": "Save password and continue",
    "enter": "Enter your password",
}
SIGN_IN_BUTTON = "Sign in"
CODE_TITLE = "Enter your security code"
CODE_LABEL = "Security code"
CODE_HINT = "The 6-digit code your authenticator app shows for this service."
SETUP_TITLE = "Set up your authenticator app"
SETUP_INTRO = (
    "Your account needs an authenticator app (such as Microsoft Authenticator or Google Authenticator) as well "
    "as your password. Add an account to the app with this key, then enter the 6-digit code it shows."
)
SETUP_KEY = "Key for your app"
SETUP_LINK = "Or open this link on the phone with the app"
# Never which part was wrong: that would tell a guesser which usernames exist.
REFUSED = "The username, password or security code is not right. Check them and try again."
ENTER_USERNAME = "Enter your username"
ENTER_CODE = "Enter the 6-digit security code"
PASSWORDS_DIFFER = "The two passwords are not the same"
SESSION_ENDED = "Your session has ended. Sign in again to carry on."
SIGNED_OUT = "You have signed out."
STALE_FORM = "The sign-in form was out of date. Try again."

# ---- messages (title, text) -------------------------------------------------------------
MESSAGES = {
    "forbidden": ("You cannot see this page", "Your account is not in a group that may see this page or do this."),
    "csrf": (
        "The form was out of date",
        "Nothing was changed. Go back, reload the page and try again.",
    ),
    "problem": ("There is a problem", "The request could not be handled."),
    "not_found": ("Page not found", "There is nothing at this address."),
    "unavailable": (
        "Sorry, there is a problem with the service",
        "Nothing was saved. Try again in a few minutes.",
    ),
}
ERROR_SUMMARY = "There is a problem"

# ---- the case list ---------------------------------------------------------------------
CASES_TITLE = "Cases"
CASES_COLUMNS = ("Reference", "Status", "Received", "Next clock", "Due")
CASES_NONE = "There are no cases to show."
FILTER_STATUS = "Status"
ALL_STATUSES = "All statuses"
FILTER_BUTTON = "Show cases"
OVERDUE = "Overdue"
PAUSED = "Paused"
NO_CLOCK = "Nothing running"
EXPORT_LINK = "Download every case as CSV"
AUDIT_LINK = "Audit trail"
STATUS_WORDS = {
    "received": "Received",
    "recommended": "Recommended",
    "rapid_reviewed": "Rapid review done",
    "decided": "Decided",
    "in_progress": "Review in progress",
    "completed": "Review completed",
    "published": "Published",
}
CLOCK_NAMES = {
    "notification": "Notification to the Panel",
    "rapid_review": "Rapid review",
    "decision": "Decision",
    "review": "Local review",
    "publication": "Publication",
}
CLOCK_STATUS_WORDS = {
    "not_started": "Not started",
    "due": "Due",
    "met": "Met",
    "overdue": "Overdue",
    "paused": "Paused",
}
REGIME_WORDS = {
    "working_together_2023": "Working Together 2023 (the safeguarding partners decide)",
    "working_together_2015": "Working Together 2015 (serious case review, the chair decides)",
}

# ---- a case -----------------------------------------------------------------------------
CASE_TITLE = "Case {reference}"
SECTION_CLOCKS = "Clocks"
SECTION_REFERRAL = "The referral"
SECTION_WORKFLOW = "Where the case stands"
SECTION_HISTORY = "History"
SECTION_ACTIONS = "What you can do next"
NO_ACTIONS = "There is nothing your role can record on this case now."
HISTORY_COLUMNS = ("When", "Who", "What")
AUDIT_COLUMNS = ("When", "Who", "What", "From")
AUDIT_TITLE = "Audit trail of case {reference}"
AUDIT_NONE = "Nothing has been recorded yet."
BACK_TO_CASE = "Back to the case"
SUCCESS = "Success"
STALE_CASE = (
    "Someone changed this case after you opened it. Nothing was saved: check the case as it is now and try again."
)
FORM_BUTTON = "Save"
YES = "Yes"
NO = "No"
EMPTY = "Not given"
# Referral fields as staff read them (the public form asks the referrer in the second person).
STAFF_LABELS = {
    "referrer.name": "Referrer's name",
    "referrer.job_title": "Referrer's job title",
    "referrer.agency": "Referrer's agency",
    "referrer.email": "Referrer's email address",
    "referrer.phone": "Referrer's telephone number",
    "review_requested": "Review asked for",
}
# Words for the workflow's values (the referral's own come from the public pages' texts).
OPTIONS = {
    "local_review": "A local child safeguarding practice review",
    "no_local_review": "No local review",
    "national_review_suggested": "Suggest a national review to the Panel",
    "panel": "The Child Safeguarding Practice Review Panel",
    "ofsted": "Ofsted",
    "secretary_of_state": "The Secretary of State for Education",
    "safeguarding_partners": "The safeguarding partners",
    "nspcc": "The NSPCC repository",
    "agencies": "The agencies involved",
    "family": "The child's family",
    "agrees": "Agrees",
    "disagrees": "Disagrees",
    "national_review": "Will carry out a national review",
    "more_information": "Asks for more information",
    "in_progress": "In progress",
    "completed": "Completed",
    "active": "Active",
    "concluded": "Concluded",
    "criminal_investigation": "Criminal investigation",
    "criminal_trial": "Criminal trial",
    "inquest": "Inquest",
    "family_proceedings": "Family proceedings",
    "domestic_homicide_review": "Domestic homicide review",
    "safeguarding_adults_review": "Safeguarding adults review",
    "child_death_review": "Child death review",
    "criteria_met": "The criteria for a serious case review are met",
    "criteria_not_met_learning_review": "Criteria not met: a learning review",
    "criteria_not_met_no_review": "Criteria not met: no review",
    "serious_case_review": "A serious case review",
    "multi_agency_case_review": "A multi-agency case review",
    "no_review": "No review",
    "partner_local_authority": "The local authority",
    "partner_health": "Health (the integrated care board)",
    "partner_police": "The police",
    "safeguarding_partners_decision": "The safeguarding partners",
}

# ---- publications ---------------------------------------------------------------------
PUBS_TITLE = "Publications"
PUBS_LISTS = {
    "awaiting_certification": "Awaiting certification",
    "scheduled": "Scheduled",
    "public": "Public",
    "withdrawn": "Withdrawn",
}
PUBS_COLUMNS = ("Title", "Kind", "Goes public on", "Status")
PUBS_NONE = "There are no publications in this list."
PUBS_NEW_LINK = "Publish a report or leaflet"
PUB_NEW_TITLE = "Publish a report or leaflet: the PDF"
PUB_NEW_FIELDS_TITLE = "Publish a report or leaflet: its details"
PUB_FILE = "The PDF"
PUB_FILE_HINT = "A PDF of at most {size}, without JavaScript or attachments. It goes straight to the board's storage."
PUB_UPLOAD_BUTTON = "Upload the PDF"
PUB_UPLOADED = "The PDF is uploaded. Now give its details."
PUB_KIND = "Kind of publication"
PUB_TITLE = "Title"
PUB_CASE_NAME = "Case name"
PUB_CASE_NAME_HINT = "The name the review gives the child, for example Child Q"
PUB_SUMMARY = "Summary"
PUB_LEARNING = "Learning"
PUB_KEYWORDS = "Keywords"
PUB_KEYWORDS_HINT = "Separate them with commas, for example neglect, housing"
PUB_PUBLISHED_ON = "Date on the report"
PUB_PUBLISHED_ON_HINT = "Leave empty to use the date it goes public"
PUB_PUBLISH_ON = "Date it goes public"
PUB_PUBLISH_ON_HINT = "Leave empty to publish as soon as a second publisher certifies it"
PUB_REFERRAL = "The case's reference"
PUB_REFERRAL_HINT = "When the report is about one case, for example K7QX-M4TP"
PUB_CREATE_BUTTON = "Create the publication"
PUB_CERTIFY_TITLE = "Certify"
PUB_CERTIFY_INTRO = "A second publisher, not the one who created it, checks the report before it can go public."
PUB_CERTIFY_ANONYMISATION = "I have checked the report names no child, family member, address, postcode or school"
PUB_CERTIFY_RESTRICTIONS = "I have checked the report breaches no court reporting restriction"
PUB_CERTIFY_BUTTON = "Certify the publication"
PUB_OWN_DRAFT = "You created this publication: another publisher certifies it."
PUB_WITHDRAW_TITLE = "Withdraw"
PUB_WITHDRAW_REASON = "Why it is withdrawn"
PUB_EMERGENCY = "Is this an emergency withdrawal?"
PUB_EMERGENCY_HINT = "Only the chair, and only when the report must come off the site within its 12 months"
PUB_WITHDRAW_BUTTON = "Withdraw the publication"
PUB_REPLACE_TITLE = "Replace the file of {title}"
PUB_REPLACE_LINK = "Replace the file"
PUB_REPLACE_NOTE = "What changed"
PUB_REPLACE_BUTTON = "Replace the file"
PUB_REPOSITORY_TITLE = "NSPCC national case review repository"
PUB_REPOSITORY_BUTTON = "Send it to the NSPCC repository"
PUB_DONE_CREATED = "The publication is created. A second publisher must certify it before it goes public."
PUB_DONE_CERTIFIED = "The publication is certified."
PUB_DONE_WITHDRAWN = "The publication is withdrawn."
PUB_DONE_REPLACED = "The file is replaced."
PUB_DONE_REPOSITORY = "The publication is sent to the NSPCC repository."
PUB_DETAILS = (
    ("kind", "Kind"),
    ("status", "Status"),
    ("case_name", "Case name"),
    ("summary", "Summary"),
    ("learning", "Learning"),
    ("keywords", "Keywords"),
    ("referral", "Case"),
    ("publish_on", "Goes public on"),
    ("published_on", "Date on the report"),
    ("available_until", "Kept online until at least"),
    ("retain_until", "File locked until"),
    ("size_bytes", "Size"),
    ("created_by", "Created by"),
    ("certified_by", "Certified by"),
    ("withdrawal_reason", "Withdrawn because"),
    ("repository_sent_at", "Sent to the NSPCC repository"),
)
PUB_STATUS_WORDS = {
    "awaiting_certification": "Awaiting certification",
    "scheduled": "Scheduled",
    "public": "Public",
    "withdrawn": "Withdrawn",
    "delayed": "Delayed",
}
PUB_DOWNLOAD = "Download the PDF"

# ---- figures ----------------------------------------------------------------------------
FIGURES_TITLE = "Figures"
FIGURES_INTRO = (
    "What the partnership's process did, for its yearly report: counts only, with no detail of any child or "
    "family. Dates are UK dates; working days skip weekends and England's bank holidays."
)
FIGURES_AS_OF = "As of {date}."
FIGURES_CSV = "Download the figures as CSV"
FIGURES_BY_MONTH = "By month (the last 12 months)"
FIGURES_BY_YEAR = "By year"
FIGURES_CALENDAR = "Calendar years"
FIGURES_FINANCIAL = "Financial years (April to March)"
FIGURES_NONE = "There is nothing to count yet."
FIGURES_MEASURE = "Measure"
