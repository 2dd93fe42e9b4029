"""Referral emails through an outbox: the referral item records what was sent.

Each email is claimed with a conditional update (pending -> sending, with a lease),
sent with SES v2, then marked sent under the same lease. Two workers (the stream
handler and the retry job) can never send the same email at the same time; a worker
that dies mid-send leaves a lease that expires, so the email is sent at least once.

An email's state (`email_<kind>`):

    pending --claim--> sending --SES accepted--> sent --SES event--> bounced | complained
                          |
                          +--failed, attempts left--> pending (not before `email_<kind>_next_at`)
                          +--failed, none left-----> failed (terminal: one ERROR line, one alert)

Attempts back off exponentially (NOTIFY_BACKOFF_SECONDS, doubling) up to NOTIFY_MAX_ATTEMPTS.
An address SES refuses, or an empty committee list, ends in `failed` instead of retrying for ever.

What goes in an email: the reference, the time, the review requested, the referring
agency and a link. Nothing about the child, the family or the incident.
"""

import html
import json
import time
import unicodedata
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from chalicelib.casework import timelines
from chalicelib.platform import items
from chalicelib.platform.items import query_all, typed, value_of
from chalicelib.platform.logs import log
from chalicelib.referrals.store import EMAILS
from chalicelib.vocabulary import WORKING_TOGETHER_2015, WORKING_TOGETHER_2023

REVIEW_NAMES = {
    "serious_case_review": "Serious Case Review",
    "multi_agency_case_review": "Multi-Agency Case Review",
    "child_safeguarding_practice_review": "Child Safeguarding Practice Review",
}


TERMINAL = ("sent", "failed", "bounced", "complained")  # nothing more to send for this email


class NoRecipients(Exception):
    """The email has nobody to go to (an empty committee list): a failure, never "sent"."""


OUTCOMES = {
    "serious_case_review": "A Serious Case Review will be held.",
    "multi_agency_case_review": "A Multi-Agency Case Review will be held, for learning.",
    "no_review": "No case review will be held.",
    "local_review": "A local child safeguarding practice review will be held.",
    "no_local_review": "No local child safeguarding practice review will be held.",
    "national_review_suggested": "The partners have suggested the case for a national review by the Child "
    "Safeguarding Practice Review Panel.",
}
DECIDERS = {
    WORKING_TOGETHER_2015: "The chair of {board}",
    WORKING_TOGETHER_2023: "The safeguarding partners of {board}",
}
CLOCK_NAMES = {
    "notification": "Notification of the incident",
    "rapid_review": "Rapid review sent to the national Panel",
    "decision": "Decision",
    "review": "Review completed",
    "publication": "Review published",
}


class Outbox:
    def __init__(self, dynamodb, ses, settings):
        self._db = dynamodb
        self._ses = ses
        self._conf = settings

    # -- the two callers -------------------------------------------------------

    def deliver(self, reference, untried_only=False):
        """Sends whatever is still pending for one referral. Returns the emails sent.

        The stream handler passes `untried_only`: it makes the first attempt at each
        email and leaves retries to the schedule. Otherwise a failing send would write
        a stream record that triggers the next send, in a tight loop against SES.
        """
        item = self._db.get_item(
            TableName=self._conf.referrals_table, Key={"reference": typed(reference)}, ConsistentRead=True
        ).get("Item")
        if item is None or "notify_pending" not in item:
            return []  # nothing waiting: no write, so no stream record, so no loop
        sent = []
        now = int(time.time())
        for email in EMAILS:
            if value_of(item, f"email_{email}") not in ("pending", "sending"):
                continue
            if untried_only and value_of(item, f"email_{email}_attempts", 0) > 0:
                continue
            if value_of(item, f"email_{email}_next_at", 0) > now:
                continue  # backing off after a failed attempt
            if self._send_one(item, email):
                sent.append(email)
        self._settle(reference)
        return sent

    def pending(self, older_than_seconds):
        """References still waiting for an email, oldest first (an index, not a scan)."""
        cutoff = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - older_than_seconds))
        kwargs = {
            "TableName": self._conf.referrals_table,
            "IndexName": "notify-pending",
            "KeyConditionExpression": "notify_pending = :yes AND received_at <= :cutoff",
            "ExpressionAttributeValues": {":yes": typed("yes"), ":cutoff": typed(cutoff)},
            "ProjectionExpression": "#r",
            "ExpressionAttributeNames": {"#r": "reference"},
        }
        for item in query_all(self._db, kwargs):
            yield items.plain(item["reference"])

    # -- one email -------------------------------------------------------------

    def _send_one(self, item, email):
        reference = items.plain(item["reference"])
        lease = self._claim(reference, email)
        if lease is None:
            return False
        attempts = lease[1]
        try:
            recipients, message = self._render(item, email)
            # SES reports bounces and complaints through the configuration set, with these tags,
            # so that `record_delivery_event` finds the email again.
            message_id = send(self._ses, self._conf, recipients, message, (("reference", reference), ("email", email)))
        except Exception as exc:
            from chalicelib.platform.aws import error_code

            self._record_failure(reference, email, lease[0], attempts, error_code(exc) or type(exc).__name__)
            return False
        self._finish(reference, email, lease[0], "sent", message_id=message_id)
        log("notification_sent", reference=reference, email=email, attempts=attempts)
        return True

    def _claim(self, reference, email):
        now = int(time.time())
        lease = now + self._conf.notify_lease_seconds
        names = {"#s": f"email_{email}", "#l": f"email_{email}_lease", "#a": f"email_{email}_attempts"}
        try:
            result = self._db.update_item(
                TableName=self._conf.referrals_table,
                Key={"reference": typed(reference)},
                UpdateExpression="SET #s = :sending, #l = :lease ADD #a :one",
                ConditionExpression="#s = :pending OR (#s = :sending AND #l < :now)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={
                    ":sending": typed("sending"),
                    ":pending": typed("pending"),
                    ":lease": typed(lease),
                    ":now": typed(now),
                    ":one": typed(1),
                },
                ReturnValues="UPDATED_NEW",
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return None  # sent already, or another worker holds it
        return lease, items.plain(result["Attributes"][names["#a"]])

    def _record_failure(self, reference, email, lease, attempts, code):
        """After a failed attempt: back off and try again, or give up once the attempts are spent."""
        if attempts >= self._conf.notify_max_attempts:
            if self._finish(reference, email, lease, "failed"):
                # The one ERROR line (and so the one alarm) for this email: the transition happens once.
                log(
                    "notification_failed",
                    level="ERROR",
                    reference=reference,
                    email=email,
                    attempts=attempts,
                    error_code=code,
                    status="failed",
                )
            return
        delay = backoff_seconds(self._conf.notify_backoff_seconds, attempts)
        self._finish(reference, email, lease, "pending", next_at=int(time.time()) + delay)
        log(
            "notification_failed",
            level="WARNING",
            reference=reference,
            email=email,
            attempts=attempts,
            error_code=code,
            status="pending",
        )

    def _finish(self, reference, email, lease, state, message_id=None, next_at=None):
        """Ends our lease with the email's new state. False when the lease was lost meanwhile."""
        names = {"#s": f"email_{email}", "#l": f"email_{email}_lease"}
        values = {":state": typed(state), ":sending": typed("sending"), ":lease": typed(lease)}
        update = "SET #s = :state REMOVE #l"
        if next_at is not None:
            names["#n"] = f"email_{email}_next_at"
            values[":n"] = typed(next_at)
            update = "SET #s = :state, #n = :n REMOVE #l"
        if message_id is not None:
            names.update({"#m": f"email_{email}_message_id", "#t": f"email_{email}_sent_at"})
            values.update({":m": typed(message_id), ":t": typed(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))})
            update = "SET #s = :state, #m = :m, #t = :t REMOVE #l"
        try:
            self._db.update_item(
                TableName=self._conf.referrals_table,
                Key={"reference": typed(reference)},
                UpdateExpression=update,
                ConditionExpression="#s = :sending AND #l = :lease",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            # Our lease ran out and another worker took over: it will record the outcome.
            log("notification_lease_lost", level="WARNING", reference=reference, email=email)
            return False
        return True

    def _settle(self, reference):
        """Takes the referral off the pending index once no email has anything left to send."""
        names = {f"#e{i}": f"email_{email}" for i, email in enumerate(EMAILS)}
        done = {f":t{i}": typed(state) for i, state in enumerate(TERMINAL)}
        try:
            self._db.update_item(
                TableName=self._conf.referrals_table,
                Key={"reference": typed(reference)},
                UpdateExpression="REMOVE notify_pending",
                ConditionExpression="attribute_exists(notify_pending) AND "
                + " AND ".join(f"(attribute_not_exists({name}) OR {name} IN ({', '.join(done)}))" for name in names),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=done,
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            pass

    # -- what SES reports afterwards ---------------------------------------------

    def record_delivery_event(self, reference, email, message_id, outcome):
        """Records a bounce or complaint on the email it concerns: `bounced` or `complained`.

        Only for the message we sent (its id), and once: a repeated event changes nothing.
        Returns whether the state changed.
        """
        try:
            self._db.update_item(
                TableName=self._conf.referrals_table,
                Key={"reference": typed(reference)},
                UpdateExpression="SET #s = :outcome",
                ConditionExpression="#s = :sent AND #m = :message_id",
                ExpressionAttributeNames={"#s": f"email_{email}", "#m": f"email_{email}_message_id"},
                ExpressionAttributeValues={
                    ":outcome": typed(outcome),
                    ":sent": typed("sent"),
                    ":message_id": typed(message_id),
                },
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    # -- what the emails say ---------------------------------------------------

    def _render(self, item, email):
        from chalicelib.platform.items import plain_item

        conf = self._conf
        reference = items.plain(item["reference"])
        regime = value_of(item, "regime", WORKING_TOGETHER_2015)
        facts = {
            "reference": reference,
            "received_at": items.plain(item["received_at"]),
            "review": REVIEW_NAMES.get(items.plain(item["review_requested"]), "Case review"),
            "agency": items.plain(item["referrer_agency"]),
            "board": conf.board_name,
        }
        if email == "decision_notice":
            document = json.loads(items.plain(item["document"]))
            recipients = [document["referrer"]["email"]]
            subject = f"Outcome of your case review referral {reference}"
            decision = value_of(item, "decision", {})
            outcome = decision.get("outcome") if isinstance(decision, dict) else decision
            lines = [
                f"{DECIDERS[regime].format(board=facts['board'])} decided on your referral {reference}:",
                "",
                OUTCOMES.get(outcome, "A decision has been recorded."),
                "",
                "Please quote the reference above if you contact us. Do not reply with case details by email.",
            ]
        elif email == "signoff_request":
            recipients = list(conf.partner_emails)
            subject = f"Rapid review {reference} is waiting for your sign-off"
            lines = [
                f"The rapid review of case {reference} has been recorded and is waiting for each safeguarding "
                "partner's sign-off.",
                "",
                f"Reference: {reference}",
                "The partners' decision is made when the local authority, health and police delegates have all "
                "signed the same outcome.",
                "",
                f"Sign off in the staff area: {conf.staff_url}/referrals/{reference}",
                "",
                "The details of the case are only in the staff area. Please do not forward this email.",
            ]
        elif email == "committee_alert":
            recipients = list(conf.committee_emails)
            subject = f"New case review referral {reference}"
            running = timelines.next_clock(plain_item(item))
            next_line = (
                f"Next: {CLOCK_NAMES[running['name']]}, due by {running['due_on']}"
                if running
                else "Next: no clock is running"
            )
            lines = [
                f"A referral for a {facts['review']} has been received.",
                "",
                f"Reference: {reference}",
                f"Received: {facts['received_at']}",
                f"Review requested: {facts['review']}",
                f"Referring agency: {facts['agency']}",
                f"Process: {_PROCESS_NAMES[regime]}",
                next_line,
                "",
                f"Read it in the staff area: {conf.staff_url}/referrals/{reference}",
                "",
                "The details of the case are only in the staff area. Please do not forward this email.",
            ]
        else:
            document = json.loads(items.plain(item["document"]))
            recipients = [document["referrer"]["email"]]
            subject = f"Your case review referral {reference}"
            lines = [
                f"Thank you. {facts['board']} has received your referral.",
                "",
                f"Reference: {reference}",
                f"Received: {facts['received_at']}",
                f"Review requested: {facts['review']}",
                "",
                "What happens next:",
                *_next_steps(regime),
                "- We will email you the outcome. Please quote the reference above if you contact us.",
                "",
                "Do not reply with case details by email.",
            ]
        if not recipients:
            raise NoRecipients()
        return recipients, compose(conf, recipients, subject, lines)


def backoff_seconds(base, attempts):
    """The wait after the `attempts`-th failure: base, 2 x base, 4 x base ... at most a day."""
    return min(base * 2 ** (attempts - 1), 24 * 3600)


def plain(text):
    """Text safe to put in an email verbatim: no bidi overrides, zero-width or other invisible format
    characters (which can make a line read differently from what it says), and no control characters."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc", "Cs", "Co"))


_PROCESS_NAMES = {
    WORKING_TOGETHER_2023: "Working Together 2023 (rapid review, the safeguarding partners decide)",
    WORKING_TOGETHER_2015: "Working Together 2015 (the sub-committee recommends, the chair decides)",
}


def _next_steps(regime):
    """What the referrer is told happens next, under the case's own regime."""
    if regime == WORKING_TOGETHER_2023:
        return [
            "- Your request is not the statutory notification: the local authority notifies the national Child",
            "  Safeguarding Practice Review Panel within "
            f"{timelines.describe(regime, 'notification')} of becoming aware of the incident.",
            "- The partnership gathers the facts from every agency involved in a rapid review,",
            f"  normally within {timelines.describe(regime, 'rapid_review')} of that notification.",
            "- The three safeguarding partners (the local authority, the integrated care board and the police)",
            "  then decide together whether a local child safeguarding practice review will be held.",
        ]
    return [
        "- The board's case review sub-committee reads every referral and recommends whether",
        "  the criteria for a review are met.",
        f"- The chair of the board decides, normally within {timelines.describe(regime, 'decision')} of the "
        "notification of the incident.",
    ]


def send(ses, conf, recipients, message, tags):
    """The one SES sender: `message` (from `compose`) from the board's sender identity to `recipients`.

    Every email goes through the configuration set, so SES reports its bounces and complaints, with
    `tags` ((name, value) pairs: at least the email's kind) for the event to find it again (`jobs`).
    Returns SES's message id.
    """
    response = ses.send_email(
        FromEmailAddress=conf.mail_sender,
        Destination={"ToAddresses": list(recipients)},
        Content={"Raw": {"Data": message.as_bytes()}},
        ConfigurationSetName=conf.mail_configuration_set,
        EmailTags=[{"Name": name, "Value": value} for name, value in tags],
    )
    return response.get("MessageId", "")


def compose(conf, recipients, subject, lines):
    """A plain-text and HTML email from the board, one paragraph per line."""
    subject, lines = plain(subject), [plain(line) for line in lines]
    message = EmailMessage()
    message["From"] = formataddr((plain(conf.board_name), conf.mail_sender))
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=conf.mail_sender.rpartition("@")[2] or None)
    text = "\n".join(lines) + "\n"
    message.set_content(text)
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" if line else "" for line in lines)
    message.add_alternative(
        f'<!doctype html><html><body style="font-family: sans-serif">{paragraphs}</body></html>',
        subtype="html",
    )
    return message
