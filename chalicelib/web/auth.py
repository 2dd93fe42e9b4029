"""Staff sign-in: Cognito JWTs verified in the application.

API Gateway's Cognito authorizer is not run by `chalice local` or the test client,
so the application checks every token itself: RS256 only, a key from the pool's
JWKS (refreshed when an unknown `kid` appears, at most every 30 seconds), `iss`,
`exp`, `iat`, `token_use`, and the app client (`aud` for ID tokens, `client_id` for
access tokens).

PyJWT with `cryptography` verifies the signature: no cryptography of our own on the
path that guards children's records. Both load on the first staff request only, never
on `POST /referrals`'s cold start.

Revocation: a JWT cannot be recalled once issued, so its life is short. The pool's
client issues access and ID tokens for 5 minutes (.chalice/resources.json) with token
revocation on; a user removed from a group, signed out globally or disabled cannot
refresh, so their session ends within minutes. Whatever the pool is set to, a token
issued more than `MAX_TOKEN_AGE` ago is refused here.
"""

import json
import threading
import time
import urllib.request

from chalicelib.actors import Identity
from chalicelib.web.problems import Problem

_REFRESH_AT_MOST_EVERY = 30  # seconds: unknown `kid`s must not hammer the JWKS endpoint
MAX_TOKEN_AGE = 15 * 60  # seconds since `iat`: the ceiling on how long a removed user keeps access


def unauthorized(detail="Sign in: a valid bearer token is required."):
    return Problem(401, detail, headers={"WWW-Authenticate": 'Bearer realm="staff"'})


_MIN_RSA_BITS = 2048


class Verifier:
    def __init__(self, jwks_url, issuer, client_id, token_uses=("access", "id"), fetch=None, leeway=0):
        import jwt

        self._jwt = jwt
        self._jwks_url = jwks_url
        self._issuer = issuer
        self._client_id = client_id
        self._token_uses = set(token_uses)
        self._fetch = fetch or _fetch_json
        self._leeway = leeway
        self._keys = {}
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def identity(self, authorization):
        if not authorization or not authorization.startswith("Bearer "):
            raise unauthorized()
        token = authorization[len("Bearer ") :].strip()
        if token.count(".") != 2 or len(token) > 8192:
            raise unauthorized("The bearer token is not a JWT.")
        jwt = self._jwt
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != "RS256":
                raise unauthorized("The token's algorithm is not accepted.")
            key = self._key(header.get("kid"))
            # The allow-list is RS256 alone, whatever the header says: no "none", no HS256 keyed
            # with the public key. PyJWT checks `exp`, `nbf` and `iss`; `aud` is ours (below),
            # because Cognito's access tokens carry the client in `client_id` instead.
            claims = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "iss", "sub"], "verify_aud": False},
            )
        except Problem:
            raise
        except jwt.ExpiredSignatureError:
            raise unauthorized("The token has expired.") from None
        except jwt.InvalidIssuerError:
            raise unauthorized("The token was issued by another user pool.") from None
        except (jwt.InvalidTokenError, jwt.PyJWKError, ValueError, TypeError, KeyError):
            raise unauthorized("The token is not valid.") from None
        return self._check(claims)

    def _check(self, claims):
        if time.time() - claims["iat"] > MAX_TOKEN_AGE + self._leeway:
            raise unauthorized("The token is too old: sign in again.")
        use = claims.get("token_use")
        if use not in self._token_uses:
            raise unauthorized("This kind of token is not accepted here.")
        audience = claims.get("client_id") if use == "access" else claims.get("aud")
        if audience != self._client_id:
            raise unauthorized("The token was issued to another application.")
        groups = claims.get("cognito:groups") or []
        if not isinstance(groups, list):
            raise unauthorized("The token is not valid.")
        username = claims.get("username") or claims.get("cognito:username") or ""
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise unauthorized("The token is not valid.")
        return Identity(subject, str(username), frozenset(g for g in groups if isinstance(g, str)), use)

    def _key(self, kid):
        if not isinstance(kid, str):
            raise unauthorized("The token names no signing key.")
        key = self._keys.get(kid)
        if key is None:
            with self._lock:
                if kid not in self._keys and time.time() - self._fetched_at >= _REFRESH_AT_MOST_EVERY:
                    self._refresh()
                key = self._keys.get(kid)
        if key is None:
            raise unauthorized("The token's signing key is not one of the user pool's.")
        return key

    def _refresh(self):
        try:
            document = self._fetch(self._jwks_url)
        except (OSError, ValueError):  # URLError and timeouts are OSErrors; a bad body is a ValueError
            from chalicelib.web.problems import unavailable

            raise unavailable() from None
        keys = document.get("keys", []) if isinstance(document, dict) else []
        self._keys = {
            k["kid"]: key
            for k in keys
            if isinstance(k, dict) and isinstance(k.get("kid"), str)
            for key in [_rsa_key(self._jwt, k)]
            if key is not None
        }
        self._fetched_at = time.time()


def _rsa_key(jwt, jwk):
    """The public key of one of the pool's RSA signing keys; None for any other kind of key."""
    if jwk.get("kty") != "RSA" or jwk.get("use", "sig") != "sig":
        return None
    try:
        key = jwt.PyJWK(jwk, algorithm="RS256").key
    except (jwt.PyJWKError, ValueError, TypeError, KeyError):
        return None
    return key if key.key_size >= _MIN_RSA_BITS else None


def _fetch_json(url):
    # The user pool's https JWKS URL, built from settings, never from a request (bandit B310, ruff S310).
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310  # nosec B310
        return json.load(response)


_verifiers = {}
_verifiers_lock = threading.Lock()


def verifier():
    """The process's verifier for the configured pool: its JWKS cache lives as long as the container."""
    from chalicelib.platform.settings import settings

    conf = settings()
    key = (conf.jwks_url, conf.jwt_issuer, conf.user_pool_client_id, conf.token_uses)
    with _verifiers_lock:
        if key not in _verifiers:
            _verifiers[key] = Verifier(
                conf.jwks_url, conf.jwt_issuer, conf.user_pool_client_id, token_uses=conf.token_uses
            )
        return _verifiers[key]
