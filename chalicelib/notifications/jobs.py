"""The event-driven side: the referrals stream and the retry schedule."""
from chalicelib.platform import logs
from chalicelib import services
from chalicelib.platform.settings import settings
from chalicelib.platform.logs import log


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
        reference = (record.keys or {}).get("reference", {}).get("S")
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


def daily_digest(event):
    """The sub-committee's digest of what is overdue or due soon; at most once a day."""
    logs.request_id.set(getattr(event.context, "aws_request_id", None))
    return services.reminders().send_digest()
