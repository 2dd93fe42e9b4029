"""`make package`: the SAM template and bundle that a board deploys, checked as they come out.

The template is built once per run, exactly as a board builds it (`make package` into a
temporary folder), then linted with cfn-lint, measured, and read: its resources, its
operations, and its IAM policies against the AWS calls the code makes (tests/aws_calls.py).
"""

import json
import os
import pathlib
import re
import shutil
import subprocess
import zipfile

import pytest

from stack.lifecycle import check_publication_rules, from_template
from tests import aws_calls

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FUNCTIONS = {
    "APIHandler": "app.app",
    "ReferralEmails": "app.referral_emails",
    "RetryReferralEmails": "app.retry_referral_emails",
    "DailyDigest": "app.daily_digest",
    "MailEvents": "app.mail_events",
    "PublishScheduled": "app.publish_scheduled",
}
# cryptography (PyJWT's RS256 for staff tokens) is most of it: loaded on the first staff request only.
MAX_BUNDLE_BYTES = 7 * 1024 * 1024
# Never in the Lambda: test and dev tools, and what the Lambda runtime already has.
DEV_PACKAGES = (
    "pytest",
    "_pytest",
    "moto",
    "cfnlint",
    "samtranslator",
    "boto3",
    "botocore",
    "s3transfer",
    "werkzeug",
    "flask",
    "responses",
    "tests",
    "tools",
    "bench",
    "stack",
)
FORBIDDEN = {
    "s3:BypassGovernanceRetention",
    "s3:PutObjectLockConfiguration",
    "s3:PutBucketObjectLockConfiguration",
    "s3:DeleteBucket",
    "s3:DeleteObjectVersion",
    "dynamodb:DeleteTable",
    "dynamodb:UpdateTable",
    "kms:ScheduleKeyDeletion",
    "kms:DisableKey",
    "kms:PutKeyPolicy",
}


# `make test` makes the package just before the tests (its `test-package` target: `make package` with the
# shell's WEBSITE_ORIGIN set to this value, then checkov) and names it here; run alone, the tests make their own.
PACKAGED = os.environ.get("PACKAGED")
SHELL_ORIGIN = "https://shell.example"


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    if PACKAGED:
        build = pathlib.Path(PACKAGED)
        output = (build / "make-package.log").read_text()
    else:
        build = tmp_path_factory.mktemp("build")
        env = {**os.environ, "WEBSITE_ORIGIN": SHELL_ORIGIN}  # make must not let the shell's value leak in
        # -o: the virtualenv running this test is taken as made; make must not rebuild it under us.
        command = ["make", "--no-print-directory", "-o", ".venv/.installed", "package", "STAGE=dev", f"BUILD={build}"]
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stdout + result.stderr
        output = result.stdout + result.stderr
    out = build / "dev"
    with open(out / "sam.json", encoding="utf-8") as handle:
        template = json.load(handle)
    assert SHELL_ORIGIN not in json.dumps(template)  # the shell's WEBSITE_ORIGIN never reaches the package
    return {"dir": out, "template": template, "output": output}


@pytest.fixture(scope="module")
def template(package):
    return package["template"]


@pytest.fixture(scope="module")
def code():
    return aws_calls.Code()


@pytest.fixture(scope="module")
def needs(template, code):
    """Function -> (rights, calls, unresolved) its code needs: the analysis takes seconds, so it runs once."""
    return {function: aws_calls.needed(code, template, function) for function in FUNCTIONS}


def resources_of(template, kind):
    return {name: spec for name, spec in template["Resources"].items() if spec.get("Type") == kind}


def config():
    with open(os.path.join(ROOT, ".chalice", "config.json"), encoding="utf-8") as handle:
        return json.load(handle)


# -- the package -------------------------------------------------------------------------------------


def test_make_package_writes_a_sam_template_and_a_bundle(package, template):
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    assert (package["dir"] / "deployment.zip").is_file()
    assert aws_calls.lambda_functions(template) == FUNCTIONS


def test_cfn_lint_passes_the_template_with_no_error_or_warning(package):
    # `make package` runs cfn-lint on what it writes and fails on any error or warning (cfn-lint exits
    # non-zero for either), so the package fixture's success is the lint's; linting again here cost 3 s.
    assert re.search(r"cfn-lint \S*sam\.json", package["output"]), package["output"][-2000:]
    assert "Wrote " in package["output"]  # the line after the lint: it passed


def test_the_sam_transform_accepts_the_template_and_its_cloudformation_lints_clean(package):
    """What CloudFormation deploys is the transformed template: `make package` translates it as AWS will
    (tools/sam_transform.py) and lints it with sam.json in its one cfn-lint run (cfn-lint checks a SAM template
    against SAM's schema; dependency cycles show only after the transform)."""
    with open(package["dir"] / "cloudformation.json", encoding="utf-8") as handle:
        translated = json.load(handle)
    kinds = {spec["Type"] for spec in translated["Resources"].values()}
    assert {"AWS::Lambda::Function", "AWS::Lambda::EventSourceMapping", "AWS::ApiGateway::Stage"} <= kinds
    assert not any(kind.startswith("AWS::Serverless::") for kind in kinds)
    assert re.search(r"cfn-lint \S*sam\.json \S*cloudformation\.json", package["output"]), package["output"][-2000:]
    assert "Wrote " in package["output"]  # the line after the lint: it passed


def test_the_bundle_is_small_and_carries_no_test_or_dev_package(package):
    path = package["dir"] / "deployment.zip"
    assert path.stat().st_size < MAX_BUNDLE_BYTES
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        unpacked = sum(info.file_size for info in archive.infolist())
    tops = {name.split("/", 1)[0] for name in names}
    assert not tops & set(DEV_PACKAGES), sorted(tops & set(DEV_PACKAGES))
    assert not [
        n
        for n in tops
        if n.endswith(".dist-info") and n.split("-")[0].lower() in ("pytest", "moto", "cfn_lint", "boto3", "botocore")
    ]
    assert {"app.py", "chalicelib/schemas/referral.schema.json", "chalicelib/publications/store.py"} <= set(names)
    assert not [n for n in names if n.endswith(".pyc")]
    assert unpacked < 4 * MAX_BUNDLE_BYTES  # what Lambda unpacks stays far below its 250 MB limit, and loads fast


# -- the merge: overrides land on the functions chalice generates -------------------------------------


def test_every_override_in_the_merge_template_lands_on_a_generated_resource(template):
    typeless = [name for name, spec in template["Resources"].items() if "Type" not in spec]
    assert typeless == [], f"resources.json overrides that match nothing chalice generates: {typeless}"


def test_the_functions_get_their_settings_from_the_stack(template):
    for function in FUNCTIONS:
        variables = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        for name, table in (
            ("REFERRALS_TABLE", "ReferralsTable"),
            ("AUDIT_TABLE", "AuditTable"),
            ("IDEMPOTENCY_TABLE", "IdempotencyTable"),
            ("SESSIONS_TABLE", "SessionsTable"),
            ("PUBLICATIONS_TABLE", "PublicationsTable"),
            ("UPLOADS_BUCKET", "UploadsBucket"),
            ("PUBLICATIONS_BUCKET", "PublicationsBucket"),
            ("USER_POOL_ID", "UserPool"),
            ("USER_POOL_CLIENT_ID", "UserPoolClient"),
            ("MAIL_SENDER", "MailSender"),
            ("WEBSITE_ORIGIN", "WebsiteOrigin"),
        ):
            assert variables[name] == {"Ref": table}, (function, name)


def test_the_stream_handler_reads_the_referrals_tables_stream_with_a_failure_path(template):
    events = template["Resources"]["ReferralEmails"]["Properties"]["Events"]
    (event,) = events.values()
    source = event["Properties"]
    assert event["Type"] == "DynamoDB"
    assert source["Stream"] == {"Fn::GetAtt": ["ReferralsTable", "StreamArn"]}  # not app.py's placeholder
    assert source["MaximumRetryAttempts"] >= 1 and source["BisectBatchOnFunctionError"] is True
    queue = source["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
    queue_props = template["Resources"][queue]["Properties"]
    assert template["Resources"][queue]["Type"] == "AWS::SQS::Queue"
    assert queue_props["KmsMasterKeyId"] == {"Ref": "DataKey"}


def test_per_board_parameters_exist(template):
    for name in (
        "StageName",
        "BoardName",
        "MailSender",
        "CommitteeEmails",
        "StaffUrl",
        "FormSuccessUrl",
        "WebsiteOrigin",
        "TimelineRegime",
        "ExtraBankHolidays",
        "MaxBodyBytes",
        "MaxUploadBytes",
        "PublicationRetentionDays",
        "ApiRateLimit",
        "ApiBurstLimit",
        "ReferralRateLimit",
        "ReferralBurstLimit",
        "LogRetentionDays",
        "AlarmEmail",
        "CreateSenderIdentity",
    ):
        assert template["Parameters"][name]["Description"], name
    assert template["Parameters"]["PublicationRetentionDays"]["MinValue"] >= 366


# -- the resources the issue lists ------------------------------------------------------------------------


def test_tables_are_on_demand_encrypted_with_the_key_and_recoverable(template):
    tables = resources_of(template, "AWS::DynamoDB::Table")
    assert set(tables) == {"ReferralsTable", "IdempotencyTable", "SessionsTable", "AuditTable", "PublicationsTable"}
    for name, spec in tables.items():
        props = spec["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST", name
        assert props["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": {"Ref": "DataKey"}}
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, name
    for name in ("ReferralsTable", "AuditTable", "PublicationsTable"):
        assert tables[name]["DeletionPolicy"] == "Retain" and tables[name]["Properties"]["DeletionProtectionEnabled"]
    # Keys only on the stream: no case detail leaves the table.
    assert tables["ReferralsTable"]["Properties"]["StreamSpecification"] == {"StreamViewType": "KEYS_ONLY"}


def test_the_key_rotates_and_lets_iam_logs_and_alarms_use_it(template):
    key = template["Resources"]["DataKey"]
    assert key["Properties"]["EnableKeyRotation"] is True and key["DeletionPolicy"] == "Retain"
    statements = {s["Sid"]: s for s in key["Properties"]["KeyPolicy"]["Statement"]}
    # The account statement delegates to IAM: the functions' roles get exactly their rights there.
    assert statements["AccountAdministersAndDelegatesToIAM"]["Principal"]["AWS"] == {
        "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"
    }
    assert statements["LogsEncryptTheFunctionsLogGroups"]["Principal"]["Service"] == {
        "Fn::Sub": "logs.${AWS::Region}.amazonaws.com"
    }
    assert statements["AlarmsPublishToTheEncryptedTopic"]["Principal"]["Service"] == "cloudwatch.amazonaws.com"


def test_buckets_are_private_encrypted_and_publications_locked_for_a_year(template):
    buckets = resources_of(template, "AWS::S3::Bucket")
    assert set(buckets) == {"UploadsBucket", "PublicationsBucket"}
    for name, spec in buckets.items():
        props = spec["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"] == {
            "SSEAlgorithm": "aws:kms",
            "KMSMasterKeyID": {"Ref": "DataKey"},
        }
        policies = [
            p
            for p in resources_of(template, "AWS::S3::BucketPolicy").values()
            if p["Properties"]["Bucket"] == {"Ref": name}
        ]
        (tls,) = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
        assert tls["Effect"] == "Deny" and tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    publications = buckets["PublicationsBucket"]["Properties"]
    assert buckets["PublicationsBucket"]["DeletionPolicy"] == "Retain"
    assert publications["VersioningConfiguration"] == {"Status": "Enabled"}
    assert publications["ObjectLockEnabled"] is True
    retention = publications["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert retention == {"Mode": "COMPLIANCE", "Days": {"Ref": "PublicationRetentionDays"}}
    check_publication_rules([from_template(r) for r in publications["LifecycleConfiguration"]["Rules"]])
    (staging,) = [
        r for r in buckets["UploadsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"] if "ExpirationInDays" in r
    ]
    assert staging["ExpirationInDays"] == 1 and staging["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 1


def test_staff_sign_in_has_strong_passwords_mfa_and_its_groups(template):
    pool = template["Resources"]["UserPool"]["Properties"]
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12 and all(
        policy[k] for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols")
    )
    assert pool["MfaConfiguration"] in ("OPTIONAL", "ON") and pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    groups = {
        spec["Properties"]["GroupName"] for spec in resources_of(template, "AWS::Cognito::UserPoolGroup").values()
    }
    assert groups == {
        "subcommittee",
        "chair",
        "publishers",
        "coordinator",
        "partner_local_authority",
        "partner_health",
        "partner_police",
    }
    client = template["Resources"]["UserPoolClient"]["Properties"]
    assert client["GenerateSecret"] is False and "ALLOW_USER_SRP_AUTH" in client["ExplicitAuthFlows"]


def test_the_sender_is_an_ses_domain_identity_with_dkim(template):
    identity = template["Resources"]["SenderIdentity"]
    assert identity["Condition"] == "ShouldCreateSenderIdentity"
    props = identity["Properties"]
    assert props["EmailIdentity"] == {"Fn::Select": [1, {"Fn::Split": ["@", {"Ref": "MailSender"}]}]}
    assert props["DkimAttributes"] == {"SigningEnabled": True}
    assert props["DkimSigningAttributes"]["NextSigningKeyLength"] == "RSA_2048_BIT"
    assert {"DkimRecord1", "DkimRecord2", "DkimRecord3"} <= set(template["Outputs"])


# -- operations ---------------------------------------------------------------------------------------------


def test_the_api_is_throttled_and_the_referral_route_more_so(template):
    api = template["Resources"]["RestAPI"]["Properties"]
    settings = {(s["ResourcePath"], s["HttpMethod"]): s for s in api["MethodSettings"]}
    assert settings[("/*", "*")]["ThrottlingRateLimit"] == {"Ref": "ApiRateLimit"}
    assert settings[("/*", "*")]["ThrottlingBurstLimit"] == {"Ref": "ApiBurstLimit"}
    assert settings[("/~1referrals", "POST")]["ThrottlingRateLimit"] == {"Ref": "ReferralRateLimit"}
    assert not any(s.get("DataTraceEnabled") for s in api["MethodSettings"])  # bodies never reach a log
    assert api["Name"] == {"Fn::Sub": "${AWS::StackName}"}


def test_the_api_compresses_what_it_answers(template):
    """The public pages' weight budget (100 KB) is of the compressed bytes: API Gateway gzips for clients
    that accept it, as the local tests measure."""
    assert template["Resources"]["RestAPI"]["Properties"]["MinimumCompressionSize"] == 1024


def test_cors_allows_the_configured_website_origin_only(template):
    body = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    origin = {"Fn::Sub": "'${WebsiteOrigin}'"}
    preflight = body["paths"]["/referrals"]["options"]["x-amazon-apigateway-integration"]
    headers = preflight["responses"]["default"]["responseParameters"]
    assert headers["method.response.header.Access-Control-Allow-Origin"] == origin
    assert "Idempotency-Key" in headers["method.response.header.Access-Control-Allow-Headers"]
    found = []
    for path, methods in body["paths"].items():
        for method, spec in methods.items():
            for response in spec.get("x-amazon-apigateway-integration", {}).get("responses", {}).values():
                value = response.get("responseParameters", {}).get("method.response.header.Access-Control-Allow-Origin")
                if value is not None:
                    found.append((path, method, value))
    for response in body["x-amazon-apigateway-gateway-responses"].values():
        found.append(
            ("gateway", "", response["responseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"])
        )
    assert found and all(value == origin for _, _, value in found), found  # no '*', no origin baked in
    for function in FUNCTIONS:  # the functions add the same origin to their answers
        variables = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert variables["WEBSITE_ORIGIN"] == {"Ref": "WebsiteOrigin"}


def test_every_function_logs_to_its_own_encrypted_group_with_retention(template):
    for function in FUNCTIONS:
        group = template["Resources"][function]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        props = template["Resources"][group]["Properties"]
        assert template["Resources"][group]["Type"] == "AWS::Logs::LogGroup"
        assert props["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        assert props["KmsKeyId"] == {"Fn::GetAtt": ["DataKey", "Arn"]}


def test_alarms_watch_notification_failures_the_digest_5xx_and_the_failure_queue(template):
    filters = resources_of(template, "AWS::Logs::MetricFilter")
    patterns = {
        (
            f["Properties"]["LogGroupName"]["Ref"],
            f["Properties"]["FilterPattern"],
            f["Properties"]["MetricTransformations"][0]["MetricName"],
        )
        for f in filters.values()
    }
    failed = '{ $.event = "notification_failed" && $.level = "ERROR" }'
    assert ("RetryReferralEmailsLogGroup", failed, "NotificationFailures") in patterns
    assert ("ReferralEmailsLogGroup", failed, "NotificationFailures") in patterns
    assert ("DailyDigestLogGroup", '{ $.event = "digest_failed" && $.level = "ERROR" }', "DigestFailures") in patterns
    alarms = {
        (
            a["Properties"]["Namespace"] if isinstance(a["Properties"]["Namespace"], str) else "custom",
            a["Properties"]["MetricName"],
        ): a["Properties"]
        for a in resources_of(template, "AWS::CloudWatch::Alarm").values()
    }
    for key in (
        ("custom", "NotificationFailures"),
        ("custom", "DigestFailures"),
        ("AWS/ApiGateway", "5XXError"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("AWS/Lambda", "Errors"),
    ):
        assert key in alarms, key
        assert alarms[key]["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    api = {d["Name"]: d["Value"] for d in alarms[("AWS/ApiGateway", "5XXError")]["Dimensions"]}
    assert api == {"ApiName": {"Fn::Sub": "${AWS::StackName}"}, "Stage": "api"}  # the RestAPI's name and stage
    assert template["Resources"]["AlarmTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "DataKey"}


# -- least privilege ---------------------------------------------------------------------------------------


def test_one_hand_written_policy_file_per_function_shared_by_every_stage(template):
    conf = config()
    assert conf["autogen_policy"] is False
    assert not [s for s, stage in conf["stages"].items() if "iam_policy_file" in stage or "lambda_functions" in stage]
    files = {name: spec["iam_policy_file"] for name, spec in conf["lambda_functions"].items()}
    assert len(set(files.values())) == len(files) == len(FUNCTIONS)
    roles = {name: template["Resources"][name]["Properties"]["Role"]["Fn::GetAtt"][0] for name in FUNCTIONS}
    assert len(set(roles.values())) == len(FUNCTIONS)  # a role each, none shared
    for function, filename in files.items():
        with open(os.path.join(ROOT, ".chalice", filename), encoding="utf-8") as handle:
            document = json.load(handle)
        role = f"{''.join(p.capitalize() for p in function.split('_'))}Role"
        (policy,) = template["Resources"][role]["Properties"]["Policies"]
        assert policy["PolicyDocument"] == document, function


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_each_role_grants_what_its_code_calls_and_nothing_more(template, needs, function):
    needed, calls, unresolved = needs[function]
    assert unresolved == [], "\n".join(unresolved)
    assert calls or function != "APIHandler"
    granted, _ = aws_calls.granted(template, function)
    missing = sorted(right for right in needed if not aws_calls.covers(granted, right))
    extra = sorted(right for right in granted if right not in needed)
    assert missing == [], f"{function} needs rights its policy file lacks: {missing}"
    assert extra == [], f"{function}'s policy grants rights its code does not use: {extra}"


def test_every_aws_call_in_the_code_is_traced_to_a_function(code, needs):
    traced = [call for function in FUNCTIONS for call in needs[function][1]]
    services, untraced = aws_calls.untraced_calls(code, traced)
    assert services == {"dynamodb", "sesv2", "s3", "cognito-idp"}
    assert untraced == [], (
        "AWS calls the analysis could not follow to a Lambda function (extend tests/aws_calls.py):\n"
        + "\n".join(untraced)
    )


def test_sign_in_needs_no_right_and_administering_the_pool_does():
    """Cognito authorises sign-in by the app client, session or token (botocore sends it unsigned); a role could
    not be granted it. Its administrative twins are IAM's, on the pool."""
    for operation in (
        "initiate_auth",
        "respond_to_auth_challenge",
        "associate_software_token",
        "verify_software_token",
        "set_user_mfa_preference",
        "get_user",
        "revoke_token",
        "global_sign_out",
    ):
        assert aws_calls.unsigned("cognito-idp", operation), operation
    for operation in ("admin_initiate_auth", "admin_get_user", "admin_user_global_sign_out", "admin_disable_user"):
        assert not aws_calls.unsigned("cognito-idp", operation), operation
    assert not aws_calls.unsigned("dynamodb", "put_item")


def test_no_wildcards_no_lock_bypass_and_an_append_only_audit_trail(template):
    audit = set()
    for function in FUNCTIONS:
        granted, statements = aws_calls.granted(template, function)
        for statement in statements:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            assert not [a for a in actions if "*" in a], statement
            assert "*" not in resources, statement
            assert not set(actions) & FORBIDDEN, statement
            assert not [a for a in actions if a.startswith("s3:PutBucket") or a.startswith("iam:")], statement
        audit |= {action for action, resource in granted if resource.split("/")[0] == "AuditTable"}
        kms = {action for action, resource in granted if action.startswith("kms:")}
        assert kms <= {"kms:Decrypt", "kms:GenerateDataKey"}, function
        assert all(resource.startswith("DataKey@") for action, resource in granted if action.startswith("kms:"))
    assert audit == {"dynamodb:PutItem", "dynamodb:Query"}


def test_the_analysis_sees_a_call_as_soon_as_it_is_written(tmp_path, template):
    """A new call in the code is a new right needed: proven on a copy of the code with one more call (in the
    daily digest, whose walk is short: the API's takes seconds and proves no more)."""
    shutil.copy(os.path.join(ROOT, "app.py"), tmp_path / "app.py")
    shutil.copytree(os.path.join(ROOT, "chalicelib"), tmp_path / "chalicelib")
    digest = tmp_path / "chalicelib" / "notifications" / "digest.py"
    text = digest.read_text()
    anchor = '            self._db.delete_item(TableName=self._conf.idempotency_table, Key={"key": typed(key)})\n'
    assert anchor in text
    extra = "            self._db.delete_item(TableName=self._conf.referrals_table, Key={})\n"
    digest.write_text(text.replace(anchor, anchor + extra))
    needed, _, unresolved = aws_calls.needed(aws_calls.Code(str(tmp_path)), template, "DailyDigest")
    assert ("dynamodb:DeleteItem", "ReferralsTable") in needed and unresolved == []
    granted, _ = aws_calls.granted(template, "DailyDigest")
    assert not aws_calls.covers(granted, ("dynamodb:DeleteItem", "ReferralsTable"))


# -- sized and configured for AWS (issue 13) ------------------------------------------------------------

API_GATEWAY_SECONDS = 29  # API Gateway answers 504 after this, whatever the function is still doing
SECURITY_HEADERS = {  # on every answer API Gateway makes itself; the app sets the same on its own answers
    "Strict-Transport-Security": "'max-age=31536000; includeSubDomains'",
    "X-Content-Type-Options": "'nosniff'",
    "X-Frame-Options": "'DENY'",
    # API Gateway's static values are wrapped in single quotes, so a CSP with quoted keywords ('none') cannot be
    # written there reliably: `sandbox` (no scripts, forms or origin for whatever a browser renders) needs none.
    "Content-Security-Policy": "'sandbox'",
    "Referrer-Policy": "'no-referrer'",
    "Cache-Control": "'no-store'",
}


def test_every_function_runs_python_3_13_on_arm64_and_the_bundle_is_built_for_it(package, template):
    """Lambda on Graviton: the template says arm64, and every compiled file in the bundle is aarch64 code
    (an x86_64 rpds-py would fail at import on the first referral)."""
    for function in FUNCTIONS:
        props = template["Resources"][function]["Properties"]
        assert props["Runtime"] == "python3.13" and props["Architectures"] == ["arm64"], function
    machines = {}
    with zipfile.ZipFile(package["dir"] / "deployment.zip") as archive:
        for name in archive.namelist():
            if name.endswith(".so") or ".so." in name:
                header = archive.read(name)[:20]
                assert header[:4] == b"\x7fELF", name
                machines[name] = int.from_bytes(header[18:20], "little")  # e_machine
    assert machines, "no compiled dependency found: the check would prove nothing"
    assert set(machines.values()) == {183}, {n: m for n, m in machines.items() if m != 183}  # 183 = EM_AARCH64


def test_the_api_function_and_its_aws_calls_finish_before_api_gateway_gives_up(template):
    """One AWS call, every attempt timing out, must end (as a 503) inside the function's timeout,
    and the function's timeout inside API Gateway's 29 s."""
    from chalicelib.platform import aws

    api = template["Resources"]["APIHandler"]["Properties"]
    assert api["Timeout"] <= API_GATEWAY_SECONDS - 1
    conf = aws._TIMEOUTS
    attempts = conf["retries"]["total_max_attempts"]
    backoff = sum(min(2**i, 20) for i in range(attempts - 1))  # botocore standard mode's ceiling per retry
    worst = attempts * (conf["connect_timeout"] + conf["read_timeout"]) + backoff
    assert conf["retries"]["mode"] == "standard" and worst < api["Timeout"], worst


def test_each_function_is_sized_and_capped(template):
    sizes = {name: template["Resources"][name]["Properties"] for name in FUNCTIONS}
    # Measured peak 114 MB for a 50 MiB publish (README, Deploying): 512 MB leaves room and the CPU a cold start needs.
    assert sizes["APIHandler"]["MemorySize"] >= 512
    for name, props in sizes.items():
        assert props["MemorySize"] >= 256 and props["ReservedConcurrentExecutions"] >= 1, name
        assert props["Timeout"] < 300, name  # the retry job runs every 5 minutes: runs never overlap
    # One run at a time for the schedules: two digests or two retry sweeps would race for the same emails.
    assert sizes["RetryReferralEmails"]["ReservedConcurrentExecutions"] == 1
    assert sizes["DailyDigest"]["ReservedConcurrentExecutions"] == 1


def test_every_answer_api_gateway_makes_itself_carries_the_security_headers(template):
    body = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    responses = body["x-amazon-apigateway-gateway-responses"]
    assert {"DEFAULT_4XX", "DEFAULT_5XX"} <= set(responses)  # every other gateway response inherits from these
    for kind, response in responses.items():
        headers = {k.removeprefix("gatewayresponse.header."): v for k, v in response["responseParameters"].items()}
        assert SECURITY_HEADERS.items() <= headers.items(), kind
    preflight = body["paths"]["/referrals"]["options"]["x-amazon-apigateway-integration"]["responses"]["default"]
    headers = {k.removeprefix("method.response.header."): v for k, v in preflight["responseParameters"].items()}
    assert SECURITY_HEADERS.items() <= headers.items()


def test_a_web_firewall_limits_new_referrals_and_sign_ins_per_client_address(template):
    (acl,) = resources_of(template, "AWS::WAFv2::WebACL").values()
    props = acl["Properties"]
    assert props["Scope"] == "REGIONAL" and props["DefaultAction"] == {"Allow": {}}
    rates = {r["Name"]: r for r in props["Rules"] if "RateBasedStatement" in r["Statement"]}
    assert set(rates) == {"referrals-per-ip", "console-sign-in-per-ip"}
    rate = rates["referrals-per-ip"]
    statement = rate["Statement"]["RateBasedStatement"]
    assert statement["AggregateKeyType"] == "IP" and statement["Limit"] == {"Ref": "ReferralRateLimitPerIp"}
    matches = {
        (s["ByteMatchStatement"]["PositionalConstraint"], s["ByteMatchStatement"]["SearchString"])
        for s in statement["ScopeDownStatement"]["AndStatement"]["Statements"]
    }
    assert matches == {("EXACTLY", "POST"), ("ENDS_WITH", "/referrals")}
    answer = rate["Action"]["Block"]["CustomResponse"]
    assert answer["ResponseCode"] == 429 and {"Name": "Retry-After", "Value": "300"} in answer["ResponseHeaders"]
    body = json.loads(props["CustomResponseBodies"][answer["CustomResponseBodyKey"]]["Content"])
    assert body["status"] == 429 and body["title"]  # problem-shaped, like the gateway's own 429
    # Password guessing through the console: 50 sign-in steps per address in 5 minutes, then a 429 page.
    sign_in = rates["console-sign-in-per-ip"]
    statement = sign_in["Statement"]["RateBasedStatement"]
    assert statement["AggregateKeyType"] == "IP" and statement["Limit"] == 50
    matches = {
        (s["ByteMatchStatement"]["PositionalConstraint"], s["ByteMatchStatement"]["SearchString"])
        for s in statement["ScopeDownStatement"]["AndStatement"]["Statements"]
    }
    assert matches == {("EXACTLY", "POST"), ("STARTS_WITH", "/console/sign-in")}
    page = props["CustomResponseBodies"][sign_in["Action"]["Block"]["CustomResponse"]["CustomResponseBodyKey"]]
    assert page["ContentType"] == "TEXT_HTML" and '<html lang="en">' in page["Content"]
    (association,) = resources_of(template, "AWS::WAFv2::WebACLAssociation").values()
    assert association["Properties"]["WebACLArn"] == {
        "Fn::GetAtt": [next(iter(resources_of(template, "AWS::WAFv2::WebACL"))), "Arn"]
    }
    assert "/restapis/${RestAPI}/stages/${RestAPI.Stage}" in association["Properties"]["ResourceArn"]["Fn::Sub"]


def test_api_access_logs_name_the_route_never_the_url_query_or_body(template):
    api = template["Resources"]["RestAPI"]["Properties"]
    setting = api["AccessLogSetting"]
    group = setting["DestinationArn"]["Fn::GetAtt"][0]
    props = template["Resources"][group]["Properties"]
    assert props["KmsKeyId"] == {"Fn::GetAtt": ["DataKey", "Arn"]} and props["RetentionInDays"] == {
        "Ref": "LogRetentionDays"
    }
    fields = json.loads(setting["Format"])
    assert "$context.resourcePath" in fields.values() and "$context.requestId" in fields.values()
    for leaky in ("$context.path", "$input", "$context.requestOverride", "$method.request", "querystring"):
        assert not [v for v in fields.values() if v.startswith(leaky) or "querystring" in v.lower()], leaky
    assert api["TracingEnabled"] is True
    assert template["Resources"]["ApiGatewayAccount"]["Properties"]["CloudWatchRoleArn"] == {
        "Fn::GetAtt": ["ApiGatewayLogsRole", "Arn"]
    }


def test_every_checkov_skip_names_a_rule_and_gives_a_reason(template):
    skips = [
        (name, skip)
        for name, spec in template["Resources"].items()
        for skip in spec.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips
    for name, skip in skips:
        assert skip["id"].startswith("CKV_") and len(skip["comment"]) > 60, (name, skip)


def test_checkov_passes_the_packaged_template(package):
    checkov = os.path.join(ROOT, ".venv-tools", "bin", "checkov")
    if PACKAGED:
        pytest.skip("make test ran checkov on this same package, just before the tests (its test-package target)")
    if not os.path.exists(checkov):
        pytest.skip("make .venv-tools/.installed builds checkov (make test does)")
    result = subprocess.run(
        [
            checkov,
            "--quiet",
            "--compact",
            "--skip-download",
            "--framework",
            "cloudformation",
            "--file",
            str(package["dir"] / "sam.json"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]


def test_the_bundle_ships_exactly_the_locked_wheels(package):
    """requirements.txt is a full lock with hashes; `make package` fetches its arm64 wheels checking each hash.
    chalice fetches them again by name and version only, so every dependency file in the bundle must be
    byte for byte a file of those checked wheels, and every file of theirs must be there."""
    wheels = sorted((package["dir"] / "wheels").glob("*.whl"))
    with open(os.path.join(ROOT, "requirements.txt"), encoding="utf-8") as handle:
        locked = [line.split("==")[0].lower().replace("_", "-") for line in handle if "==" in line]
    assert sorted(w.name.split("-")[0].lower().replace("_", "-") for w in wheels) == sorted(locked)
    expected = {}
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            expected.update(
                {n: archive.read(n) for n in archive.namelist() if not n.endswith("/") and ".dist-info/" not in n}
            )
    with zipfile.ZipFile(package["dir"] / "deployment.zip") as bundle:
        ours = ("app.py", "chalicelib/", "chalice/")
        shipped = {
            n for n in bundle.namelist() if not n.endswith("/") and ".dist-info/" not in n and not n.startswith(ours)
        }
        assert shipped == set(expected), sorted(shipped ^ set(expected))[:20]
        different = [n for n in shipped if bundle.read(n) != expected[n]]
    assert different == []
