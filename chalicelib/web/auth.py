"""Staff sign-in: Cognito JWTs verified in the application.

API Gateway's Cognito authorizer is not run by `chalice local` or the test client,
so the application checks every token itself: RS256 only, a key from the pool's
JWKS (refreshed when an unknown `kid` appears), `iss`, `exp`, `token_use`, and the
app client (`aud` for ID tokens, `client_id` for access tokens).

PyJWT parses the JWS and enforces the algorithm allow-list. The RS256 check itself
is the few lines of RSASSA-PKCS1-v1_5 verification below (RFC 8017 8.2.2, encode
and compare), so the Lambda does not carry `cryptography` (4.7 MB; it would push
the bundle past 5 MB and slow every cold start).
"""
import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.request
from dataclasses import dataclass

from chalicelib.web.problems import Problem

_SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")  # DigestInfo, RFC 8017 9.2
_REFRESH_AT_MOST_EVERY = 30  # seconds: unknown `kid`s must not hammer the JWKS endpoint


@dataclass(frozen=True)
class Identity:
    subject: str
    username: str
    groups: frozenset
    token_use: str

    def in_any(self, groups):
        return bool(self.groups & set(groups))


def unauthorized(detail="Sign in: a valid bearer token is required."):
    return Problem(401, detail, headers={"WWW-Authenticate": 'Bearer realm="staff"'})


def _b64int(value):
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    return int.from_bytes(raw, "big")


def _rs256_algorithm():
    from jwt.algorithms import Algorithm

    class RS256(Algorithm):
        """Verify-only RS256 over a JWK's modulus and exponent."""

        def prepare_key(self, key):
            if not isinstance(key, dict) or key.get("kty") != "RSA":
                raise ValueError("not an RSA JWK")
            modulus, exponent = _b64int(key["n"]), _b64int(key["e"])
            if modulus.bit_length() < 2048:
                raise ValueError("RSA key too short")
            return modulus, exponent

        def sign(self, msg, key):
            raise NotImplementedError("this service only verifies tokens")

        def verify(self, msg, key, sig):
            modulus, exponent = key
            size = (modulus.bit_length() + 7) // 8
            if len(sig) != size:
                return False
            signature = int.from_bytes(sig, "big")
            if signature >= modulus:
                return False
            decoded = pow(signature, exponent, modulus).to_bytes(size, "big")
            digest_info = _SHA256_PREFIX + hashlib.sha256(msg).digest()
            expected = b"\x00\x01" + b"\xff" * (size - len(digest_info) - 3) + b"\x00" + digest_info
            return hmac.compare_digest(decoded, expected)

        @staticmethod
        def to_jwk(key_obj, as_dict=False):
            raise NotImplementedError

        @staticmethod
        def from_jwk(jwk):
            return json.loads(jwk) if isinstance(jwk, str) else jwk

    return RS256()


class Verifier:
    def __init__(self, jwks_url, issuer, client_id, token_uses=("access", "id"), fetch=None, leeway=0):
        import jwt

        self._jws = jwt.PyJWS(algorithms=[])  # nothing but the RS256 registered below: no "none", no HS*
        self._jws.register_algorithm("RS256", _rs256_algorithm())
        self._errors = (jwt.InvalidTokenError,)
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
        token = authorization[len("Bearer "):].strip()
        if token.count(".") != 2 or len(token) > 8192:
            raise unauthorized("The bearer token is not a JWT.")
        try:
            header = self._jws.get_unverified_header(token)
            if header.get("alg") != "RS256":
                raise unauthorized("The token's algorithm is not accepted.")
            key = self._key(header.get("kid"))
            payload = self._jws.decode(token, key=key, algorithms=["RS256"])
            claims = json.loads(payload)
        except Problem:
            raise
        except self._errors + (ValueError, TypeError, KeyError):
            raise unauthorized("The token is not valid.") from None
        return self._check(claims)

    def _check(self, claims):
        if not isinstance(claims, dict):
            raise unauthorized("The token is not valid.")
        now = time.time()
        expires = claims.get("exp")
        if not isinstance(expires, (int, float)) or expires + self._leeway <= now:
            raise unauthorized("The token has expired.")
        if isinstance(claims.get("nbf"), (int, float)) and claims["nbf"] - self._leeway > now:
            raise unauthorized("The token is not valid yet.")
        if claims.get("iss") != self._issuer:
            raise unauthorized("The token was issued by another user pool.")
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
        self._keys = {k["kid"]: k for k in document.get("keys", []) if isinstance(k, dict) and "kid" in k}
        self._fetched_at = time.time()


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
            _verifiers[key] = Verifier(conf.jwks_url, conf.jwt_issuer, conf.user_pool_client_id,
                                       token_uses=conf.token_uses)
        return _verifiers[key]
