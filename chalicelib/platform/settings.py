"""Every setting the service reads, in one place, from the environment.

Resource names arrive as environment variables wired by the deployment template
(or by the local stack, which reads the same template). Nothing here touches AWS.
"""

import functools
import os
from dataclasses import dataclass


def _list(value):
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def _int(name, default):
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    region: str
    aws_endpoint_url: str | None
    referrals_table: str
    idempotency_table: str
    sessions_table: str
    audit_table: str
    publications_table: str
    uploads_bucket: str
    publications_bucket: str
    max_upload_bytes: int
    public_url: str | None
    board_name: str
    mail_sender: str
    committee_emails: tuple
    partner_emails: tuple
    staff_url: str
    form_success_url: str | None
    max_body_bytes: int
    idempotency_hours: int
    timeline_regime: str
    notify_grace_seconds: int
    notify_lease_seconds: int
    notify_max_attempts: int
    notify_backoff_seconds: int
    mail_configuration_set: str
    user_pool_id: str
    user_pool_client_id: str
    jwt_issuer: str
    jwks_url: str
    token_uses: tuple
    bank_holidays: tuple
    removed_bank_holidays: tuple
    notice_working_days: int
    notice_working_days_2015: int
    repository_email: str
    # The public pages: what makes them the board's own.
    website_origin: str | None
    contact_phone: str
    contact_email: str
    header_colour: str
    logo_url: str | None
    nspcc_repository_url: str


def _regime(value):
    """The board's default regime for new cases; a retired name means its successor."""
    from chalicelib.vocabulary import REGIMES, RETIRED_REGIMES, WORKING_TOGETHER_2023

    value = RETIRED_REGIMES.get(value, value) or WORKING_TOGETHER_2023
    if value not in REGIMES:
        raise ValueError(f"TIMELINE_REGIME must be one of {', '.join(REGIMES)}")
    return value


@functools.lru_cache(maxsize=1)
def settings() -> Settings:
    env = os.environ.get
    region = env("AWS_REGION") or env("AWS_DEFAULT_REGION") or "eu-west-2"
    pool = env("USER_POOL_ID", "")
    issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool}"
    return Settings(
        region=region,
        aws_endpoint_url=env("AWS_ENDPOINT_URL") or None,
        referrals_table=env("REFERRALS_TABLE", "case-review-referrals"),
        idempotency_table=env("IDEMPOTENCY_TABLE", "case-review-idempotency"),
        sessions_table=env("SESSIONS_TABLE", "case-review-sessions"),
        audit_table=env("AUDIT_TABLE", "case-review-audit"),
        publications_table=env("PUBLICATIONS_TABLE", "case-review-publications"),
        uploads_bucket=env("UPLOADS_BUCKET", "case-review-uploads"),
        publications_bucket=env("PUBLICATIONS_BUCKET", "case-review-publications"),
        max_upload_bytes=_int("MAX_UPLOAD_BYTES", 50 * 1024 * 1024),
        # Where the public routes are reached (links in the feed); else from the request.
        public_url=(env("PUBLIC_URL") or "").rstrip("/") or None,
        board_name=env("BOARD_NAME", "Safeguarding Children Board"),
        mail_sender=env("MAIL_SENDER", ""),
        committee_emails=_list(env("COMMITTEE_EMAILS")),
        partner_emails=_list(env("PARTNER_EMAILS")),
        # The console's base, for emails' links: the service's own /console unless the board names another.
        staff_url=(
            env("STAFF_URL") or ((env("PUBLIC_URL") or "").rstrip("/") or "http://127.0.0.1:8000") + "/console"
        ).rstrip("/"),
        form_success_url=env("FORM_SUCCESS_URL") or None,
        max_body_bytes=_int("MAX_BODY_BYTES", 256 * 1024),
        idempotency_hours=_int("IDEMPOTENCY_HOURS", 24),
        timeline_regime=_regime(env("TIMELINE_REGIME")),
        notify_grace_seconds=_int("NOTIFY_GRACE_SECONDS", 60),
        notify_lease_seconds=_int("NOTIFY_LEASE_SECONDS", 120),
        # A failing email is tried this many times, waiting 5, 10, 20, 40... minutes, then marked failed.
        notify_max_attempts=_int("NOTIFY_MAX_ATTEMPTS", 6),
        notify_backoff_seconds=_int("NOTIFY_BACKOFF_SECONDS", 300),
        # SES sends bounce and complaint events for this configuration set to the mail_events handler.
        mail_configuration_set=env("MAIL_CONFIGURATION_SET", ""),
        user_pool_id=pool,
        user_pool_client_id=env("USER_POOL_CLIENT_ID", ""),
        jwt_issuer=issuer,
        # Locally the embedded AWS serves the pool's keys; on AWS, Cognito does.
        jwks_url=env("COGNITO_JWKS_URL") or f"{issuer}/.well-known/jwks.json",
        token_uses=_list(env("TOKEN_USES") or "access,id"),
        bank_holidays=_list(env("EXTRA_BANK_HOLIDAYS")),
        removed_bank_holidays=_list(env("REMOVED_BANK_HOLIDAYS")),
        # Working days before publication by which the report must have gone to the Panel (and, from 2023,
        # the Secretary of State): local procedure, so a setting.
        notice_working_days=_int("PUBLICATION_NOTICE_WORKING_DAYS", 7),
        notice_working_days_2015=_int("PUBLICATION_NOTICE_WORKING_DAYS_2015", 5),
        # The NSPCC national case review repository's submission address.
        repository_email=env("REPOSITORY_EMAIL", "repository@nspcc.org.uk"),
        # The board's website: the only origin allowed to frame the pages (and to call the API by CORS).
        website_origin=(env("WEBSITE_ORIGIN") or "").rstrip("/") or None,
        contact_phone=env("BOARD_PHONE", ""),
        contact_email=env("BOARD_EMAIL", ""),
        header_colour=env("BOARD_HEADER_COLOUR") or "#1d70b8",
        logo_url=env("BOARD_LOGO_URL") or None,
        nspcc_repository_url=env("NSPCC_REPOSITORY_URL")
        or "https://learning.nspcc.org.uk/case-reviews/national-case-review-repository",
    )


def reload():
    """Forget the cached settings (tests and the local stack change the environment)."""
    settings.cache_clear()
