"""The one place that makes AWS clients.

Clients are built on first use, never at import time, so a cold start only pays for
the services its route touches. `AWS_ENDPOINT_URL` (and boto's per-service
`AWS_ENDPOINT_URL_<SERVICE>`) points them at the local stack or at moto.
"""

import threading

from chalicelib.platform.settings import settings

_clients = {}
_session = []  # one botocore session per process: it caches models and credentials
_lock = threading.Lock()

# Short timeouts and few retries: a website is waiting, and an outage should become a
# quick 503 rather than a Lambda timeout. One call's worst case, every attempt timing out,
# is ATTEMPTS x (CONNECT + READ) plus standard mode's backoff (at most 1 s, then 2 s):
# 3 x 5 + 3 = 18 s, inside the API function's 28 s (.chalice/config.json) and API Gateway's
# 29 s. In-region connects take milliseconds and DynamoDB, SES and S3 answer a request's
# first byte well within a second; READ bounds each socket read, not a whole 50 MiB body.
CONNECT_SECONDS = 1
READ_SECONDS = 4
ATTEMPTS = 3
_TIMEOUTS = {
    "connect_timeout": CONNECT_SECONDS,
    "read_timeout": READ_SECONDS,
    "retries": {"total_max_attempts": ATTEMPTS, "mode": "standard"},
}


def client(service):
    found = _clients.get(service)
    if found is not None:
        return found
    with _lock:  # creating clients from one session is not thread-safe
        if service not in _clients:
            # botocore directly: boto3 adds nothing these low-level clients use, and its
            # import costs the cold start another 5-10 ms.
            import botocore.session
            from botocore.config import Config

            conf = settings()
            if not _session:
                _session.append(botocore.session.get_session())
            _clients[service] = _session[0].create_client(
                service,
                region_name=conf.region,
                # endpoint_url stays unset so botocore honours AWS_ENDPOINT_URL and
                # AWS_ENDPOINT_URL_<SERVICE> from the environment.
                config=Config(**_TIMEOUTS, **_extra(service)),
            )
        return _clients[service]


def local_endpoint(service):
    """The endpoint botocore is pointed at instead of AWS (the local stack's moto), or None on AWS."""
    import os

    return os.environ.get(f"AWS_ENDPOINT_URL_{service.upper().replace('-', '_')}") or os.environ.get("AWS_ENDPOINT_URL")


def _extra(service):
    if service != "s3":
        return {}
    # Signed URLs go to browsers. On AWS, the regional virtual-hosted name
    # (bucket.s3.eu-west-2.amazonaws.com) answers without a redirect; a local
    # endpoint (127.0.0.1:port) can only be addressed by path.
    local = local_endpoint("s3")
    return {"signature_version": "s3v4", "s3": {"addressing_style": "path" if local else "virtual"}}


def reset(keep_session=False):
    """Drop every client (after the environment or the mock changes).

    `keep_session` is for tests: botocore's session holds the loaded service models but no
    endpoint or setting (clients read those when they are made), and loading the models again
    costs more than most tests.
    """
    with _lock:
        _clients.clear()
        if not keep_session:
            _session.clear()


def error_code(exc):
    """The AWS error code of a botocore ClientError, or None."""
    response = getattr(exc, "response", None) or {}
    return response.get("Error", {}).get("Code")


def is_unavailable(exc):
    """True when the failure is the dependency being down or throttled, not our request."""
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, ClientError):
        code = error_code(exc) or ""
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return status >= 500 or code in {
            "ThrottlingException",
            "ProvisionedThroughputExceededException",
            "RequestLimitExceeded",
            "ServiceUnavailable",
            "InternalServerError",
            "TransactionInProgressException",
            "TooManyRequestsException",  # Cognito's (and Lambda's) throttling of the account's request rate
        }
    return isinstance(exc, BotoCoreError)


def is_transaction_conflict(exc):
    """True when a DynamoDB transaction met another change to the same item: nothing was written."""
    code = error_code(exc)
    if code == "TransactionConflictException":
        return True
    if code == "TransactionCanceledException":
        reasons = [reason.get("Code") for reason in exc.response.get("CancellationReasons", [])]
        return "TransactionConflict" in reasons and not {"ConditionalCheckFailed", "ValidationError"} & set(reasons)
    return False
