"""The event-driven side: the referrals stream and the retry schedule."""

from chalicelib import services
from chalicelib.platform import logs
from chalicelib.platform.items import value_of
from chalicelib.platform.logs import log
from chalicelib.platform.settings import settings


def on_referral_records(event):
    """New referrals and decisions on the table's stream: send their emails now.

    The stream carries keys only (no case detail leaves the table); `deliver` reads
    the item and does nothing, and writes nothing, when no email is waiting.
    """
    logs.request_id.set(getattr(event.context, "aws_request_id", None))
    outbox = services.outbox()
    for record in event:
        if record.event_name == "REMOVE":
            continue
        reference = value_of(record.keys or {}, "reference")
        if not reference:
            continue
        try:
            outbox.deliver(reference, untried_only=True)
        except Exception as exc:  # the retry job picks it up; never block the shard
            log("notification_deferred", level="WARNING", reference=reference, error_code=type(exc).__name__)


def retry_pending_emails(event):
    """Every few minutes: referrals whose emails are still pending get another try."""
    logs.request_id.set(getattr(event.context, "aws_request_id", None))
    outbox = services.outbox()
    count = 0
    for reference in outbox.pending(settings().notify_grace_seconds):
        count += 1
        try:
            outbox.deliver(reference)
        except Exception as exc:
            log("notification_deferred", level="WARNING", reference=reference, error_code=type(exc).__name__)
    log("retry_pending_emails", job="retry_referral_emails", count=count)


# The emails about no one case (tagged with their kind only): the daily digest, the NSPCC repository's.
CASELESS_EMAILS = ("digest", "repository_submission")
# SES's event types that end an email's delivery, and the state each leaves on the email.
_DELIVERY_OUTCOMES = {"Bounce": "bounced", "Complaint": "complained"}


def on_mail_event(event):
    """SES's bounce and complaint events (through EventBridge): recorded on the email they concern.

    A permanent bounce or a complaint raises the notification alarm once (the state changes once);
    a transient bounce is SES still trying, and is only noted.
    """
    from chalicelib.referrals.store import EMAILS

    logs.request_id.set(getattr(event.context, "aws_request_id", None))
    detail = event.detail or {}
    tags = (detail.get("mail") or {}).get("tags") or {}
    reference, email = (tags.get("reference") or [None])[0], (tags.get("email") or [None])[0]
    message_id = (detail.get("mail") or {}).get("messageId")
    outcome = _DELIVERY_OUTCOMES.get(detail.get("eventType"))
    if email in CASELESS_EMAILS and message_id and outcome is not None and not reference:
        # The digest or the repository's email: no case to record it on, but a dead committee address or
        # repository inbox must still raise the alarm (its state cannot change twice: each send is new).
        if outcome == "bounced" and (detail.get("bounce") or {}).get("bounceType") == "Transient":
            log("notification_soft_bounce", level="WARNING", email=email)
        else:
            log("notification_failed", level="ERROR", email=email, status=outcome)
        return
    if not reference or email not in EMAILS or not message_id or outcome is None:
        log("mail_event_ignored", level="WARNING", kind=str(detail.get("eventType"))[:40])
        return
    if outcome == "bounced" and (detail.get("bounce") or {}).get("bounceType") == "Transient":
        log("notification_soft_bounce", level="WARNING", reference=reference, email=email)
        return
    if services.outbox().record_delivery_event(reference, email, message_id, outcome):
        log("notification_failed", level="ERROR", reference=reference, email=email, status=outcome)


def daily_digest(event):
    """The sub-committee's digest of what is overdue or due soon; at most once a day."""
    logs.request_id.set(getattr(event.context, "aws_request_id", None))
    return services.reminders().send_digest()
