"""Each function's AWS calls, run on moto with IAM enforced and exactly that function's policy.

moto checks every request against the caller's IAM policies once enforcement is on
(`settings.INITIAL_NO_AUTH_ACTION_COUNT`). Each function gets an IAM user whose only policy is
its own `.chalice/policy-<function>.json`, resolved against the local stack's names, and runs
what the function really does (the API's routes, the stream handler, the retry job, the digest)
with that user's keys. A right the code needs and the file lacks is an AccessDenied here; a right
the file grants and no run used fails the excess check.

moto's enforcement is completed where AWS authorises differently from what moto checks:
DynamoDB and SES requests are authorised against the table, index, stream or sender identity they
name (moto checks them against `*`), a transaction per item as AWS does (PutItem,
UpdateItem, ConditionCheckItem...), not as one `TransactWriteItems` action, and reading a named
object version needs s3:GetObjectVersion, a locked write s3:PutObjectRetention, and a presigned
upload is its signer's PutObject. What AWS alone decides
(kms:ViaService conditions, ListBucket's 403-for-404, GetObjectRetention's hiding of a lock) is left
to tests/test_package.py and listed in the README ("What the local stack cannot prove").
"""

import contextlib
import json
import os
import re
from datetime import date, timedelta

import boto3
import pytest
from moto import settings as moto_settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.iam import access_control

from chalicelib.platform import clock
from tests import aws_calls, sample
from tests.conftest import post_json
from tests.test_publications import PDF, certify, metadata
from tests.test_staff import CHAIR, COORD, PUB, SUB, call

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGION = "eu-west-2"
FUNCTIONS = (
    "api_handler",
    "referral_emails",
    "retry_referral_emails",
    "daily_digest",
    "mail_events",
    "publish_scheduled",
)
# Rights Lambda itself uses with the function's role, not the function's code: its log group, the key
# behind encrypted resources (never called directly, only through DynamoDB, S3 or SQS), the stream
# discovery and failure destination of the event source mapping. tests/test_package.py derives these.
PLATFORM_ACTIONS = {
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "dynamodb:ListStreams",
    "sqs:SendMessage",
}
# Needed on AWS only: without ListBucket S3 answers a missing key with 403, not 404 (moto always says 404);
# without GetObjectRetention HeadObject hides an object's lock (moto always shows it).
AWS_ONLY_RIGHTS = {("s3:ListBucket", "UploadsBucket"), ("s3:GetObjectRetention", "PublicationsBucket/*")}
_ARN_REFERENCE = re.compile(r"\$\{([A-Za-z0-9]+)\.(Arn|StreamArn)\}")
_ITEM_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}


def _policy(stack, function):
    """The function's policy file, resolved, less Lambda's own statements (their log groups and queue are AWS-only)."""
    with open(os.path.join(ROOT, ".chalice", f"policy-{function}.json"), encoding="utf-8") as handle:
        document = json.load(handle)
    document["Statement"] = [s for s in document["Statement"] if not set(_actions(s)) <= PLATFORM_ACTIONS]
    return _resolved(stack, document)


def _actions(statement):
    return statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]


def _resolved(stack, value):
    """The policy with the local stack's ARNs for the template's references."""
    if isinstance(value, list):
        return [_resolved(stack, item) for item in value]
    if not isinstance(value, dict):
        return value
    if "Fn::Sub" in value:
        text, variables = (value["Fn::Sub"], {}) if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"]
        text = _ARN_REFERENCE.sub(lambda m: stack.attributes[(m.group(1), m.group(2))], text)
        for name, expression in variables.items():
            text = text.replace(f"${{{name}}}", str(stack.resolve(expression)))
        return stack.resolve(
            {
                "Fn::Sub": re.sub(
                    r"\$\{(?!AWS::)([A-Za-z0-9]+)\}", lambda m: str(stack.resolve({"Ref": m.group(1)})), text
                )
            }
        )
    if "Fn::GetAtt" in value or "Ref" in value:
        return stack.resolve(value)
    return {key: _resolved(stack, item) for key, item in value.items()}


class Enforcer:
    """IAM enforcement on for everything after provisioning, and a record of every right used."""

    def __init__(self, stack, monkeypatch):
        self.stack = stack
        self.used = set()  # (user, action, resource ARN)
        self.denied = []
        self.iam = boto3.client("iam", region_name=REGION)
        self.keys = {}
        for function in FUNCTIONS:
            self.keys[function] = self._user(function, _policy(stack, function))
        original = access_control.IAMRequestBase.check_action_permitted
        enforcer = self

        def check(request, resource):
            for action, arn in enforcer.requested(request, resource):
                saved, request._action = request._action, action
                try:
                    original(request, arn)
                except Exception:
                    enforcer.denied.append((request._access_key.arn.rsplit("/", 1)[1], action, arn))
                    raise
                finally:
                    request._action = saved
                enforcer.used.add((request._access_key.arn.rsplit("/", 1)[1], action, arn))

        monkeypatch.setattr(access_control.IAMRequestBase, "check_action_permitted", check)
        monkeypatch.setattr(moto_settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
        # AWS authorises sign-in (InitiateAuth, RespondToAuthChallenge, RevokeToken...) by the app client, session
        # or token, never by IAM; moto knows only some of them as such and would refuse the others' unsigned calls.
        monkeypatch.setattr(
            ActionAuthenticatorMixin,
            "PUBLIC_OPERATIONS",
            sorted(
                set(ActionAuthenticatorMixin.PUBLIC_OPERATIONS)
                | {
                    f"AWSCognitoIdentityProviderService.{name}"
                    for op, name in aws_calls.operations("cognito-idp").items()
                    if aws_calls.unsigned("cognito-idp", op)
                }
            ),
        )
        self.monkeypatch = monkeypatch

    def remove_users(self):
        """The embedded AWS outlives the test: take the functions' users away with it."""
        with self.outside():
            for name in self.keys:
                for key in self.iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
                    self.iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
                self.iam.delete_user_policy(UserName=name, PolicyName="only")
                self.iam.delete_user(UserName=name)

    def _user(self, name, document):
        self.iam.create_user(UserName=name)
        self.iam.put_user_policy(UserName=name, PolicyName="only", PolicyDocument=json.dumps(document))
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    def requested(self, request, resource):
        """(action, resource) pairs AWS would authorise for this request."""
        service, action = request._action.split(":", 1)
        if service == "dynamodb":
            body = json.loads(request._body or b"{}")
            return _dynamodb_rights(self.stack, action, body)
        if service == "ses":
            body = json.loads(request._body or b"{}")
            sender = body["FromEmailAddress"]
            # The sender's address and its domain: the policy names both identities, as test_package derives.
            rights = [
                (f"ses:{action}", f"arn:aws:ses:{REGION}:{_account(self.stack)}:identity/{identity}")
                for identity in (sender.rsplit("@", 1)[1], sender)
            ]
            if body.get("ConfigurationSetName"):  # SES authorises the configuration set a message goes through too
                rights.append(
                    (
                        f"ses:{action}",
                        f"arn:aws:ses:{REGION}:{_account(self.stack)}:configuration-set/{body['ConfigurationSetName']}",
                    )
                )
            return rights
        if request._action == "s3:PutObject" and "retention" in request._path.partition("?")[2]:
            return [("s3:PutObjectRetention", resource)]  # moto checks PutObject; AWS, the retention's own right
        if request._action in ("s3:GetObject", "s3:DeleteObject") and "versionId=" in request._path:
            return [(request._action + "Version", resource)]  # AWS's right for a named version; moto's check omits it
        headers = {name.lower() for name in request._headers.keys()}  # noqa: SIM118 (werkzeug headers iterate as pairs)
        if request._action == "s3:PutObject" and headers & {
            "x-amz-object-lock-mode",
            "x-amz-object-lock-retain-until-date",
        }:
            return [(request._action, resource), ("s3:PutObjectRetention", resource)]  # as AWS requires
        return [(request._action, resource)]

    def act_as(self, function):
        """The function's credentials for every client made from now on (the app's and boto3's)."""
        from chalicelib.platform import aws as aws_clients

        key_id, secret = self.keys[function]
        self.monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
        self.monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
        self.monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
        aws_clients.reset()

    @contextlib.contextmanager
    def outside(self):
        """What is not a function's doing (a test's set-up, breaking SES for a failure path), with enforcement off."""
        moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")
        try:
            yield lambda service: boto3.client(service, region_name=REGION)
        finally:
            moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = 0

    def unused(self, function):
        """The policy's (action, resource) grants that no request of this function used."""
        used = {(action, arn) for user, action, arn in self.used if user == function}
        unused = set()
        for statement in _policy(self.stack, function)["Statement"]:
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for action in _actions(statement):
                for resource in resources:
                    if action in PLATFORM_ACTIONS or (action, _logical(self.stack, resource)) in AWS_ONLY_RIGHTS:
                        continue
                    pattern = re.compile(re.escape(resource).replace(r"\*", ".*") + "$")
                    if not any(a == action and pattern.match(r) for a, r in used):
                        unused.add((action, resource))
        return sorted(unused)


def _account(stack):
    return stack.attributes[("ReferralsTable", "Arn")].split(":")[4]


def _logical(stack, arn):
    """`UploadsBucket`, `PublicationsBucket/*`...: the logical id for an ARN of the local stack."""
    base, star = (arn[:-2], "/*") if arn.endswith("/*") else (arn, "")
    found = [logical for (logical, attribute), value in stack.attributes.items() if value == base]
    return found[0] + star if found else arn


def _table_arn(stack, name):
    return f"arn:aws:dynamodb:{REGION}:{_account(stack)}:table/{name}"


def _dynamodb_rights(stack, action, body):
    if action in ("TransactWriteItems", "TransactGetItems"):
        return [
            (f"dynamodb:{_ITEM_ACTIONS[kind]}", _table_arn(stack, spec["TableName"]))
            for item in body["TransactItems"]
            for kind, spec in item.items()
        ]
    if action in ("BatchGetItem", "BatchWriteItem"):
        return [(f"dynamodb:{action}", _table_arn(stack, name)) for name in body["RequestItems"]]
    if "StreamArn" in body:
        return [(f"dynamodb:{action}", body["StreamArn"])]
    if action == "GetRecords":  # the iterator names the stream only inside moto: it is the referrals table's
        return [(f"dynamodb:{action}", stack.attributes[("ReferralsTable", "StreamArn")])]
    arn = _table_arn(stack, body["TableName"])
    return [(f"dynamodb:{action}", f"{arn}/index/{body['IndexName']}" if "IndexName" in body else arn)]


@pytest.fixture
def board_on_the_2015_process(aws, monkeypatch):
    """The API's scenario walks the chair's process (its calls are the 2023 process's too)."""
    from chalicelib.platform import settings as config

    monkeypatch.setenv("TIMELINE_REGIME", "working_together_2015")
    config.reload()


@pytest.fixture
def enforced(aws, monkeypatch, board_on_the_2015_process):
    enforcer = Enforcer(aws, monkeypatch)
    yield enforcer
    enforcer.remove_users()


def _stage_upload(client, tokens, enforced, content=PDF):
    """The publisher's browser posts the file to the signed form; here the test puts it where the form says."""
    response = call(
        client, "POST", "/staff/uploads", tokens.bearer(PUB), {"filename": "child-j.pdf", "size_bytes": len(content)}
    )
    assert response.status_code == 200, response.body
    key = json.loads(response.body)["key"]
    # AWS authorises a presigned request with its signer's rights: the upload is the API function's PutObject.
    key_id, secret = enforced.keys["api_handler"]
    boto3.client("s3", region_name=REGION, aws_access_key_id=key_id, aws_secret_access_key=secret).put_object(
        Bucket=enforced.stack.physical["UploadsBucket"], Key=key, Body=content, ContentType="application/pdf"
    )
    return key


def _api_routes(client, tokens, enforced):
    """Every route family, as the website, staff and publishers use them."""
    first = post_json(client, sample.referral(), headers={"Idempotency-Key": "4f7d2a10-0000-4000-8000-000000000001"})
    assert first.status_code == 201, first.body
    again = post_json(client, sample.referral(), headers={"Idempotency-Key": "4f7d2a10-0000-4000-8000-000000000001"})
    assert again.status_code == 200 and json.loads(again.body)["reference"] == json.loads(first.body)["reference"]
    reference = json.loads(first.body)["reference"]
    assert call(client, "GET", "/referrals/schema").status_code == 200

    for path in ("/staff/referrals", "/staff/referrals?status=received", f"/staff/referrals/{reference}"):
        assert call(client, "GET", path, tokens.bearer(SUB)).status_code == 200, path
    assert (
        call(
            client,
            "POST",
            f"/staff/referrals/{reference}/recommendation",
            tokens.bearer(SUB),
            {"recommendation": "criteria_met", "rationale": "Both limbs are met."},
        ).status_code
        == 200
    )
    assert (
        call(
            client,
            "POST",
            f"/staff/referrals/{reference}/decision",
            tokens.bearer(CHAIR),
            {"decision": "serious_case_review", "rationale": "Agreed."},
        ).status_code
        == 200
    )
    for status in ("in_progress", "completed"):
        assert (
            call(
                client, "POST", f"/staff/referrals/{reference}/progress", tokens.bearer(CHAIR), {"status": status}
            ).status_code
            == 200
        )
    for path in ("/staff/audit", f"/staff/audit?reference={reference}", "/staff/referrals/export.csv"):
        assert call(client, "GET", path, tokens.bearer(CHAIR)).status_code == 200, path

    missing = call(
        client,
        "POST",
        "/staff/publications",
        tokens.bearer(PUB),
        metadata("uploads/0123456789abcdef0123456789abcdef/child-j.pdf"),
    )
    assert missing.status_code == 422, missing.body
    # The report needs its notice to the Panel first (5 working days before, under 2015).
    notice = call(
        client,
        "POST",
        f"/staff/referrals/{reference}/notices",
        tokens.bearer(COORD),
        {
            "to": "panel",
            "purpose": "The final report, before publication",
            "given_on": (clock.today() - timedelta(days=14)).isoformat(),
        },
    )
    assert notice.status_code == 201, notice.body
    created = call(
        client,
        "POST",
        "/staff/publications",
        tokens.bearer(PUB),
        metadata(_stage_upload(client, tokens, enforced), kind="serious_case_review", referral=reference),
    )
    assert created.status_code == 201, created.body
    item = certify(client, tokens, json.loads(created.body)["id"])
    assert item["status"] == "public", item
    assert call(client, "GET", "/staff/publications", tokens.bearer(PUB)).status_code == 200
    sent = call(client, "POST", f"/staff/publications/{item['id']}/repository-submission", tokens.bearer(PUB))
    assert sent.status_code == 200, sent.body
    replaced = call(
        client,
        "POST",
        f"/staff/publications/{item['id']}/file",
        tokens.bearer(CHAIR),
        {"upload_key": _stage_upload(client, tokens, enforced, PDF + b"% corrected\n")},
    )
    assert replaced.status_code == 200, replaced.body
    for path in (
        "/publications",
        "/publications?q=child+j",
        "/publications?kind=serious_case_review",
        "/publications/register",
        "/publications/feed.atom",
        f"/publications/{item['id']}",
        f"/publications/{item['id']}/file",
    ):
        assert call(client, "GET", path).status_code in (200, 302), path
    old = certify(
        client,
        tokens,
        json.loads(
            call(
                client,
                "POST",
                "/staff/publications",
                tokens.bearer(PUB),
                metadata(_stage_upload(client, tokens, enforced)),
            ).body
        )["id"],
    )
    with clock.frozen(clock.end_of_london_day(date.fromisoformat(old["available_until"])) + timedelta(hours=12)):
        withdrawn = call(
            client,
            "POST",
            f"/staff/publications/{old['id']}/withdrawal",
            tokens.bearer(PUB),
            {"reason": "Twelve months are up."},
        )
    assert withdrawn.status_code == 200, withdrawn.body
    # The partners' response and a learning brief, scheduled for a later date: the scheduled job (its own
    # function) makes them public then; the first moves the case to published, the second finds it so.
    later = clock.today() + timedelta(days=10)
    scheduled = []
    for kind in ("partners_response", "learning_brief"):
        draft = call(
            client,
            "POST",
            "/staff/publications",
            tokens.bearer(PUB),
            metadata(
                _stage_upload(client, tokens, enforced),
                kind=kind,
                referral=reference,
                publish_on=later.isoformat(),
                published_on=later.isoformat(),
            ),
        )
        assert draft.status_code == 201, draft.body
        certified = certify(client, tokens, json.loads(draft.body)["id"])
        assert certified["status"] == "scheduled", certified
        scheduled.append(certified["id"])
    return reference, scheduled, later


def _publish_scheduled(enforced, reference, publication_ids, day):
    """The job makes the scheduled document public; as the first for its case, the case becomes published."""
    from app import publish_scheduled
    from stack.events import LambdaContext, scheduled_event

    with enforced.outside() as aws_client:  # set-up: as if the earlier report had not gone public
        aws_client("dynamodb").update_item(
            TableName=enforced.stack.physical["ReferralsTable"],
            Key={"reference": {"S": reference}},
            UpdateExpression="SET #s = :c",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":c": {"S": "completed"}},
        )
    enforced.act_as("publish_scheduled")
    with clock.frozen(clock.end_of_london_day(day) - timedelta(hours=12)):
        done = publish_scheduled(scheduled_event("publish_scheduled"), LambdaContext("publish_scheduled"))
    assert sorted(done["public"]) == sorted(publication_ids), done


def _poll_stream(enforced):
    """Lambda's poller reads the stream with the function's role, then calls the handler."""
    import app
    from stack.events import StreamPoller

    key_id, secret = enforced.keys["referral_emails"]
    streams = boto3.client(
        "dynamodbstreams", region_name=REGION, aws_access_key_id=key_id, aws_secret_access_key=secret
    )
    arn = enforced.stack.attributes[("ReferralsTable", "StreamArn")]
    return StreamPoller(streams, arn, app.referral_emails, "referral_emails").poll_once()


def _retry_job():
    import app
    from stack.events import LambdaContext, scheduled_event

    app.retry_referral_emails(scheduled_event("retry_referral_emails"), LambdaContext("retry"))


def _digest(enforced, reference):
    """A run that sends, one that finds the day's digest sent, and one whose send fails and gives the day back."""
    from chalicelib import services
    from chalicelib.platform import clock

    holidays = clock.board_holidays()
    late = holidays.add_working_days(clock.today() + timedelta(days=40), 1)  # the decision clock is overdue
    enforced.act_as("daily_digest")
    reminders = services.reminders()
    assert reminders.send_digest(late) == "sent"
    assert reminders.send_digest(late) == "already_sent"
    with enforced.outside() as aws_client:
        aws_client("sesv2").delete_email_identity(EmailIdentity=enforced.stack.physical["SenderIdentity"])
    assert reminders.send_digest(holidays.add_working_days(late, 1)) == "failed"
    with enforced.outside() as aws_client:
        aws_client("sesv2").create_email_identity(EmailIdentity=enforced.stack.physical["SenderIdentity"])


def _console_session():
    """A console session's life (as the API's role): signed in, read, refreshed, signed out; its case list."""
    import time

    from chalicelib.actors import Identity
    from chalicelib.web import console

    class Tokens:
        refresh_token = "refresh"  # noqa: S105  (not a secret: the store only keeps it)
        expires_at = int(time.time()) + 300

    store = console.sessions()
    person = Identity("subject", "demo-chair", frozenset({"chair"}), "id")
    cookie, _ = store.sign_in(person, Tokens)
    found = store.find(cookie)
    store.refreshed(found, person, Tokens)
    store.end(found)
    assert store.find(cookie) is None
    # The console's case list and figures read the cases a hundred at a time.
    from chalicelib import services

    assert services.casework().board(person, "203.0.113.9")
    assert services.casework().figures(person, "203.0.113.9")["measures"]


def _every_function(client, tokens, enforced):
    enforced.act_as("api_handler")
    reference, scheduled, day = _api_routes(client, tokens, enforced)
    _console_session()
    waiting = post_json(client, sample.referral())  # still received: the digest lists it
    assert waiting.status_code == 201
    enforced.act_as("referral_emails")
    _poll_stream(enforced)
    # A referral whose emails the stream did not send (it was down): the retry job sends them.
    enforced.act_as("api_handler")
    assert post_json(client, sample.referral()).status_code == 201
    enforced.act_as("retry_referral_emails")
    _retry_job()
    _digest(enforced, json.loads(waiting.body)["reference"])
    _bounce(enforced, json.loads(waiting.body)["reference"])
    _publish_scheduled(enforced, reference, scheduled, day)


def _bounce(enforced, reference):
    """SES reports that the referrer's acknowledgement bounced: the mail events function records it."""
    from tests.test_outbox_failures import deliver_ses_event, ses_event

    with enforced.outside() as aws_client:
        item = aws_client("dynamodb").get_item(
            TableName=enforced.stack.physical["ReferralsTable"], Key={"reference": {"S": reference}}
        )["Item"]
    enforced.act_as("mail_events")
    deliver_ses_event(ses_event(reference, "referrer_ack", item["email_referrer_ack_message_id"]["S"]))
    with enforced.outside() as aws_client:
        item = aws_client("dynamodb").get_item(
            TableName=enforced.stack.physical["ReferralsTable"], Key={"reference": {"S": reference}}
        )["Item"]
    assert item["email_referrer_ack"]["S"] == "bounced"


def test_each_function_runs_with_exactly_its_own_policy(client, tokens, enforced):
    try:
        _every_function(client, tokens, enforced)
    finally:
        assert enforced.denied == [], f"rights a function needed and its policy lacks: {enforced.denied}"
    for function in FUNCTIONS:
        assert enforced.unused(function) == [], f"{function}: {enforced.unused(function)}"
    assert {user for user, _, _ in enforced.used} >= set(FUNCTIONS)


def test_a_right_missing_from_a_policy_is_access_denied(client, tokens, aws, monkeypatch, board_on_the_2015_process):
    """The enforcement is real: the API's policy without the audit trail's PutItem cannot record a decision."""
    original = _policy

    def without_audit_append(stack, function):
        document = original(stack, function)
        if function == "api_handler":
            for statement in document["Statement"]:
                if statement["Sid"] == "AuditAppendAndReadOnly":
                    statement["Action"] = ["dynamodb:Query"]
        return document

    monkeypatch.setattr(f"{__name__}._policy", without_audit_append)
    enforcer = Enforcer(aws, monkeypatch)
    try:
        enforcer.act_as("api_handler")
        reference = json.loads(post_json(client, sample.referral()).body)["reference"]
        refused = call(
            client,
            "POST",
            f"/staff/referrals/{reference}/recommendation",
            tokens.bearer(SUB),
            {"recommendation": "criteria_met", "rationale": "Both limbs are met."},
        )
    finally:
        enforcer.remove_users()
    assert refused.status_code in (500, 503), refused.body
    assert ("api_handler", "dynamodb:PutItem", aws.attributes[("AuditTable", "Arn")]) not in enforcer.used


def test_staff_sign_in_needs_no_right(enforced, monkeypatch):
    """Every step of signing in, as the API function's IAM user: Cognito authorises them without IAM, so the
    API's policy grants no Cognito right and none is used."""
    from chalicelib.web.signin import MFA, MFA_SETUP, NEW_ACCOUNT, SIGNED_IN, SignIn
    from stack.totp import code

    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
    pool = enforced.stack.physical["UserPool"]
    with enforced.outside() as make:
        idp = make("cognito-idp")
        idp.admin_create_user(
            UserPoolId=pool, Username="newcomer", TemporaryPassword="Temporary-Pass-2026!", MessageAction="SUPPRESS"
        )
    enforced.act_as("api_handler")
    sign_in = SignIn()
    first = sign_in.password("newcomer", "Temporary-Pass-2026!")
    assert first.step == NEW_ACCOUNT
    setup = sign_in.new_password("newcomer", first.challenge, "Newcomer-Chosen-2026!")
    assert setup.step == MFA_SETUP
    app = sign_in.mfa_secret("newcomer", setup.challenge)
    assert sign_in.mfa_setup("newcomer", app.challenge, code(app.secret)).step == SIGNED_IN
    again = sign_in.password("newcomer", "Newcomer-Chosen-2026!")
    assert again.step == MFA
    tokens = sign_in.code("newcomer", again.challenge, code(app.secret)).tokens
    assert sign_in.refresh(tokens.refresh_token).access_token
    sign_in.sign_out(tokens.refresh_token)
    sign_in.sign_out_everywhere(tokens.access_token)
    assert enforced.denied == []
    assert not [action for _, action, _ in enforced.used if action.startswith("cognito-idp:")]
