"""Staff tokens: verified by PyJWT with `cryptography`, short-lived, and kept off the referral path."""

import json
import subprocess
import sys
import time

import pytest

from stack.provision import load_template
from tests.test_staff import CHAIR, call, new_referral
from tests.tokens import KeyPair


def test_a_token_issued_more_than_fifteen_minutes_ago_is_refused_whatever_its_expiry(client, tokens):
    """A removed, signed-out or disabled user keeps access at most until their last token is 15 minutes old."""
    reference = new_referral(client)
    path = f"/staff/referrals/{reference}"
    stale = int(time.time()) - 15 * 60 - 5
    response = call(client, "GET", path, tokens.bearer(CHAIR, iat=stale, exp=stale + 3600))
    assert response.status_code == 401, response.body
    assert json.loads(response.body)["detail"] == "The token is too old: sign in again."
    fresh = int(time.time()) - 14 * 60
    assert call(client, "GET", path, tokens.bearer(CHAIR, iat=fresh, exp=fresh + 3600)).status_code == 200


@pytest.mark.parametrize("claims", [{"iat": None}, {"iat": "yesterday"}, {"iat": int(time.time()) + 3600}])
def test_a_token_without_a_sound_issue_time_is_refused(client, tokens, claims):
    response = call(client, "GET", "/staff/referrals", tokens.bearer(CHAIR, **claims))
    assert response.status_code == 401, (claims, response.body)


def test_a_short_rsa_key_in_the_jwks_is_never_trusted(client, tokens):
    from cryptography.hazmat.primitives.asymmetric import rsa

    weak = KeyPair("weak-key")
    weak.private = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    numbers = weak.private.public_key().public_numbers()
    from tests.tokens import _b64

    weak.jwk.update({"n": _b64(numbers.n), "e": _b64(numbers.e)})
    tokens.server.keys.append(weak)
    response = call(client, "GET", "/staff/referrals", tokens.bearer(CHAIR, key=weak))
    assert response.status_code == 401


def test_the_pool_issues_short_lived_revocable_tokens():
    client = load_template()["Resources"]["UserPoolClient"]["Properties"]
    units = client["TokenValidityUnits"]
    assert units["AccessToken"] == "minutes" and client["AccessTokenValidity"] <= 15
    assert units["IdToken"] == "minutes" and client["IdTokenValidity"] <= 15
    assert client["EnableTokenRevocation"] is True


def test_no_home_made_rsa_on_the_staff_path():
    import inspect

    from chalicelib.web import auth

    source = inspect.getsource(auth)
    assert "pow(" not in source and "hashlib" not in source and "register_algorithm" not in source


def test_a_referral_never_loads_the_token_libraries():
    """`cryptography` is ~5 MB: the public form's cold start must not pay for it."""
    script = """
import json, os, sys
os.environ.update({"AWS_DEFAULT_REGION": "eu-west-2", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"})
import app
from app import app as application
from chalice.test import Client
with Client(application) as client:
    client.http.post("/referrals", body="{}", headers={"Content-Type": "application/json"})
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("jwt", "cryptography"))))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_a_signed_out_user_cannot_refresh_their_session(aws):
    """After a global sign-out Cognito (here moto) refuses the refresh token: the session ends with the last
    access token, at most 5 minutes later. (moto does not refuse a disabled user's refresh; Cognito does.)"""
    import boto3

    idp = boto3.client("cognito-idp", region_name="eu-west-2")
    pool, app_client = aws.physical["UserPool"], aws.physical["UserPoolClient"]
    idp.admin_create_user(
        UserPoolId=pool, Username="leaver", TemporaryPassword="Temp-Passw0rd!x", MessageAction="SUPPRESS"
    )
    idp.admin_set_user_password(UserPoolId=pool, Username="leaver", Password="Leaver-Passw0rd!x", Permanent=True)
    tokens = idp.initiate_auth(
        ClientId=app_client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "leaver", "PASSWORD": "Leaver-Passw0rd!x"},
    )
    refresh = tokens["AuthenticationResult"]["RefreshToken"]
    idp.admin_user_global_sign_out(UserPoolId=pool, Username="leaver")
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        idp.initiate_auth(ClientId=app_client, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh})
