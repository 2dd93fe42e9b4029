"""Staff sign-in against the board's Cognito user pool, for the staff console's pages.

The pages ask for a username and password (USER_PASSWORD_AUTH), then, as the pool answers, the
six-digit code of the person's authenticator app (SOFTWARE_TOKEN_MFA), a new password for a new
account (NEW_PASSWORD_REQUIRED), or the setting up of an authenticator app (MFA_SETUP, which the
pool asks of anyone without one, because it requires multi-factor authentication). Each step
returns an `Outcome`: signed in with `Tokens`, or the next step with Cognito's `challenge` (its
opaque session, valid for 3 minutes: keep it server-side, never in a URL or a page).

Every call here is one Cognito authorises by the app client, the session or the token it is
given, never by IAM (botocore's model marks them `noAuth`): the API's role holds no Cognito right,
so a compromised function cannot administer the pool.

Nothing secret is logged: no password, code, challenge or token; the username only once signed in
(as `actor`). A refusal logs Cognito's error code alone, so the log tells a wrong password from an
unknown user while the person is told neither.
"""

import contextlib
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from chalicelib.platform import aws
from chalicelib.platform.logs import log
from chalicelib.platform.settings import settings

SIGNED_IN = "signed_in"
MFA = "mfa"  # the code of the person's authenticator app
MFA_SETUP = "mfa_setup"  # no authenticator app yet: `mfa_secret()`, then `mfa_setup()` with its first code
NEW_ACCOUNT = "new_password"  # a new account: its temporary password must be changed first

# The pool's password policy (.chalice/resources.json; a test keeps the two in step). Cognito's own
# message is never passed on: it is in its words, not the board's.
MINIMUM_LENGTH = 12
POLICY = (
    f"Your new password must be at least {MINIMUM_LENGTH} characters long and have an upper case letter, "
    "a lower case letter, a number and a symbol."
)
_POLICY_PARTS = {  # a phrase of Cognito's message -> what to tell the person first
    "long enough": f"It needs at least {MINIMUM_LENGTH} characters.",
    "uppercase": "It needs an upper case letter.",
    "lowercase": "It needs a lower case letter.",
    "numeric": "It needs a number.",
    "symbol": "It needs a symbol, such as ! or ?.",
    "previously been used": "You cannot use a password you have used before.",
}

# Cognito's answers that mean "these details do not sign anyone in": one message for them all.
_REFUSALS = {
    "NotAuthorizedException",  # wrong password, disabled user, expired challenge, revoked session
    "UserNotFoundException",  # an unknown username (where the pool does not already hide it)
    "CodeMismatchException",  # a wrong code
    "ExpiredCodeException",
    "EnableSoftwareTokenMFAException",  # a wrong first code when setting up the app
    "TooManyFailedAttemptsException",
    "PasswordResetRequiredException",  # an administrator reset it: the emailed code's flow, not here
    "UserNotConfirmedException",
    "InvalidParameterException",  # a malformed username, code or challenge
    "AliasExistsException",
    "LimitExceededException",  # too many attempts
}
_SESSION_ENDED = {"NotAuthorizedException", "UserNotFoundException", "InvalidParameterException"}


class SignInError(Exception):
    """A sign-in step that did not succeed; `message` is for the person, in the board's words."""

    message = ""

    def __init__(self, message=None):
        if message:
            self.message = message
        super().__init__(self.message)


class Refused(SignInError):
    """Wrong username, password or code, an unknown or disabled account, too many attempts: never which."""

    message = (
        "We could not sign you in with those details. Check them and try again. "
        "If it keeps happening, ask the partnership's business support team."
    )


class PasswordRejected(SignInError):
    """The new password does not meet the pool's policy; `message` says what it needs."""


class SessionEnded(SignInError):
    """The session cannot be refreshed: signed out, revoked, disabled or removed. Sign in again."""

    message = "Your session has ended. Sign in again."


@dataclass(frozen=True)
class Tokens:
    id_token: str = field(repr=False)
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: int  # epoch seconds: when the ID and access tokens expire


@dataclass(frozen=True)
class Outcome:
    step: str  # SIGNED_IN, MFA, MFA_SETUP or NEW_ACCOUNT ("new_password")
    tokens: Tokens | None = None
    challenge: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class MfaSecret:
    """What a person types or scans into an authenticator app, and the challenge to answer with its first code."""

    secret: str = field(repr=False)
    uri: str = field(repr=False)  # otpauth://totp/... for a QR code
    challenge: str = field(repr=False)


class SignIn:
    def __init__(self, cognito=None, client_id=None, issuer=None):
        # The client is made on first use (aws.client), never at import: the referral path never pays for it.
        self._cognito = cognito if cognito is not None else aws.client("cognito-idp")
        conf = settings()
        self._client_id = client_id or conf.user_pool_client_id
        self._issuer = issuer or conf.board_name  # what the authenticator app shows beside the code

    def password(self, username, password):
        """The first step. Raises Refused."""
        with _answers(Refused):
            response = self._cognito.initiate_auth(
                ClientId=self._client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        return self._outcome(response, username)

    def code(self, username, challenge, code):
        """The authenticator app's code, after `password` answered MFA. Raises Refused."""
        with _answers(Refused):
            response = self._cognito.respond_to_auth_challenge(
                ClientId=self._client_id,
                ChallengeName="SOFTWARE_TOKEN_MFA",
                Session=challenge,
                ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": _digits(code)},
            )
        return self._outcome(response, username)

    def new_password(self, username, challenge, new_password):
        """A new account's own password, after `password` answered NEW_ACCOUNT. Raises PasswordRejected, Refused."""
        with _answers(Refused):
            response = self._cognito.respond_to_auth_challenge(
                ClientId=self._client_id,
                ChallengeName="NEW_PASSWORD_REQUIRED",
                Session=challenge,
                ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": new_password},
            )
        return self._outcome(response, username)

    def mfa_secret(self, username, challenge):
        """After MFA_SETUP: a new secret for the person's authenticator app. Raises Refused."""
        with _answers(Refused):
            response = self._cognito.associate_software_token(Session=challenge)
        secret = response["SecretCode"]
        return MfaSecret(secret, self.otpauth_uri(username, secret), response.get("Session") or challenge)

    def otpauth_uri(self, username, secret):
        """The otpauth:// URI an authenticator app reads from a QR code (Google's Key Uri Format)."""
        label = quote(f"{self._issuer}:{username}", safe=":@")
        return f"otpauth://totp/{label}?secret={secret}&issuer={quote(self._issuer, safe='')}"

    def mfa_setup(self, username, challenge, code):
        """The app's first code, with the challenge `mfa_secret` returned: signs in. Raises Refused."""
        with _answers(Refused):
            verified = self._cognito.verify_software_token(
                Session=challenge, UserCode=_digits(code), FriendlyDeviceName="Authenticator app"
            )
        if verified.get("Status") != "SUCCESS":
            log("sign_in_refused", level="INFO", error_code=f"VerifySoftwareToken:{verified.get('Status')}")
            raise Refused()
        with _answers(Refused):
            response = self._cognito.respond_to_auth_challenge(
                ClientId=self._client_id,
                ChallengeName="MFA_SETUP",
                Session=verified.get("Session") or challenge,
                ChallengeResponses={"USERNAME": username},
            )
        outcome = self._outcome(response, username)
        if outcome.tokens is not None:
            # The app is the person's factor from now on, whatever the pool's setting.
            with _answers(Refused):
                self._cognito.set_user_mfa_preference(
                    AccessToken=outcome.tokens.access_token,
                    SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
                )
        return outcome

    def refresh(self, refresh_token):
        """New ID and access tokens; the refresh token is kept. Raises SessionEnded."""
        with _answers(SessionEnded):
            response = self._cognito.initiate_auth(
                ClientId=self._client_id,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": refresh_token},
            )
        result = response.get("AuthenticationResult") or {}
        if not result.get("AccessToken"):
            raise SessionEnded()
        # Cognito refuses a disabled user's refresh; moto does not. GetUser refuses a disabled, removed or
        # signed-out user in both, so the rule holds locally too, for one more call every few minutes.
        with _answers(SessionEnded):
            self._cognito.get_user(AccessToken=result["AccessToken"])
        return _tokens(result, refresh_token)

    def sign_out(self, refresh_token):
        """Revokes the refresh token and the tokens issued from it. Never fails the person's sign-out."""
        try:
            self._cognito.revoke_token(Token=refresh_token, ClientId=self._client_id)
        except Exception as exc:  # our session is gone whatever Cognito says; its access token dies in minutes
            log("sign_out_incomplete", level="WARNING", error_code=aws.error_code(exc) or type(exc).__name__)

    def sign_out_everywhere(self, access_token):
        """Ends every session of the person, on every device (GlobalSignOut). Never fails the sign-out."""
        try:
            self._cognito.global_sign_out(AccessToken=access_token)
        except Exception as exc:
            log("sign_out_incomplete", level="WARNING", error_code=aws.error_code(exc) or type(exc).__name__)

    # -- the pool's answers

    def _outcome(self, response, username):
        result = response.get("AuthenticationResult")
        if result:
            log("signed_in", actor=username)
            return Outcome(SIGNED_IN, tokens=_tokens(result, result.get("RefreshToken")))
        name = response.get("ChallengeName")
        session = response.get("Session")
        if name == "SOFTWARE_TOKEN_MFA":
            return Outcome(MFA, challenge=session)
        if name == "NEW_PASSWORD_REQUIRED":
            return Outcome(NEW_ACCOUNT, challenge=session)
        if name == "MFA_SETUP" and _can_set_up_app(response):
            return Outcome(MFA_SETUP, challenge=session)
        if name == "SELECT_MFA_TYPE":  # the pool offers one factor only: answer for the person
            with _answers(Refused):
                chosen = self._cognito.respond_to_auth_challenge(
                    ClientId=self._client_id,
                    ChallengeName="SELECT_MFA_TYPE",
                    Session=session,
                    ChallengeResponses={"USERNAME": username, "ANSWER": "SOFTWARE_TOKEN_MFA"},
                )
            return self._outcome(chosen, username)
        # SMS, email, custom challenges: this pool offers none, so the account is set up wrongly.
        log("sign_in_step_unsupported", level="WARNING", problem=str(name))
        raise Refused()


@contextlib.contextmanager
def _answers(refusal):
    """Cognito's refusals as `refusal` (or PasswordRejected); an outage, or anything else, goes on up."""
    try:
        yield
    except Exception as exc:
        _raise(exc, refusal)


def _raise(exc, refusal):
    """A refusal for what Cognito says of the details; anything else (an outage, our own bug) goes on up."""
    from botocore.exceptions import ParamValidationError

    if isinstance(exc, ParamValidationError):  # what was typed cannot even be sent (botocore checks first)
        log("sign_in_refused" if refusal is Refused else "session_ended", level="INFO", error_code="ParamValidation")
        raise refusal() from None
    code = aws.error_code(exc)
    if aws.is_unavailable(exc):
        raise exc
    if refusal is Refused and code == "InvalidPasswordException":
        log("new_password_rejected", level="INFO", error_code=code)
        raise PasswordRejected(password_message(exc)) from None
    if refusal is SessionEnded and code in _SESSION_ENDED:
        log("session_ended", level="INFO", error_code=code)
        raise SessionEnded() from None
    if refusal is Refused and code in _REFUSALS:
        log("sign_in_refused", level="INFO", error_code=code)
        raise Refused() from None
    raise exc


def _tokens(result, refresh_token):
    return Tokens(
        id_token=result["IdToken"],
        access_token=result["AccessToken"],
        # Present only where the pool rotates refresh tokens; otherwise the one the session holds goes on.
        refresh_token=result.get("RefreshToken") or refresh_token,
        expires_at=int(time.time()) + int(result.get("ExpiresIn") or 0),
    )


def _can_set_up_app(response):
    """Whether MFA_SETUP offers an authenticator app: Cognito lists the choices as a JSON string, moto as a repr."""
    return "SOFTWARE_TOKEN_MFA" in str((response.get("ChallengeParameters") or {}).get("MFAS_CAN_SETUP") or "")


def _digits(code):
    """A code as people type it ("123 456", "123-456"): Cognito wants the six digits alone."""
    return "".join(ch for ch in str(code or "") if not ch.isspace() and ch != "-")


def password_message(exc):
    """What the pool's policy needs, first what this password lacked; never Cognito's text, never the password."""
    said = str((getattr(exc, "response", None) or {}).get("Error", {}).get("Message", "")).lower()
    first = [advice for phrase, advice in _POLICY_PARTS.items() if phrase in said]
    if "previously been used" in said:
        return first[0] if first else POLICY
    return " ".join([POLICY, *first[:1]])
