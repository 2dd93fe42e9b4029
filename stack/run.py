"""`make run`: the whole service on this machine, with no AWS account.

moto's server is the embedded AWS; every resource comes from the deployment
template; the API is served by Chalice's local server; the referrals stream and
the schedule drive the same handlers Lambda would. Ctrl-C stops it all.
"""

import json
import os
import signal
import sys
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGION = "eu-west-2"
SCHEDULE_SECONDS = int(os.environ.get("LOCAL_SCHEDULE_SECONDS", "30"))
# How often the referrals table's stream is read (Lambda's poller reads it about once a second; the tests
# read it more often, so that an email is not waited for).
STREAM_SECONDS = float(os.environ.get("LOCAL_STREAM_SECONDS", "1"))
COMMITTEE = ["subcommittee@board.example", "chair@board.example"]
SENDER = "case-reviews@board.example"
DEMO_USERS = [
    ("demo-subcommittee", "Subcommittee-Demo-2026!", ["subcommittee"]),
    ("demo-chair", "Chair-Demo-2026!", ["chair"]),
    ("demo-publisher", "Publisher-Demo-2026!", ["publishers"]),
    ("demo-publisher-2", "Publisher2-Demo-2026!", ["publishers"]),  # certifies what the other creates
    ("demo-coordinator", "Coordinator-Demo-2026!", ["coordinator"]),
    ("demo-partner-la", "PartnerLA-Demo-2026!", ["partner_local_authority"]),
    ("demo-partner-health", "PartnerHealth-Demo-2026!", ["partner_health"]),
    ("demo-partner-police", "PartnerPolice-Demo-2026!", ["partner_police"]),
]
# Must choose a password (and set up an authenticator app) at first sign-in, as every new account does.
NEWCOMER = ("demo-newcomer", "Newcomer-Temporary-2026!", ["subcommittee"])
PARTNERS = ["partner-la@board.example", "partner-health@board.example", "partner-police@board.example"]


def main():
    host = "127.0.0.1"
    port = int(os.environ.get("PORT", "8000"))
    aws_port = int(os.environ.get("AWS_PORT", "5000"))
    endpoint = f"http://{host}:{aws_port}"
    api_url = f"http://{host}:{port}"

    # Dummy credentials: nothing here may ever reach a real AWS account.
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_SESSION_TOKEN": "local",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        }
    )
    os.environ.pop("AWS_PROFILE", None)

    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per AWS call drowns the app's own logs

    # moto checks authenticator-app codes only when asked to (and then against one secret for all users).
    os.environ["MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP"] = "true"
    aws = ThreadedMotoServer(ip_address=host, port=aws_port, verbose=False)
    aws.start()

    import boto3

    from stack.provision import provision

    def make(service):
        return boto3.client(service, region_name=REGION, endpoint_url=endpoint)

    stack = provision(
        make,
        prefix="case-review-local",
        region=REGION,
        parameters={
            "CommitteeEmails": ",".join(COMMITTEE),
            "PartnerEmails": ",".join(PARTNERS),
            "MailSender": SENDER,
            "StaffUrl": f"{api_url}/console",
            "BoardName": "Peterborough Safeguarding Children Board",
            # Links the API gives out point here; the deployed stack gets its own PublicUrl.
            "PublicUrl": os.environ.get("PUBLIC_URL") or api_url,
            # The seed page's contact details, for the public pages' "ask for a copy".
            "BoardPhone": "01733 863744",
            "BoardEmail": "pscb@peterborough.gov.uk",
        },
    )
    users = _demo_users(make("cognito-idp"), stack.physical["UserPool"], stack.physical["UserPoolClient"])
    os.environ.update(stack.environment())
    # Locally the retry job may look at a referral after 5 seconds instead of a minute.
    os.environ.setdefault("NOTIFY_GRACE_SECONDS", "5")
    os.environ["COGNITO_JWKS_URL"] = f"{endpoint}/{stack.physical['UserPool']}/.well-known/jwks.json"

    sys.path.insert(0, ROOT)
    from chalice.cli.factory import CLIFactory

    import app as application
    from stack.events import LambdaContext, StreamPoller, run_every, scheduled_event

    if os.environ.get("DEMO_CONTENT", "1") == "1":
        from chalicelib import services
        from stack.demo import load

        demo = load(services.publications(api_url), make("s3"), stack.physical["UploadsBucket"])
        print(f"Loaded {len(demo)} demo leaflets (DEMO_CONTENT=0 to start empty).", flush=True)
        from stack.demo import load_cases

        demo_cases = load_cases(
            services.casework(),
            services.referral_store(),
            services.audit_trail(),
            make("dynamodb"),
            stack.physical["ReferralsTable"],
        )
    else:
        demo_cases = []

    # Cases stored before regimes existed keep the 2015 process (idempotent: a no-op on a fresh stack).
    from tools.migrate_regime import migrate

    migrated = migrate(make("dynamodb"), stack.physical["ReferralsTable"])
    print(f"Regime migration: {migrated['migrated']} case(s) moved to working_together_2015.", flush=True)

    factory = CLIFactory(ROOT)
    config = factory.create_config_obj(chalice_stage_name="local")
    server = _local_server(application.app, config, host, port)

    stop = threading.Event()
    poller = StreamPoller(
        make("dynamodbstreams"),
        stack.attributes[("ReferralsTable", "StreamArn")],
        application.referral_emails,
        "referral_emails",
    )
    run_every(STREAM_SECONDS, poller.poll_once, stop, "referral_emails")
    run_every(
        SCHEDULE_SECONDS,
        lambda: application.retry_referral_emails(
            scheduled_event("retry_referral_emails"), LambdaContext("retry_referral_emails")
        ),
        stop,
        "retry_referral_emails",
    )

    run_every(
        SCHEDULE_SECONDS,
        lambda: application.daily_digest(scheduled_event("daily_digest"), LambdaContext("daily_digest")),
        stop,
        "daily_digest",
    )
    run_every(
        SCHEDULE_SECONDS,
        lambda: application.publish_scheduled(scheduled_event("publish_scheduled"), LambdaContext("publish_scheduled")),
        stop,
        "publish_scheduled",
    )

    description = {
        "api_url": api_url,
        "aws_endpoint_url": endpoint,
        "region": REGION,
        "tables": {
            name: stack.physical[logical]
            for name, logical in (
                ("referrals", "ReferralsTable"),
                ("idempotency", "IdempotencyTable"),
                ("sessions", "SessionsTable"),
                ("audit", "AuditTable"),
                ("publications", "PublicationsTable"),
            )
            if logical in stack.physical
        },
        "buckets": {
            name: stack.physical[logical]
            for name, logical in (("uploads", "UploadsBucket"), ("publications", "PublicationsBucket"))
            if logical in stack.physical
        },
        "streams": {"referrals": stack.attributes[("ReferralsTable", "StreamArn")]},
        "kms_key_id": stack.physical["DataKey"],
        "user_pool_id": stack.physical["UserPool"],
        "user_pool_client_id": stack.physical["UserPoolClient"],
        "users": users,
        "mail": {
            "sender": SENDER,
            "committee": COMMITTEE,
            "partners": PARTNERS,
            "sent": f"{endpoint}/moto-api/data.json",
        },
        "demo_cases": [{"reference": reference, "shows": shows} for reference, shows in demo_cases],
    }
    stack_file = os.environ.get("STACK_FILE") or os.path.join(ROOT, ".local", "stack.json")
    os.makedirs(os.path.dirname(stack_file), exist_ok=True)
    with open(stack_file, "w", encoding="utf-8") as handle:
        json.dump(description, handle, indent=2)

    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(_banner(description), flush=True)
    try:
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.shutdown()
        aws.stop()
        print("Stopped.", flush=True)


def _local_server(app, config, host, port):
    """Chalice's local server, with its own gateway errors in our problem+json shape.

    On AWS the template's gateway responses do the same: an unknown route is a 404.
    """
    from chalice import local

    class ProblemRequestHandler(local.ChaliceRequestHandler):
        def _send_error_response(self, error):
            unknown_route = isinstance(error, local.ForbiddenError) and b"Missing Authentication Token" in (
                error.body or b""
            )
            status = 404 if unknown_route else error.CODE
            title = {401: "Unauthorized", 403: "Forbidden", 404: "Not found"}.get(status, "Error")
            body = json.dumps(
                {
                    "type": "about:blank",
                    "title": title,
                    "status": status,
                    "detail": "There is no such route." if unknown_route else title,
                }
            ).encode()
            self._send_http_response(status, {"Content-Type": "application/problem+json"}, body)

    # What chalice's own create_local_server does: a request-local current_request.
    local.CustomLocalChalice.__bases__ = (local.LocalChalice, app.__class__)
    app.__class__ = local.CustomLocalChalice
    return local.LocalDevServer(app, config, host, port, handler_cls=ProblemRequestHandler)


def _demo_users(cognito, pool_id, client_id):
    """Each demo user with its password and authenticator app (its `totp_secret`); the newcomer with neither yet."""
    users = []
    for username, password, groups in [*DEMO_USERS, NEWCOMER]:
        newcomer = (username, password, groups) == NEWCOMER
        cognito.admin_create_user(
            UserPoolId=pool_id,
            Username=username,
            MessageAction="SUPPRESS",
            UserAttributes=[
                {"Name": "email", "Value": f"{username}@board.example"},
                {"Name": "email_verified", "Value": "true"},
            ],
            **({"TemporaryPassword": password} if newcomer else {}),
        )
        for group in groups:
            cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)
        if newcomer:
            users.append({"username": username, "password": password, "groups": groups, "must_change_password": True})
            continue
        cognito.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)
        secret = _authenticator_app(cognito, pool_id, client_id, username, password)
        users.append({"username": username, "password": password, "groups": groups, "totp_secret": secret})
    return users


def _authenticator_app(cognito, pool_id, client_id, username, password):
    """Sets up the user's authenticator app as a person would, and returns its secret.

    moto lets a user without an app sign in with the password alone even though the pool requires one
    (Cognito would ask for MFA_SETUP), which is how the app gets set up here.
    """
    from stack.totp import code

    signed_in = cognito.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": username, "PASSWORD": password}
    )
    access = signed_in["AuthenticationResult"]["AccessToken"]
    secret = cognito.associate_software_token(AccessToken=access)["SecretCode"]
    cognito.verify_software_token(AccessToken=access, UserCode=code(secret), FriendlyDeviceName="Demo app")
    cognito.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    # The set-up session is not anyone's. (moto's server answers GlobalSignOut only in the default region.)
    cognito.admin_user_global_sign_out(UserPoolId=pool_id, Username=username)
    return secret


def _banner(stack):
    users = "\n".join(
        f"    {u['username']:<20} {u['password']:<26} {u.get('totp_secret') or 'new password, then app':<22} "
        f"{', '.join(u['groups'])}"
        for u in stack["users"]
    )
    cases = (
        "\n".join(f"    {c['reference']}  {c['shows']}" for c in stack["demo_cases"]) or "    (none: DEMO_CONTENT=0)"
    )
    return f"""
Case review service: local stack ready
  API           {stack["api_url"]}
  embedded AWS  {stack["aws_endpoint_url"]}  (moto; region {stack["region"]})
  tables        {", ".join(stack["tables"].values())}
  buckets       {", ".join(stack["buckets"].values())}  (publications: versioned, Object Lock)
  emails        sent mail is kept by the embedded SES: {stack["mail"]["sent"]} (ses -> RawMessage)
  user pool     {stack["user_pool_id"]}  client {stack["user_pool_client_id"]}
  demo users: username, password, authenticator app secret (moto has one for all), groups
  (a token for curl: .venv/bin/python -m stack.token demo-chair)
{users}
  demo cases (in the console, or GET /staff/referrals/<reference>, as any demo user but the publishers):
{cases}
  everything above is also in .local/stack.json

Try it:
  the staff console   {stack["api_url"]}/console   (a demo user's password, then the code from
                      .venv/bin/python -m stack.totp <secret>, or the secret in any authenticator app)
  the referral form   {stack["api_url"]}/refer
  case reviews        {stack["api_url"]}/case-reviews
  curl -s {stack["api_url"]}/referrals/schema | head -c 300
  curl -s '{stack["api_url"]}/publications?q=child+j'
  curl -s {stack["api_url"]}/publications/feed.atom | head -c 600
  .venv/bin/python -m tools.publish report.pdf --kind serious_case_review --title "..." \\
       --case-name "Child X" --summary "..."      (signs in as the demo publisher)
  curl -si -X POST {stack["api_url"]}/referrals -H 'Content-Type: application/json' \\
       -H "Idempotency-Key: $(python3 -c 'import uuid; print(uuid.uuid4())')" \\
       --data @tests/data/referral.json

Ctrl-C stops it all.
"""


if __name__ == "__main__":
    main()
