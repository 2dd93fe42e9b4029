import email
import json
import logging
import os

import pytest

os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-2", "AWS_REGION": "eu-west-2",
    # With current botocore, DynamoDB calls otherwise go to account-based endpoints that moto misses.
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
})
for _name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:
    del os.environ[_name]

from tests import sample  # noqa: E402

COMMITTEE = ["subcommittee@board.example", "chair@board.example"]
PUBLIC_URL = "https://case-reviews.board.example/api"


class LogCapture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture(autouse=True)
def captured_logs():
    from chalicelib.platform import logs

    logs._ensure_handler()
    handler = LogCapture()
    logger = logging.getLogger("case_review")
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)
    # Standing rule: nothing about a child, family or incident in any log line.
    sample.assert_no_personal_detail(handler.lines, "log line")


@pytest.fixture
def aws(monkeypatch):
    """A fresh moto AWS with every resource of the deployment template."""
    import boto3
    from moto import mock_aws

    from chalicelib.platform import aws as aws_clients
    from chalicelib.platform import settings as config
    from stack.provision import provision

    with mock_aws():
        stack = provision(lambda service: boto3.client(service, region_name="eu-west-2"),
                          prefix="test", parameters={"CommitteeEmails": ",".join(COMMITTEE),
                                                "PublicUrl": PUBLIC_URL})
        for name, value in stack.environment().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("NOTIFY_GRACE_SECONDS", "0")
        monkeypatch.setenv("NOTIFY_BACKOFF_SECONDS", "0")  # retries due at once; tests of the back-off set it
        config.reload()
        aws_clients.reset()
        yield stack
        # Standing rule: nothing about a child, family or incident in any email.
        sample.assert_no_personal_detail([m.raw_data for m in sent_messages()], "email")
        aws_clients.reset()
        config.reload()


@pytest.fixture
def client(aws):
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local") as test_client:
        yield test_client


def sent_messages():
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-2"].sent_messages)


def parsed_emails():
    """Every email moto's SES accepted, parsed: [(to, subject, text, html)]."""
    found = []
    for message in sent_messages():
        parsed = email.message_from_string(message.raw_data, policy=email.policy.default)
        text = parsed.get_body(("plain",)).get_content()
        html = parsed.get_body(("html",)).get_content()
        found.append((list(message.destinations), parsed["Subject"], text, html))
    return found


def post_json(client, document, headers=None):
    return client.http.post("/referrals", body=json.dumps(document),
                            headers={"Content-Type": "application/json", **(headers or {})})


def run_stream(stack):
    """Delivers the referrals table's stream to the app's handler, as Lambda would."""
    import boto3

    import app
    from stack.events import StreamPoller

    streams = boto3.client("dynamodbstreams", region_name="eu-west-2")
    arn = stack.attributes[("ReferralsTable", "StreamArn")]
    return StreamPoller(streams, arn, app.referral_emails, "referral_emails").poll_once()


def run_retry_job():
    import app
    from stack.events import LambdaContext, scheduled_event

    app.retry_referral_emails(scheduled_event("retry_referral_emails"), LambdaContext("retry"))


@pytest.fixture
def tokens(aws, monkeypatch):
    """Signed tokens for the stack's user pool, whose keys a local JWKS endpoint serves."""
    from chalicelib.platform import settings as config
    from tests.tokens import JwksServer, KeyPair, Minter

    key = KeyPair("test-key-1")
    server = JwksServer([key])
    monkeypatch.setenv("COGNITO_JWKS_URL", server.url)
    config.reload()
    conf = config.settings()
    minter = Minter(key, conf.jwt_issuer, conf.user_pool_client_id)
    minter.server = server
    yield minter
    server.close()
