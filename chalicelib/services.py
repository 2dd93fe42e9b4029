"""Builds the service objects from configuration and lazily made clients."""

from chalicelib.platform import aws, clock
from chalicelib.platform.settings import settings


def referral_store():
    from chalicelib.referrals.store import ReferralStore

    conf = settings()
    return ReferralStore(
        aws.client("dynamodb"),
        conf.referrals_table,
        conf.idempotency_table,
        conf.timeline_regime,
        conf.idempotency_hours,
        clock.board_holidays(),
    )


def outbox():
    from chalicelib.notifications.outbox import Outbox

    return Outbox(aws.client("dynamodb"), aws.client("sesv2"), settings())


def audit_trail():
    from chalicelib.casework.audit import AuditTrail

    return AuditTrail(aws.client("dynamodb"), settings().audit_table)


def casework():
    from chalicelib.casework.workflow import Casework

    return Casework(aws.client("dynamodb"), settings(), audit_trail())


def reminders():
    from chalicelib.notifications.digest import Reminders

    return Reminders(aws.client("dynamodb"), aws.client("sesv2"), settings())


def case_facts():
    from chalicelib.casework.facts import CaseFactsReader

    return CaseFactsReader(aws.client("dynamodb"), settings().referrals_table)


def publications(base_url=""):
    from chalicelib.publications.store import Publications

    return Publications(
        aws.client("s3"), aws.client("dynamodb"), settings(), base_url, audit_trail(), case_facts(), aws.client("sesv2")
    )
