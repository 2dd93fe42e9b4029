"""Fixtures: the embedded AWS, the app's test client, signed staff tokens, and the standing privacy checks.

The embedded AWS (moto, with every resource of `.chalice/resources.json`) is provisioned once per
test session (once per worker under pytest-xdist) and emptied before each test that asks for it;
the signing key and the JWKS endpoint that serves it are made once too. Each test still starts from
what a fresh deployment holds: no items, no stream records, no objects, no sent email, no users.
"""

import email.policy
import json
import logging
import os

import pytest

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-west-2",
        "AWS_REGION": "eu-west-2",
        # With current botocore, DynamoDB calls otherwise go to account-based endpoints that moto misses.
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    }
)
for _name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:
    del os.environ[_name]

from tests import sample  # noqa: E402

COMMITTEE = ["subcommittee@board.example", "chair@board.example"]
REGION = "eu-west-2"
PUBLIC_URL = "https://case-reviews.board.example/api"


def pytest_collection_modifyitems(items):
    # Schemathesis names each operation's test `test_x[GET /path]`, but under pytest 9 its items' node ids
    # all read `test_x` (it passes the bare name as `originalname`, from which pytest now builds the id).
    # pytest-xdist tells the tests apart by node id: with one id for 31 tests its workers disagree.
    for item in items:
        name, original = item.name, getattr(item, "originalname", item.name)
        if name != original and name.startswith(original + "[") and item.nodeid.endswith("::" + original):
            item._id = item.parent.id.child(original).with_params(name[len(original) + 1 : -1])

    # First the tests that use Chromium, then the others that use `make run` (so that each is done with in
    # one stretch, and let go early: `pytest_runtest_teardown`), then the slowest in-process modules (`make
    # test` prints the slowest tests): under pytest-xdist the last tests each worker runs are short ones, and
    # both workers finish together.
    def order(item):
        slow = SLOW_FIRST.index(item.path.name) if item.path.name in SLOW_FIRST else len(SLOW_FIRST)
        return ("chromium" not in item.fixturenames, "local_stack" not in item.fixturenames, slow)

    items.sort(key=order)
    unlisted = {item.nodeid.split("::")[0] for item in items if "local_stack" in item.fixturenames} - STACK_MODULES
    assert not unlisted, f"{unlisted} use `make run`: add them to STACK_MODULES (tests/conftest.py)"


# Session fixtures whose tests run in one stretch (see the order above), by name: each is let go after the
# last test that uses it, not at the end of the session. A browser and a `make run` left standing kept using
# the CPU the remaining in-process tests needed, and stopping them at the end made everyone wait.
LET_GO_EARLY = {}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    result = yield
    if nextitem is not None:
        for name in [n for n in LET_GO_EARLY if n in item.fixturenames and n not in nextitem.fixturenames]:
            LET_GO_EARLY.pop(name)()
    return result


SLOW_FIRST = [
    "test_validation_fast_path.py",
    "test_openapi_fuzz.py",
    "test_casework_2023.py",
    "test_figures.py",
    "test_iam_enforced.py",
]

# How pytest-xdist shares the tests out. A module whose tests share one costly module-scoped fixture
# (packaging the template and bundle) stays whole, in one worker. The modules that drive `make run` (and
# Chromium) go, as one block, to one worker: a second stack and a second browser cost each worker seconds
# to start, and the two browsers and stacks then fought for the two cores. Every other test goes to
# whichever worker is free.
WHOLE_MODULES = {"tests/test_package.py"}
STACK_MODULES = {"tests/test_browser.py", "tests/test_console_browser.py", "tests/test_local_stack.py"}


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: without it installed, tests run in one process
def pytest_xdist_make_scheduler(config, log):
    # xdist's own `xdist_group` mark does nothing under pytest 9 (it renames `_nodeid`, no longer read).
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            path = nodeid.split("::", 1)[0]
            if path in STACK_MODULES:
                return "stack"
            return path if path in WHOLE_MODULES else nodeid

    return Scheduling(config, log)


def pytest_unconfigure(config):
    if hasattr(config, "workerinput"):  # a pytest-xdist worker, its results already with the controller
        import atexit

        # Its interpreter then spent about 2 s taking its heap apart (moto's tables, hypothesis's caches,
        # every module), and the whole run waited for it to exit.
        atexit.register(_exit_at_once)


def _exit_at_once():
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


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


class EmbeddedAws:
    """moto holding the deployment template's resources: provisioned once, emptied before each test.

    The mock is on while tests that ask for `aws` run, and switched off, with its data kept, before any
    other test (`aws_only_where_asked`). Switching it on costs milliseconds (moto registers its URL patterns
    again), so it stays on from one such test to the next. When something took the stack
    away (a test that starts its own `mock_aws()` resets every backend when it ends; a test may
    delete a table or the sender identity) the stack is provisioned again from nothing.

    Emptying works on moto's backends directly, not through the API: deleting items would put
    REMOVE records on the referrals stream, and Object Lock (COMPLIANCE) refuses to delete the
    versions of a published report, as it should. `tests/test_embedded_aws.py` proves that every
    kind of leftover is gone afterwards, so a moto upgrade that moves these internals fails there.
    """

    def __init__(self):
        from moto import mock_aws

        # boto3's default session outlives each test (its credentials are this file's dummies):
        # loading botocore's service models afresh for every test costs more than most tests.
        self._mock = mock_aws(config={"core": {"reset_boto3_session": False}})
        self.stack = None
        self.on = False

    def open(self):
        from moto.core.custom_responses_mock import reset_responses_mock
        from moto.core.models import responses_mock

        if not self.on:
            reset_responses_mock(responses_mock)  # every start registers moto's URL patterns again
            self._mock.start(reset=False)
            self.on = True
        try:
            if self.stack is not None and self._intact():
                self.empty()
            else:
                self._provision()
        except BaseException:
            self.close()  # or every later test, the ones without `aws` too, would run inside the mock
            raise
        return self.stack

    def close(self):
        if self.on:
            self._mock.stop(remove_data=False)
            self.on = False

    def _provision(self):
        import boto3

        from stack.provision import provision

        self._mock.reset()  # whatever is left of an earlier stack
        self.stack = provision(
            lambda service: boto3.client(service, region_name=REGION),
            prefix="test",
            parameters={"CommitteeEmails": ",".join(COMMITTEE), "PublicUrl": PUBLIC_URL},
        )

    def _intact(self):
        """Every resource is still there, and of a kind `empty()` knows (else: provisioned afresh, slow but clean)."""
        known = all(self._kind(logical) in _MOTO_LOOKUPS for logical in self.stack.physical)
        return known and all(thing is not None for thing in self._live().values())

    def _kind(self, logical):
        return self.stack.template["Resources"][logical]["Type"]

    def _live(self):
        """The moto objects behind the stack's resources, by logical id (None for one that is gone).

        Looked up afresh each time: a failed DynamoDB transaction puts copies of the tables in place.
        """
        found = {}
        for logical, physical in self.stack.physical.items():
            lookup = _MOTO_LOOKUPS.get(self._kind(logical))
            if lookup is not None:
                found[logical] = lookup(self.stack, self.stack.template["Resources"][logical], physical)
        return found

    def empty(self):
        """Takes out everything a test can leave behind, keeping every resource as provisioned."""
        from moto.dynamodbstreams.models import dynamodbstreams_backends
        from moto.ses.models import ses_backends

        live = self._live()
        groups = {
            self.stack.physical[logical] for logical in live if self._kind(logical) == "AWS::Cognito::UserPoolGroup"
        }
        for logical, thing in live.items():
            kind = self._kind(logical)
            if kind == "AWS::DynamoDB::Table":
                thing.items.clear()
                if thing.stream_shard is not None:
                    thing.stream_shard.items.clear()  # so a test's stream carries its own records only
            elif kind == "AWS::S3::Bucket":
                for _, versions in thing.keys.iterlists():
                    for version in versions:
                        if hasattr(version, "dispose"):  # delete markers hold no file
                            version.dispose()
                thing.keys.clear()
                for upload in thing.multiparts.values():
                    upload.dispose()
                thing.multiparts.clear()
            elif kind == "AWS::Cognito::UserPool":
                thing.users.clear()
                for name, group in list(thing.groups.items()):
                    if name in groups:
                        group.users.clear()
                    else:  # a group a test added
                        del thing.groups[name]
        ses = ses_backends[_account()][REGION]
        ses.sent_messages.clear()
        ses.sent_message_count = 0
        ses.rejected_messages_count = 0
        dynamodbstreams_backends[_account()][REGION].shard_iterators.clear()


def _account():
    from moto.core import DEFAULT_ACCOUNT_ID

    return DEFAULT_ACCOUNT_ID


def _table(stack, spec, name):
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[_account()][REGION].tables.get(name)


def _bucket(stack, spec, name):
    from moto.s3.models import s3_backends

    return s3_backends[_account()]["aws"].buckets.get(name)


def _key(stack, spec, key_id):
    from moto.kms.models import kms_backends

    return kms_backends[_account()][REGION].keys.get(key_id)


def _user_pool(stack, spec, pool_id):
    from moto.cognitoidp.models import cognitoidp_backends

    return cognitoidp_backends[_account()][REGION].user_pools.get(pool_id)


def _user_pool_client(stack, spec, client_id):
    pool = _user_pool(stack, None, stack.resolve(spec["Properties"]["UserPoolId"]))
    return pool.clients.get(client_id) if pool is not None else None


def _user_pool_group(stack, spec, name):
    pool = _user_pool(stack, None, stack.resolve(spec["Properties"]["UserPoolId"]))
    return pool.groups.get(name) if pool is not None else None


def _email_identity(stack, spec, name):
    from moto.ses.models import ses_backends

    return ses_backends[_account()][REGION].email_identities.get(name)


def _configuration_set(stack, spec, name):
    from moto.ses.models import ses_backends

    return ses_backends[_account()][REGION].config_sets.get(name)


# Every kind of resource that stack/provision.py makes, and how to find its moto object. A kind that
# holds what a test leaves behind is also emptied in `EmbeddedAws.empty()`.
_MOTO_LOOKUPS = {
    "AWS::DynamoDB::Table": _table,
    "AWS::S3::Bucket": _bucket,
    "AWS::KMS::Key": _key,
    "AWS::Cognito::UserPool": _user_pool,
    "AWS::Cognito::UserPoolClient": _user_pool_client,
    "AWS::Cognito::UserPoolGroup": _user_pool_group,
    "AWS::SES::EmailIdentity": _email_identity,
    "AWS::SES::ConfigurationSet": _configuration_set,  # holds nothing a test leaves behind
}


_EMBEDDED = []  # the session's EmbeddedAws, once a test has asked for it


@pytest.fixture(scope="session")
def embedded_aws():
    embedded = EmbeddedAws()
    _EMBEDDED.append(embedded)
    yield embedded
    embedded.close()


@pytest.fixture(autouse=True)
def aws_only_where_asked(request):
    """A test that does not ask for `aws` runs with the mock off: its AWS calls go where it sends them."""
    if _EMBEDDED and "aws" not in request.fixturenames:
        _EMBEDDED[0].close()


@pytest.fixture
def aws(embedded_aws, monkeypatch):
    """moto with every resource of the deployment template, and nothing in them."""
    from chalicelib.platform import aws as aws_clients
    from chalicelib.platform import settings as config

    stack = embedded_aws.open()
    try:
        for name, value in stack.environment().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("NOTIFY_GRACE_SECONDS", "0")
        monkeypatch.setenv("NOTIFY_BACKOFF_SECONDS", "0")  # retries due at once; tests of the back-off set it
        config.reload()
        aws_clients.reset(keep_session=True)
        yield stack
        # Standing rule: nothing about a child, family or incident in any email, headers or body.
        sample.assert_no_personal_detail([text for m in sent_messages() for text in readable(m.raw_data)], "email")
    finally:
        aws_clients.reset(keep_session=True)
        config.reload()  # the mock stays on for the next test that asks for it (aws_only_where_asked)


@pytest.fixture
def client(aws):
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local") as test_client:
        yield test_client


def sent_messages():
    from moto.ses.models import ses_backends

    return list(ses_backends[_account()][REGION].sent_messages)


def readable(raw):
    """An email as sent and as read: quoted-printable or base64 can split or hide a word in the raw text."""
    parsed = email.message_from_string(raw, policy=email.policy.default)
    return [raw] + [part.get_content() for part in parsed.walk() if part.get_content_maintype() == "text"]


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
    return client.http.post(
        "/referrals", body=json.dumps(document), headers={"Content-Type": "application/json", **(headers or {})}
    )


def run_stream(stack):
    """Delivers the referrals table's stream (this test's records, from the first) to the app's handler."""
    import boto3

    import app
    from stack.events import StreamPoller

    streams = boto3.client("dynamodbstreams", region_name=REGION)
    arn = stack.attributes[("ReferralsTable", "StreamArn")]
    return StreamPoller(streams, arn, app.referral_emails, "referral_emails").poll_once()


def run_retry_job():
    import app
    from stack.events import LambdaContext, scheduled_event

    app.retry_referral_emails(scheduled_event("retry_referral_emails"), LambdaContext("retry"))


@pytest.fixture(scope="session")
def signing_key():
    """The user pool's signing key: an RSA key pair is slow to make, so one serves every test."""
    from tests.tokens import KeyPair

    return KeyPair("test-key-1")


@pytest.fixture(scope="session")
def jwks_servers(signing_key):
    """The JWKS endpoint, shared by the tests; a test that closes it gets a new one after it."""
    from tests.tokens import JwksServer

    servers = [JwksServer([signing_key])]
    yield servers
    if not servers[-1].closed:
        servers[-1].close()


@pytest.fixture
def tokens(aws, monkeypatch, signing_key, jwks_servers):
    """Signed tokens for the stack's user pool, whose keys a local JWKS endpoint serves."""
    from chalicelib.platform import settings as config
    from tests.tokens import JwksServer, Minter

    if jwks_servers[-1].closed:
        jwks_servers.append(JwksServer([signing_key]))
    server = jwks_servers[-1]
    # Each test gets its own JWKS URL, so the app makes it a new verifier with an empty key cache
    # (as a new Lambda container would), and counts its own fetches.
    server.reset([signing_key])
    monkeypatch.setenv("COGNITO_JWKS_URL", server.new_url())
    config.reload()
    conf = config.settings()
    minter = Minter(signing_key, conf.jwt_issuer, conf.user_pool_client_id)
    minter.server = server
    yield minter


# -- `make run`, end to end -----------------------------------------------------------------------------


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningStack(dict):
    """What `make run` describes in its STACK_FILE, plus `printed`: every line it has printed so far."""

    printed: list


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory):
    """`make run` on free ports, started once, by the test process that runs the modules using it, and shared by
    every module's tests (tests/test_local_stack.py's `stack`): starting and stopping it costs seconds.

    Each test makes its own referrals, users' sign-ins and publications, so none depends on what another left.
    """
    import signal
    import subprocess
    import threading
    import time

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    stack_file = tmp_path_factory.mktemp("stack") / "stack.json"
    env = {
        **os.environ,
        "PORT": str(free_port()),
        "AWS_PORT": str(free_port()),
        "STACK_FILE": str(stack_file),
        "LOCAL_SCHEDULE_SECONDS": "2",
        "LOCAL_STREAM_SECONDS": "0.2",
        "NOTIFY_GRACE_SECONDS": "1",
    }
    for name in [n for n in env if n.startswith("AWS_ENDPOINT_URL")]:
        env.pop(name)
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output = []
    deadline = time.time() + 120
    while time.time() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        output.append(line)
        if "Ctrl-C stops it all" in line:
            break
    else:
        process.kill()
    if not stack_file.exists():
        process.kill()
        pytest.fail("make run did not start:\n" + "".join(output))
    description = RunningStack(json.loads(stack_file.read_text()))
    description["banner"] = "".join(output)
    description.printed = output
    # Keep reading what the stack prints, so its pipe never fills, and to check it afterwards.
    drained = threading.Thread(target=lambda: output.extend(process.stdout), daemon=True)
    drained.start()

    def stop():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends

    LET_GO_EARLY["local_stack"] = stop
    yield description
    LET_GO_EARLY.pop("local_stack", None)
    stop()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("make run did not stop on Ctrl-C")
    drained.join(5)
    sample.assert_no_personal_detail(output, "line printed by the local stack")


# -- the browser tests' Chromium (tests/test_browser.py, tests/test_console_browser.py) -----------------


@pytest.fixture(scope="session")
def chromium():
    """Debian's headless Chromium, driven by Playwright: launched once, each test in its own context."""
    from tests.test_browser import ARGS, AXE, CHROMIUM

    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install chromium-headless-shell)")
    if not os.path.exists(AXE):
        pytest.fail("axe-core is missing: `make test` installs it (npm ci)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        LET_GO_EARLY["chromium"] = launched.close
        yield launched
        if LET_GO_EARLY.pop("chromium", None):
            launched.close()
