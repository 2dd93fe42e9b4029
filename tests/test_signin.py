"""Staff sign-in against the user pool (chalicelib/web/signin.py), on the embedded Cognito (moto).

moto checks authenticator-app codes here (MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP), against the one
secret it gives every user; what moto does not enforce is listed in the README and, where our code
carries the rule itself (a disabled user's refresh), tested as our code's behaviour.
"""

import json
import time

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from chalicelib.platform import aws as aws_clients
from chalicelib.web import signin
from chalicelib.web.signin import MFA, MFA_SETUP, NEW_ACCOUNT, SIGNED_IN, PasswordRejected, Refused, SessionEnded
from stack.provision import load_template
from stack.totp import code as totp

PASSWORD = "Correct-Horse-2026!"
TEMPORARY = "Temporary-Pass-2026!"


@pytest.fixture
def pool(aws, monkeypatch):
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")  # moto accepts any code without it
    return Pool(aws.physical["UserPool"], aws.physical["UserPoolClient"])


class Pool:
    def __init__(self, pool_id, client_id):
        self.id, self.client_id = pool_id, client_id
        self.idp = boto3.client("cognito-idp", region_name="eu-west-2")

    def user(self, username, groups=("chair",), app=True):
        """A confirmed user with PASSWORD, and (app=True) an authenticator app: returns its secret."""
        self.idp.admin_create_user(UserPoolId=self.id, Username=username, MessageAction="SUPPRESS")
        self.idp.admin_set_user_password(UserPoolId=self.id, Username=username, Password=PASSWORD, Permanent=True)
        for group in groups:
            self.idp.admin_add_user_to_group(UserPoolId=self.id, Username=username, GroupName=group)
        if not app:
            return None
        access = self.idp.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
        )["AuthenticationResult"]["AccessToken"]
        secret = self.idp.associate_software_token(AccessToken=access)["SecretCode"]
        self.idp.verify_software_token(AccessToken=access, UserCode=totp(secret))
        self.idp.set_user_mfa_preference(
            AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
        )
        return secret

    def newcomer(self, username):
        self.idp.admin_create_user(
            UserPoolId=self.id, Username=username, TemporaryPassword=TEMPORARY, MessageAction="SUPPRESS"
        )


def claims(token):
    import jwt

    return jwt.decode(token, options={"verify_signature": False})


def signed_in(pool, username, secret):
    outcome = signin.SignIn().password(username, PASSWORD)
    assert outcome.step == MFA
    return signin.SignIn().code(username, outcome.challenge, totp(secret))


def test_a_user_with_an_authenticator_app_signs_in_with_the_password_then_the_code(pool):
    secret = pool.user("chair-1", groups=("chair",))
    first = signin.SignIn().password("chair-1", PASSWORD)
    assert first.step == MFA and first.tokens is None and first.challenge
    # People type the code as their app shows it.
    spaced = totp(secret)
    outcome = signin.SignIn().code("chair-1", first.challenge, f"{spaced[:3]} {spaced[3:]}")
    assert outcome.step == SIGNED_IN and outcome.challenge is None
    tokens = outcome.tokens
    assert claims(tokens.access_token)["username"] == "chair-1"
    assert claims(tokens.access_token)["cognito:groups"] == ["chair"]
    assert claims(tokens.id_token)["aud"] == pool.client_id and claims(tokens.id_token)["token_use"] == "id"
    assert tokens.refresh_token
    assert time.time() < tokens.expires_at <= time.time() + 3600 + 5  # moto's hour; the pool's client says 5 minutes


def test_password_alone_signs_in_where_the_pool_asks_for_no_code(pool):
    """moto only: the pool requires an app, and Cognito would answer MFA_SETUP (see the newcomer's test)."""
    pool.user("no-app", app=False)
    outcome = signin.SignIn().password("no-app", PASSWORD)
    assert outcome.step == SIGNED_IN and claims(outcome.tokens.access_token)["username"] == "no-app"


def test_a_wrong_password_an_unknown_user_a_disabled_user_and_a_wrong_code_are_one_refusal(pool, captured_logs):
    secret = pool.user("chair-2")
    pool.user("leaver")
    pool.idp.admin_disable_user(UserPoolId=pool.id, Username="leaver")
    refusals = []
    for username, password in (("chair-2", "Wrong-Horse-2026!"), ("nobody-here", PASSWORD), ("leaver", PASSWORD)):
        with pytest.raises(Refused) as refused:
            signin.SignIn().password(username, password)
        refusals.append(refused.value.message)
    first = signin.SignIn().password("chair-2", PASSWORD)
    right = totp(secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    with pytest.raises(Refused) as refused:
        signin.SignIn().code("chair-2", first.challenge, wrong)
    refusals.append(refused.value.message)
    with pytest.raises(Refused) as refused:
        signin.SignIn().code("chair-2", "not-a-challenge", right)
    refusals.append(refused.value.message)

    assert len(set(refusals)) == 1 and refusals[0] == Refused.message
    for word in ("password", "username", "code", "exist", "disabled"):
        assert word not in refusals[0].lower().split(" details")[0]  # nothing says which part was wrong
    # The log tells them apart for the operator, by Cognito's error code only.
    events = [json.loads(line) for line in captured_logs]
    refused_codes = [e["error_code"] for e in events if e["event"] == "sign_in_refused"]
    assert refused_codes[:3] == ["NotAuthorizedException", "UserNotFoundException", "NotAuthorizedException"]
    assert "CodeMismatchException" in refused_codes
    text = "\n".join(captured_logs)
    for secret_text in ("Wrong-Horse-2026!", PASSWORD, wrong, right, "nobody-here", first.challenge):
        assert secret_text not in text


def test_a_new_account_chooses_a_password_the_policy_accepts_then_sets_up_its_app(pool, captured_logs):
    pool.newcomer("newcomer")
    first = signin.SignIn().password("newcomer", TEMPORARY)
    assert first.step == NEW_ACCOUNT and first.challenge

    weak = "weakpassword-no-caps1!"
    with pytest.raises(PasswordRejected) as rejected:
        signin.SignIn().new_password("newcomer", first.challenge, weak)
    message = rejected.value.message
    assert message.startswith(signin.POLICY) and "upper case letter" in message
    assert weak not in message and "conform" not in message  # the board's words, never Cognito's or the password
    with pytest.raises(PasswordRejected) as rejected:
        signin.SignIn().new_password("newcomer", first.challenge, "Sh0rt!")
    assert "at least 12 characters" in rejected.value.message

    chosen = "Newcomer-Chosen-2026!"
    outcome = signin.SignIn().new_password("newcomer", first.challenge, chosen)
    assert outcome.step == MFA_SETUP and outcome.challenge  # the pool requires an authenticator app
    app = signin.SignIn().mfa_secret("newcomer", outcome.challenge)
    assert app.secret and app.challenge
    assert app.uri.startswith("otpauth://totp/") and f"secret={app.secret}" in app.uri and "newcomer" in app.uri
    done = signin.SignIn().mfa_setup("newcomer", app.challenge, totp(app.secret))
    assert done.step == SIGNED_IN and claims(done.tokens.access_token)["username"] == "newcomer"

    # From now on: the chosen password, then the app's code; the temporary password no longer works.
    with pytest.raises(Refused):
        signin.SignIn().password("newcomer", TEMPORARY)
    again = signin.SignIn().password("newcomer", chosen)
    assert again.step == MFA
    assert signin.SignIn().code("newcomer", again.challenge, totp(app.secret)).step == SIGNED_IN
    text = "\n".join(captured_logs)
    for secret_text in (TEMPORARY, weak, chosen, app.secret, app.challenge):
        assert secret_text not in text


def test_a_wrong_first_code_does_not_set_up_the_app(pool):
    pool.newcomer("newcomer-2")
    first = signin.SignIn().password("newcomer-2", TEMPORARY)
    setup = signin.SignIn().new_password("newcomer-2", first.challenge, "Newcomer-Chosen-2026!")
    app = signin.SignIn().mfa_secret("newcomer-2", setup.challenge)
    right = totp(app.secret)
    with pytest.raises(Refused):
        signin.SignIn().mfa_setup("newcomer-2", app.challenge, f"{(int(right) + 1) % 1_000_000:06d}")


def test_a_refresh_gives_new_tokens_and_keeps_the_refresh_token(pool):
    secret = pool.user("chair-3")
    tokens = signed_in(pool, "chair-3", secret).tokens
    time.sleep(1.1)  # a new `iat`: the tokens are new, not the old ones again
    fresh = signin.SignIn().refresh(tokens.refresh_token)
    assert fresh.refresh_token == tokens.refresh_token
    assert fresh.access_token != tokens.access_token and fresh.id_token != tokens.id_token
    assert claims(fresh.access_token)["username"] == "chair-3"
    assert fresh.expires_at > tokens.expires_at


@pytest.mark.parametrize("ending", ["signed out everywhere", "signed out by an administrator", "disabled"])
def test_a_session_that_was_ended_cannot_be_refreshed(pool, ending):
    secret = pool.user("chair-4")
    tokens = signed_in(pool, "chair-4", secret).tokens
    if ending == "signed out everywhere":
        signin.SignIn().sign_out_everywhere(tokens.access_token)
    elif ending == "signed out by an administrator":
        pool.idp.admin_user_global_sign_out(UserPoolId=pool.id, Username="chair-4")
    else:  # moto refreshes a disabled user; our GetUser after the refresh refuses
        assert ending == "disabled"
        pool.idp.admin_disable_user(UserPoolId=pool.id, Username="chair-4")
        moto_refreshes = pool.idp.initiate_auth(
            ClientId=pool.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens.refresh_token},
        )
        assert moto_refreshes["AuthenticationResult"]["AccessToken"]  # Cognito would refuse: the README says so
    with pytest.raises(SessionEnded) as ended:
        signin.SignIn().refresh(tokens.refresh_token)
    assert ended.value.message == "Your session has ended. Sign in again."


def test_an_unknown_refresh_token_ends_the_session(pool):
    with pytest.raises(SessionEnded):
        signin.SignIn().refresh("not-a-refresh-token")


def test_sign_out_revokes_the_refresh_token_and_never_fails(pool, captured_logs):
    secret = pool.user("chair-5")
    tokens = signed_in(pool, "chair-5", secret).tokens
    signin.SignIn().sign_out(tokens.refresh_token)  # moto has no RevokeToken: logged, not raised
    events = [json.loads(line) for line in captured_logs]
    assert [e["event"] for e in events if e["event"] == "sign_out_incomplete"] == ["sign_out_incomplete"]
    assert tokens.refresh_token not in "\n".join(captured_logs)

    # What Cognito is asked: this refresh token (and the tokens from it) for this app client.
    stubbed = aws_clients.client("cognito-idp")
    with Stubber(stubbed) as stub:
        stub.add_response("revoke_token", {}, {"Token": tokens.refresh_token, "ClientId": pool.client_id})
        signin.SignIn(cognito=stubbed).sign_out(tokens.refresh_token)
        stub.assert_no_pending_responses()
    with Stubber(stubbed) as stub:
        stub.add_client_error("revoke_token", "InternalErrorException", http_status_code=500)
        signin.SignIn(cognito=stubbed).sign_out(tokens.refresh_token)  # an outage does not keep anyone signed in


@pytest.mark.parametrize(
    ("error", "status"),
    [("InternalErrorException", 500), ("TooManyRequestsException", 400), ("ServiceUnavailable", 503)],
)
def test_an_outage_is_not_a_refusal(pool, error, status):
    """Cognito down or throttling is the service's 503, not 'wrong password' and not 'session ended'."""
    stubbed = aws_clients.client("cognito-idp")
    challenge = "c" * 40
    for operation, attempt in (
        ("initiate_auth", lambda s: s.password("chair-6", PASSWORD)),
        ("respond_to_auth_challenge", lambda s: s.code("chair-6", challenge, "123456")),
        ("respond_to_auth_challenge", lambda s: s.new_password("chair-6", challenge, PASSWORD)),
        ("initiate_auth", lambda s: s.refresh("refresh-token")),
    ):
        with Stubber(stubbed) as stub:
            stub.add_client_error(operation, error, http_status_code=status)
            with pytest.raises(ClientError) as raised:
                attempt(signin.SignIn(cognito=stubbed))
        assert aws_clients.is_unavailable(raised.value)


def test_the_policy_the_pages_state_is_the_pools():
    policy = load_template()["Resources"]["UserPool"]["Properties"]["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == signin.MINIMUM_LENGTH
    assert all(policy[f"Require{part}"] for part in ("Lowercase", "Uppercase", "Numbers", "Symbols"))
    assert f"at least {policy['MinimumLength']} characters" in signin.POLICY
    for needed in ("upper case", "lower case", "number", "symbol"):
        assert needed in signin.POLICY


def test_the_pool_requires_an_authenticator_app():
    props = load_template()["Resources"]["UserPool"]["Properties"]
    assert props["MfaConfiguration"] == "ON" and props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]


def test_no_token_or_challenge_in_a_repr():
    tokens = signin.Tokens("id-token-text", "access-token-text", "refresh-token-text", 1)
    outcome = signin.Outcome(MFA, tokens=tokens, challenge="challenge-text")
    text = repr(outcome) + repr(signin.MfaSecret("secret-text", "otpauth://x", "challenge-text"))
    assert not [word for word in ("token-text", "challenge-text", "secret-text", "otpauth") if word in text]
