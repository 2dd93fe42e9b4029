"""Signing in to the board's Cognito user pool (a first version; the MFA work replaces it)."""

import time
from dataclasses import dataclass

from chalicelib.platform import aws
from chalicelib.platform.settings import settings


class Refused(Exception):
    """Wrong details: never says which part was wrong."""


class PasswordRejected(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


class SessionEnded(Exception):
    pass


@dataclass(frozen=True)
class Tokens:
    id_token: str
    access_token: str
    refresh_token: str
    expires_at: int


@dataclass(frozen=True)
class Outcome:
    step: str
    tokens: Tokens | None = None
    challenge: str | None = None


def _code(error):
    return getattr(error, "response", {}).get("Error", {}).get("Code", "")


_REFUSALS = {"NotAuthorizedException", "UserNotFoundException", "CodeMismatchException", "ExpiredCodeException"}


class SignIn:
    def __init__(self, client=None, client_id=None):
        self._client = client or aws.client("cognito-idp")
        self._client_id = client_id or settings().user_pool_client_id

    def password(self, username, password):
        return self._call(
            "initiate_auth",
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=self._client_id,
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )

    def code(self, username, challenge, code):
        return self._call(
            "respond_to_auth_challenge",
            ClientId=self._client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=challenge,
            ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code},
        )

    def new_password(self, username, challenge, new_password):
        return self._call(
            "respond_to_auth_challenge",
            ClientId=self._client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=challenge,
            ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": new_password},
        )

    def refresh(self, refresh_token):
        try:
            answer = self._client.initiate_auth(
                AuthFlow="REFRESH_TOKEN_AUTH", ClientId=self._client_id, AuthParameters={"REFRESH_TOKEN": refresh_token}
            )
        except Exception as error:
            if _code(error) in _REFUSALS:
                raise SessionEnded() from None
            raise
        return _tokens(answer["AuthenticationResult"], refresh_token)

    def sign_out(self, refresh_token):
        try:
            self._client.revoke_token(Token=refresh_token, ClientId=self._client_id)
        except Exception:  # the session is ended on our side whatever the pool says  # noqa: S110
            pass

    def _call(self, operation, **params):
        try:
            answer = getattr(self._client, operation)(**params)
        except Exception as error:
            code = _code(error)
            if code == "InvalidPasswordException":
                raise PasswordRejected("The new password does not meet the password rules.") from None
            if code in _REFUSALS or code in ("InvalidParameterException", "PasswordResetRequiredException"):
                raise Refused() from None
            raise
        if "AuthenticationResult" in answer:
            return Outcome("signed_in", tokens=_tokens(answer["AuthenticationResult"]))
        name = answer.get("ChallengeName")
        step = {"SOFTWARE_TOKEN_MFA": "mfa", "NEW_PASSWORD_REQUIRED": "new_password"}.get(name)
        if step is None:
            raise Refused()
        return Outcome(step, challenge=answer.get("Session"))


def _tokens(result, refresh_token=None):
    return Tokens(
        id_token=result["IdToken"],
        access_token=result["AccessToken"],
        refresh_token=result.get("RefreshToken") or refresh_token or "",
        expires_at=int(time.time()) + int(result.get("ExpiresIn", 300)),
    )
