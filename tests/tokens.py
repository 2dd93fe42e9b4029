"""Cognito-shaped tokens for tests: a key pair, its JWKS served over HTTP, and a minter."""

import base64
import http.server
import json
import threading
import time
import uuid

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def _b64(number):
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class KeyPair:
    def __init__(self, kid):
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = self.private.public_key().public_numbers()
        self.jwk = {"kid": kid, "kty": "RSA", "alg": "RS256", "use": "sig", "n": _b64(numbers.n), "e": _b64(numbers.e)}
        self.public_pem = self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


class JwksServer:
    """Serves {"keys": [...]} like Cognito's /.well-known/jwks.json, and counts the fetches."""

    def __init__(self, keys):
        self.keys = list(keys)
        self.fetches = 0
        self.closed = False
        self._urls = 0
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the stdlib's name
                owner.fetches += 1
                body = json.dumps({"keys": [k.jwk for k in owner.keys]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/pool/.well-known/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self, keys):
        """Serves `keys` only, with the fetches counted from nought (the server outlives a test)."""
        self.keys = list(keys)
        self.fetches = 0

    def new_url(self):
        """Another URL of the same endpoint (every path answers): to the app, another pool's JWKS."""
        self._urls += 1
        return f"http://127.0.0.1:{self.server.server_port}/pool-{self._urls}/.well-known/jwks.json"

    def close(self):
        self.closed = True
        self.server.shutdown()
        self.server.server_close()


class Minter:
    def __init__(self, key, issuer, client_id):
        self.key = key
        self.issuer = issuer
        self.client_id = client_id

    def claims(self, groups=(), token_use="access", username="staff-user", **overrides):
        now = int(time.time())
        claims = {
            "sub": str(uuid.uuid5(uuid.NAMESPACE_DNS, username)),
            "iss": self.issuer,
            "token_use": token_use,
            "iat": now,
            "auth_time": now,
            "exp": now + 3600,
            "jti": str(uuid.uuid4()),
        }
        if token_use == "access":
            claims.update({"client_id": self.client_id, "username": username, "scope": "aws.cognito.signin.user.admin"})
        else:
            claims.update({"aud": self.client_id, "cognito:username": username})
        if groups:
            claims["cognito:groups"] = list(groups)
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, groups=(), key=None, headers=None, **kwargs):
        key = key or self.key
        return jwt.encode(
            self.claims(groups, **kwargs), key.private, algorithm="RS256", headers={"kid": key.kid, **(headers or {})}
        )

    def bearer(self, groups=(), **kwargs):
        return {"Authorization": "Bearer " + self.token(groups, **kwargs)}
