"""The embedded AWS that the tests share: emptied between tests, provisioned again when taken away.

`tests/conftest.py` provisions moto once per session and empties it on moto's own backends before
each test. These tests leave every kind of leftover a test can leave, empty, and read back through
the API that nothing is left while every resource is still there as provisioned.
"""

import boto3
import pytest

REGION = "eu-west-2"


def client(service):
    return boto3.client(service, region_name=REGION)


def stream_records(aws):
    streams = client("dynamodbstreams")
    arn = aws.attributes[("ReferralsTable", "StreamArn")]
    [shard] = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"
    ]
    return streams.get_records(ShardIterator=iterator)["Records"]


def leave_everything(aws):
    db = client("dynamodb")
    for logical in aws.table_names():
        key = {
            a["AttributeName"]: {"S": "leftover"}
            for a in db.describe_table(TableName=aws.physical[logical])["Table"]["KeySchema"]
        }
        db.put_item(TableName=aws.physical[logical], Item=key)
    # A transaction that fails puts copies of the tables in moto's place: emptying must find those.
    with pytest.raises(db.exceptions.TransactionCanceledException):
        db.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": aws.physical["ReferralsTable"],
                        "Item": {"reference": {"S": "leftover"}},
                        "ConditionExpression": "attribute_not_exists(#r)",
                        "ExpressionAttributeNames": {"#r": "reference"},
                    }
                }
            ]
        )
    s3 = client("s3")
    s3.put_object(Bucket=aws.physical["UploadsBucket"], Key="uploads/leftover.pdf", Body=b"%PDF-")
    locked = aws.physical["PublicationsBucket"]
    s3.put_object(Bucket=locked, Key="reports/leftover.pdf", Body=b"%PDF-")
    s3.put_object(Bucket=locked, Key="reports/leftover.pdf", Body=b"%PDF-2")
    s3.delete_object(Bucket=locked, Key="reports/leftover.pdf")  # a delete marker over locked versions
    s3.create_multipart_upload(Bucket=aws.physical["UploadsBucket"], Key="uploads/half.pdf")
    client("sesv2").send_email(
        FromEmailAddress=f"x@{aws.physical['SenderIdentity']}",
        Destination={"ToAddresses": ["a@b.example"]},
        Content={"Simple": {"Subject": {"Data": "leftover"}, "Body": {"Text": {"Data": "leftover"}}}},
    )
    cognito = client("cognito-idp")
    pool = aws.physical["UserPool"]
    cognito.admin_create_user(UserPoolId=pool, Username="leftover", MessageAction="SUPPRESS")
    cognito.admin_add_user_to_group(UserPoolId=pool, Username="leftover", GroupName="chair")
    cognito.create_group(UserPoolId=pool, GroupName="leftover-group")


def test_every_leftover_is_gone_and_every_resource_stays(aws, embedded_aws):
    from tests.conftest import sent_messages

    leave_everything(aws)
    assert stream_records(aws) and sent_messages()

    embedded_aws.empty()

    db = client("dynamodb")
    for logical, name in aws.table_names().items():
        assert db.scan(TableName=name, ConsistentRead=True)["Items"] == [], logical
    assert stream_records(aws) == []  # and emptying fed no REMOVE records to it
    s3 = client("s3")
    for logical in ("UploadsBucket", "PublicationsBucket"):
        versions = s3.list_object_versions(Bucket=aws.physical[logical])
        assert not versions.get("Versions") and not versions.get("DeleteMarkers"), logical
    assert not s3.list_multipart_uploads(Bucket=aws.physical["UploadsBucket"]).get("Uploads")
    assert sent_messages() == []
    cognito = client("cognito-idp")
    pool = aws.physical["UserPool"]
    assert cognito.list_users(UserPoolId=pool)["Users"] == []
    from chalicelib.vocabulary import GROUPS

    assert {g["GroupName"] for g in cognito.list_groups(UserPoolId=pool)["Groups"]} == set(GROUPS)
    assert cognito.list_users_in_group(UserPoolId=pool, GroupName="chair")["Users"] == []

    # The resources themselves are as provisioned: the lock, the identity, the stream still work.
    lock = s3.get_object_lock_configuration(Bucket=aws.physical["PublicationsBucket"])["ObjectLockConfiguration"]
    assert lock["Rule"]["DefaultRetention"]["Mode"] == "COMPLIANCE"
    s3.put_object(Bucket=aws.physical["PublicationsBucket"], Key="reports/new.pdf", Body=b"%PDF-")
    db.put_item(TableName=aws.physical["ReferralsTable"], Item={"reference": {"S": "AAAA-2222"}})
    assert [r["eventName"] for r in stream_records(aws)] == ["INSERT"]
    assert client("sesv2").get_email_identity(EmailIdentity=aws.physical["SenderIdentity"])


def test_a_stack_that_was_taken_away_is_provisioned_again(aws, embedded_aws):
    db = client("dynamodb")
    db.update_table(TableName=aws.physical["AuditTable"], DeletionProtectionEnabled=False)
    db.delete_table(TableName=aws.physical["AuditTable"])
    client("sesv2").delete_email_identity(EmailIdentity=aws.physical["SenderIdentity"])
    embedded_aws.close()
    try:
        stack = embedded_aws.open()
        assert client("dynamodb").describe_table(TableName=stack.physical["AuditTable"])["Table"]
        assert client("sesv2").get_email_identity(EmailIdentity=stack.physical["SenderIdentity"])
    finally:
        embedded_aws.close()
        embedded_aws.open()  # as the fixture left it


def test_the_email_privacy_check_reads_what_the_recipient_reads():
    """Quoted-printable breaks long lines anywhere: a name split in the raw text is found once decoded."""
    from email.message import EmailMessage

    from tests import sample
    from tests.conftest import readable

    message = EmailMessage()
    message["Subject"] = "Referral"
    message.set_content("x" * 70 + " Thistlegate, " + "y" * 70, cte="quoted-printable")
    message.add_alternative("<p>" + "é" * 30 + "Marisol</p>", subtype="html", cte="base64")
    raw = message.as_string()
    assert "Thistlegate" not in raw and "Marisol" not in raw  # what checking the raw text alone missed
    with pytest.raises(AssertionError, match="Thistlegate"):
        sample.assert_no_personal_detail(readable(raw), "email")
    with pytest.raises(AssertionError, match="Marisol"):
        sample.assert_no_personal_detail(readable(raw)[2:], "email")


def test_every_kind_of_resource_provisioned_is_one_the_fixture_can_empty():
    """A new kind in stack/provision.py is provisioned afresh for every test until conftest learns to empty it."""
    from stack.provision import _HANDLERS
    from tests.conftest import _MOTO_LOOKUPS

    assert set(_HANDLERS) - set(_MOTO_LOOKUPS) == set(), "teach tests/conftest.py to find and empty it"
