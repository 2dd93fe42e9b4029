"""Creates the resources of `.chalice/resources.json` in an AWS-compatible endpoint.

The deployment template is the one definition of every table, key, identity and
pool: the local stack and the tests provision from it, so they cannot drift from
what `chalice package` deploys. Resource types that only matter on AWS (alarms,
log groups, queues, topics, bucket policies, the functions and the API that
`chalice package` generates) are skipped here; `Conditions` are evaluated with the
given parameters.

How it works. `Stack` is a small CloudFormation evaluator: it takes the template's
parameter defaults overridden by `parameters`, evaluates every condition once, and
`resolve()` replaces the intrinsic functions this template uses (`Ref` to a
parameter, a pseudo-parameter or a resource made so far, `Fn::GetAtt`, `Fn::Sub`
of pseudo-parameters, `Fn::Join`, `Fn::Split`, `Fn::Select`, `Fn::If`, the
condition functions) with plain values. `provision()` walks `Resources` in the
template's order and hands each resource whose type has a handler in `_HANDLERS`,
and whose condition holds, to that handler: it resolves the resource's properties,
makes it through `make(service)` (boto3 clients on moto in the tests, on moto's
server for `make run`), and records what `Ref` returns in `stack.physical` and what
`Fn::GetAtt` returns in `stack.attributes`. A resource can therefore only refer to
resources above it in the template (the key before the tables and buckets it
encrypts, the user pool before its client and groups); a forward reference fails
here with a KeyError. Only the properties the
application can observe are applied, each translated from CloudFormation's shape to
the API's (`SSESpecification`, `ObjectLockConfiguration`, `CorsConfiguration`...);
a publications bucket's lifecycle rules are checked before they are applied, since
moto would store a rule that deletes a locked report. `environment()` is then a
function's environment as the template wires it, over `.chalice/config.json`'s.
`tests/test_local_matches_template.py` reads back what was made and compares it
with the template, so a property this file forgets to apply fails there.
"""

import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATE = os.path.join(ROOT, ".chalice", "resources.json")
CHALICE_CONFIG = os.path.join(ROOT, ".chalice", "config.json")
ACCOUNT = "123456789012"


def load_template():
    with open(TEMPLATE, encoding="utf-8") as handle:
        return json.load(handle)


class Stack:
    """The provisioned resources: physical names, ARNs, and the Lambda's environment."""

    def __init__(self, prefix, region, parameters=None):
        self.prefix = prefix
        self.region = region
        self.template = load_template()
        self.parameters = {
            name: str(spec.get("Default", "")) for name, spec in self.template.get("Parameters", {}).items()
        }
        self.parameters.update(parameters or {})
        self.physical = {}  # logical id -> Ref value
        self.attributes = {}  # (logical id, attribute) -> value
        self.extra = {}
        self.conditions = {}
        for name, expression in self.template.get("Conditions", {}).items():
            self.conditions[name] = bool(self.resolve(expression))

    def wanted(self, spec):
        """False for a resource whose `Condition` does not hold with these parameters."""
        return "Condition" not in spec or self.conditions[spec["Condition"]]

    # -- intrinsic functions, as far as this template uses them -------------------

    def resolve(self, value):
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if "Ref" in value:
            name = value["Ref"]
            if name in self.parameters:
                return self.parameters[name]
            return {
                "AWS::Region": self.region,
                "AWS::AccountId": ACCOUNT,
                "AWS::Partition": "aws",
                "AWS::StackName": self.prefix,
            }.get(name) or self.physical[name]
        if "Fn::GetAtt" in value:
            logical, attribute = value["Fn::GetAtt"]
            return self.attributes[(logical, attribute)]
        if "Fn::Sub" in value:
            text = value["Fn::Sub"]
            for token in ("AWS::Partition", "AWS::AccountId", "AWS::Region", "AWS::StackName"):
                text = text.replace(f"${{{token}}}", str(self.resolve({"Ref": token})))
            return text
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(str(self.resolve(part)) for part in parts)
        if "Fn::Split" in value:
            separator, text = value["Fn::Split"]
            return str(self.resolve(text)).split(separator)
        if "Fn::Select" in value:
            index, items = value["Fn::Select"]
            return self.resolve(items)[int(self.resolve(index))]
        if "Fn::Equals" in value:
            left, right = value["Fn::Equals"]
            return str(self.resolve(left)) == str(self.resolve(right))
        if "Fn::Not" in value:
            return not self.resolve(value["Fn::Not"][0])
        if "Fn::And" in value:
            return all(self.resolve(item) for item in value["Fn::And"])
        if "Fn::Or" in value:
            return any(self.resolve(item) for item in value["Fn::Or"])
        if "Fn::If" in value:
            condition, when_true, when_false = value["Fn::If"]
            return self.resolve(when_true if self.conditions[condition] else when_false)
        if set(value) == {"Condition"}:
            return self.conditions[value["Condition"]]
        return {key: self.resolve(item) for key, item in value.items()}

    def environment(self, function="APIHandler"):
        """The Lambda's environment variables, as the template wires them."""
        with open(CHALICE_CONFIG, encoding="utf-8") as handle:
            config = json.load(handle)
        env = dict(config.get("environment_variables", {}))
        env.update(config["stages"].get("local", {}).get("environment_variables", {}))
        variables = self.template["Resources"][function]["Properties"]["Environment"]["Variables"]
        env.update({name: str(self.resolve(value)) for name, value in variables.items()})
        return env

    def table_names(self):
        return {
            logical: name
            for logical, name in self.physical.items()
            if self.template["Resources"][logical]["Type"] == "AWS::DynamoDB::Table"
        }


def provision(session_or_clients, prefix="case-review-local", region="eu-west-2", parameters=None):
    """Creates every supported resource. `session_or_clients` makes clients: fn(service) -> client."""
    make = session_or_clients
    stack = Stack(prefix, region, parameters)
    for logical, spec in stack.template["Resources"].items():
        kind = spec.get("Type")
        handler = _HANDLERS.get(kind)
        if handler is not None and stack.wanted(spec):
            handler(make, stack, logical, spec.get("Properties", {}))
    return stack


# -- one function per resource type --------------------------------------------


def _kms_key(make, stack, logical, props):
    kms = make("kms")
    args = {"Description": props.get("Description", logical)}
    if props.get("KeyPolicy"):
        args["Policy"] = json.dumps(stack.resolve(props["KeyPolicy"]))
    key = kms.create_key(**args)
    key_id = key["KeyMetadata"]["KeyId"]
    if props.get("EnableKeyRotation"):
        kms.enable_key_rotation(KeyId=key_id)
    stack.physical[logical] = key_id
    stack.attributes[(logical, "Arn")] = key["KeyMetadata"]["Arn"]


def _dynamodb_table(make, stack, logical, props):
    props = stack.resolve(props)
    dynamodb = make("dynamodb")
    name = props.get("TableName") or f"{stack.prefix}-{logical}"
    args = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if props.get("GlobalSecondaryIndexes"):
        args["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    if props.get("StreamSpecification"):
        args["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    sse = props.get("SSESpecification")
    if sse:
        args["SSESpecification"] = {
            "Enabled": sse.get("SSEEnabled", False),
            "SSEType": sse.get("SSEType", "KMS"),
            **({"KMSMasterKeyId": sse["KMSMasterKeyId"]} if sse.get("KMSMasterKeyId") else {}),
        }
    if "DeletionProtectionEnabled" in props:
        args["DeletionProtectionEnabled"] = props["DeletionProtectionEnabled"]
    table = dynamodb.create_table(**args)["TableDescription"]
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
    pitr = props.get("PointInTimeRecoverySpecification")
    if pitr:
        dynamodb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification=pitr)
    stack.physical[logical] = name
    stack.attributes[(logical, "Arn")] = table["TableArn"]
    if "LatestStreamArn" in table:
        stack.attributes[(logical, "StreamArn")] = table["LatestStreamArn"]


def _ses_identity(make, stack, logical, props):
    props = stack.resolve(props)
    make("sesv2").create_email_identity(EmailIdentity=props["EmailIdentity"])
    stack.physical[logical] = props["EmailIdentity"]


def _ses_configuration_set(make, stack, logical, props):
    # The outbox sends through it; its event destination (EventBridge) only matters on AWS.
    name = stack.resolve(props).get("Name") or f"{stack.prefix}-{logical}"
    make("sesv2").create_configuration_set(ConfigurationSetName=name)
    stack.physical[logical] = name


_HANDLERS = {
    "AWS::KMS::Key": _kms_key,
    "AWS::DynamoDB::Table": _dynamodb_table,
    "AWS::SES::EmailIdentity": _ses_identity,
    "AWS::SES::ConfigurationSet": _ses_configuration_set,
}


def _user_pool(make, stack, logical, props):
    props = stack.resolve(props)
    args = {
        key: props[key]
        for key in (
            "AdminCreateUserConfig",
            "UsernameConfiguration",
            "AutoVerifiedAttributes",
            "MfaConfiguration",
            "Policies",
            "AccountRecoverySetting",
        )
        if key in props
    }
    pool = make("cognito-idp").create_user_pool(
        PoolName=props.get("UserPoolName") or f"{stack.prefix}-{logical}", **args
    )["UserPool"]
    if "SOFTWARE_TOKEN_MFA" in props.get("EnabledMfas", []):
        # What CloudFormation does with EnabledMfas: CreateUserPool cannot turn on authenticator apps.
        make("cognito-idp").set_user_pool_mfa_config(
            UserPoolId=pool["Id"],
            SoftwareTokenMfaConfiguration={"Enabled": True},
            MfaConfiguration=props.get("MfaConfiguration", "OFF"),
        )
    stack.physical[logical] = pool["Id"]
    stack.attributes[(logical, "Arn")] = pool["Arn"]
    stack.attributes[(logical, "ProviderURL")] = f"cognito-idp.{stack.region}.amazonaws.com/{pool['Id']}"


def _user_pool_client(make, stack, logical, props):
    props = stack.resolve(props)
    args = {
        key: props[key]
        for key in (
            "ExplicitAuthFlows",
            "PreventUserExistenceErrors",
            "AccessTokenValidity",
            "IdTokenValidity",
            "RefreshTokenValidity",
            "TokenValidityUnits",
        )
        if key in props
    }
    created = make("cognito-idp").create_user_pool_client(
        UserPoolId=props["UserPoolId"],
        ClientName=f"{stack.prefix}-{logical}",
        GenerateSecret=props.get("GenerateSecret", False),
        **args,
    )["UserPoolClient"]
    stack.physical[logical] = created["ClientId"]


def _user_pool_group(make, stack, logical, props):
    props = stack.resolve(props)
    make("cognito-idp").create_group(
        GroupName=props["GroupName"], UserPoolId=props["UserPoolId"], Description=props.get("Description", "")
    )
    stack.physical[logical] = props["GroupName"]


_HANDLERS.update(
    {
        "AWS::Cognito::UserPool": _user_pool,
        "AWS::Cognito::UserPoolClient": _user_pool_client,
        "AWS::Cognito::UserPoolGroup": _user_pool_group,
    }
)


def _bucket(make, stack, logical, props):
    from stack.lifecycle import check_publication_rules, from_template

    props = stack.resolve(props)
    s3 = make("s3")
    name = (props.get("BucketName") or f"{stack.prefix}-{logical}").lower()
    args = {"Bucket": name, "CreateBucketConfiguration": {"LocationConstraint": stack.region}}
    if props.get("ObjectLockEnabled"):
        args["ObjectLockEnabledForBucket"] = True
    s3.create_bucket(**args)
    if "OwnershipControls" in props:
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
    if "PublicAccessBlockConfiguration" in props:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"])
    if "BucketEncryption" in props:
        rules = [
            {
                "ApplyServerSideEncryptionByDefault": {
                    "SSEAlgorithm": r["ServerSideEncryptionByDefault"]["SSEAlgorithm"],
                    "KMSMasterKeyID": stack.attributes.get(
                        (_logical_of(stack, r["ServerSideEncryptionByDefault"].get("KMSMasterKeyID")), "Arn"),
                        r["ServerSideEncryptionByDefault"].get("KMSMasterKeyID"),
                    ),
                },
                "BucketKeyEnabled": r.get("BucketKeyEnabled", False),
            }
            for r in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        ]
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    if "VersioningConfiguration" in props:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=props["VersioningConfiguration"])
    lock = props.get("ObjectLockConfiguration")
    if lock:
        retention = lock["Rule"]["DefaultRetention"]
        s3.put_object_lock_configuration(
            Bucket=name,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": retention["Mode"], "Days": int(retention["Days"])}},
            },
        )
    if "LifecycleConfiguration" in props:
        rules = [from_template(rule) for rule in props["LifecycleConfiguration"]["Rules"]]
        if props.get("ObjectLockEnabled"):
            check_publication_rules(rules)  # moto would store anything; refuse what could lose a report
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
    if "CorsConfiguration" in props:
        s3.put_bucket_cors(
            Bucket=name,
            CORSConfiguration={
                "CORSRules": [
                    {
                        key: value
                        for key, value in rule.items()
                        if key
                        in ("AllowedMethods", "AllowedOrigins", "AllowedHeaders", "MaxAgeSeconds", "ExposeHeaders")
                    }
                    | ({"MaxAgeSeconds": rule["MaxAge"]} if "MaxAge" in rule else {})
                    | ({"ID": rule["Id"]} if "Id" in rule else {})
                    for rule in props["CorsConfiguration"]["CorsRules"]
                ]
            },
        )
    stack.physical[logical] = name
    stack.attributes[(logical, "Arn")] = f"arn:aws:s3:::{name}"


def _logical_of(stack, physical):
    return next((logical for logical, value in stack.physical.items() if value == physical), None)


_HANDLERS["AWS::S3::Bucket"] = _bucket
