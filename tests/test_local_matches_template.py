"""The local stack and the deployment template cannot drift.

`stack/provision.py` builds the local stack from `.chalice/resources.json`, the same file
`make package` merges into the SAM template. These tests read back what was provisioned in
the embedded AWS (keys, indexes, streams, encryption, recovery, versioning, Object Lock,
lifecycle, public access, groups, app client) and compare it with what the template says,
and they make every resource type of the template either provisioned locally or named here
as one that only matters on AWS.
"""

import boto3

from stack.lifecycle import from_template
from stack.provision import _HANDLERS, load_template

REGION = "eu-west-2"
# Resource types with no local counterpart: they change nothing the application can observe.
AWS_ONLY = {
    "AWS::KMS::Alias",
    "AWS::S3::BucketPolicy",
    "AWS::Logs::LogGroup",
    "AWS::Logs::MetricFilter",
    "AWS::CloudWatch::Alarm",
    "AWS::SNS::Topic",
    "AWS::SNS::Subscription",
    "AWS::SQS::Queue",
    # API Gateway's logging role and the web firewall act in front of the API, which is local only as chalice's
    "AWS::IAM::Role",
    "AWS::ApiGateway::Account",
    "AWS::WAFv2::WebACL",
    "AWS::WAFv2::WebACLAssociation",
    "AWS::SES::ConfigurationSetEventDestination",
}  # moto cannot deliver SES events to EventBridge
# Overrides merged into what `chalice package` generates (the functions and the API).
CHALICE_GENERATED = {
    "APIHandler",
    "ReferralEmails",
    "RetryReferralEmails",
    "DailyDigest",
    "MailEvents",
    "PublishScheduled",
    "RestAPI",
}


def client(service):
    return boto3.client(service, region_name=REGION)


def of_type(kind):
    return {name: spec for name, spec in load_template()["Resources"].items() if spec.get("Type") == kind}


def test_every_resource_of_the_template_is_provisioned_locally_or_only_matters_on_aws():
    for name, spec in load_template()["Resources"].items():
        if "Type" not in spec:
            assert name in CHALICE_GENERATED, name
        else:
            assert spec["Type"] in _HANDLERS or spec["Type"] in AWS_ONLY, (name, spec["Type"])


def test_tables_match_the_template(aws):
    dynamodb = client("dynamodb")
    key_id = aws.physical["DataKey"]
    for name, spec in of_type("AWS::DynamoDB::Table").items():
        props = aws.resolve(spec["Properties"])
        table = dynamodb.describe_table(TableName=aws.physical[name])["Table"]
        assert table["KeySchema"] == props["KeySchema"], name
        assert sorted(map(str, table["AttributeDefinitions"])) == sorted(map(str, props["AttributeDefinitions"]))
        assert table["BillingModeSummary"]["BillingMode"] == props["BillingMode"]
        local_indexes = {
            i["IndexName"]: (i["KeySchema"], i["Projection"]) for i in table.get("GlobalSecondaryIndexes", [])
        }
        template_indexes = {
            i["IndexName"]: (i["KeySchema"], i["Projection"]) for i in props.get("GlobalSecondaryIndexes", [])
        }
        assert local_indexes == template_indexes, name
        stream = props.get("StreamSpecification")
        if stream:
            assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
        else:
            assert not table.get("StreamSpecification", {}).get("StreamEnabled"), name
        assert props["SSESpecification"]["KMSMasterKeyId"] == key_id
        assert table["SSEDescription"]["SSEType"] == "KMS"
        assert table["SSEDescription"]["KMSMasterKeyArn"] in (key_id, aws.attributes[("DataKey", "Arn")])
        backups = dynamodb.describe_continuous_backups(TableName=aws.physical[name])["ContinuousBackupsDescription"]
        recovery = props.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled", False)
        assert (backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED") is recovery, name
        ttl = dynamodb.describe_time_to_live(TableName=aws.physical[name])["TimeToLiveDescription"]
        if "TimeToLiveSpecification" in props:
            assert ttl == {
                "TimeToLiveStatus": "ENABLED",
                "AttributeName": props["TimeToLiveSpecification"]["AttributeName"],
            }
        assert table.get("DeletionProtectionEnabled", False) is props.get("DeletionProtectionEnabled", False), name


def test_the_key_matches_the_template(aws):
    ((name, spec),) = of_type("AWS::KMS::Key").items()
    rotation = client("kms").get_key_rotation_status(KeyId=aws.physical[name])["KeyRotationEnabled"]
    assert rotation is spec["Properties"]["EnableKeyRotation"] is True


def test_buckets_match_the_template(aws):
    s3 = client("s3")
    for name, spec in of_type("AWS::S3::Bucket").items():
        props = aws.resolve(spec["Properties"])
        bucket = aws.physical[name]
        versioning = s3.get_bucket_versioning(Bucket=bucket).get("Status")
        assert versioning == props.get("VersioningConfiguration", {}).get("Status"), name
        if props.get("ObjectLockEnabled"):
            lock = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
            wanted = props["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
            assert lock["ObjectLockEnabled"] == "Enabled"
            assert lock["Rule"]["DefaultRetention"]["Mode"] == wanted["Mode"]
            assert lock["Rule"]["DefaultRetention"]["Days"] == int(wanted["Days"])
        rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        assert [_rule(r) for r in rules] == [_rule(from_template(r)) for r in props["LifecycleConfiguration"]["Rules"]]
        (encryption,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        (wanted,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert encryption["ApplyServerSideEncryptionByDefault"] == {
            "SSEAlgorithm": wanted["ServerSideEncryptionByDefault"]["SSEAlgorithm"],
            "KMSMasterKeyID": aws.attributes[("DataKey", "Arn")],
        }
        assert wanted["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == aws.physical["DataKey"]
        assert encryption["BucketKeyEnabled"] is wanted["BucketKeyEnabled"]
        assert (
            s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
            == props["PublicAccessBlockConfiguration"]
        )
        assert s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"] == props["OwnershipControls"]
        if "CorsConfiguration" in props:
            (cors,) = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
            (wanted_cors,) = props["CorsConfiguration"]["CorsRules"]
            assert (
                cors["AllowedOrigins"] == wanted_cors["AllowedOrigins"]
                and cors["AllowedMethods"] == wanted_cors["AllowedMethods"]
            )


def _rule(rule):
    """A lifecycle rule as S3 states it, without moto's or the API's optional empty fields."""
    return {key: value for key, value in rule.items() if value not in (None, [], {})}


def test_user_pool_groups_and_client_match_the_template(aws):
    cognito = client("cognito-idp")
    pool_props = aws.resolve(of_type("AWS::Cognito::UserPool")["UserPool"]["Properties"])
    pool = cognito.describe_user_pool(UserPoolId=aws.physical["UserPool"])["UserPool"]
    assert pool["Policies"]["PasswordPolicy"] == pool_props["Policies"]["PasswordPolicy"]
    assert pool["MfaConfiguration"] == pool_props["MfaConfiguration"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["UsernameConfiguration"] == pool_props["UsernameConfiguration"]
    groups = {g["GroupName"] for g in cognito.list_groups(UserPoolId=aws.physical["UserPool"])["Groups"]}
    assert groups == {spec["Properties"]["GroupName"] for spec in of_type("AWS::Cognito::UserPoolGroup").values()}
    client_props = of_type("AWS::Cognito::UserPoolClient")["UserPoolClient"]["Properties"]
    app_client = cognito.describe_user_pool_client(
        UserPoolId=aws.physical["UserPool"], ClientId=aws.physical["UserPoolClient"]
    )["UserPoolClient"]
    assert sorted(app_client["ExplicitAuthFlows"]) == sorted(client_props["ExplicitAuthFlows"])
    for key in (
        "AccessTokenValidity",
        "IdTokenValidity",
        "RefreshTokenValidity",
        "TokenValidityUnits",
        "PreventUserExistenceErrors",
    ):
        assert app_client[key] == client_props[key], key


def test_the_sender_identity_is_the_senders_domain(aws):
    identity = client("sesv2").get_email_identity(EmailIdentity=aws.physical["SenderIdentity"])
    assert identity["IdentityType"] == "DOMAIN"
    assert aws.parameters["MailSender"].endswith("@" + aws.physical["SenderIdentity"])


def test_the_functions_environment_is_the_templates(aws):
    """What the tests and `make run` give the app is what the template wires on AWS, resolved locally."""
    variables = load_template()["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    environment = aws.environment()
    for name, value in variables.items():
        assert environment[name] == str(aws.resolve(value)), name
    for function in CHALICE_GENERATED - {"APIHandler", "RestAPI"}:
        assert load_template()["Resources"][function]["Properties"]["Environment"]["Variables"] == variables
