"""The console's sessions: who is signed in, kept on the server, in the sessions table.

The browser holds only a random identifier, in an `HttpOnly` cookie that page scripts cannot read.
The table is keyed by that identifier's SHA-256, so a copy of the table cannot be replayed as
cookies. It keeps what the person may do (their Cognito groups, re-read at every token refresh), the
pool's refresh token (tokens never reach the browser), the session's CSRF token and when it was last
used: 30 minutes without a request ends it (`IDLE`), and no session outlives `LONGEST`. DynamoDB's TTL
clears ended sessions; reads do not wait for it.

A sign-in in progress (the pool asked for a code or a new password) is a session too, in the
`signing_in` state, holding Cognito's challenge and nothing else; signing in always makes a new
identifier, so one handed out before sign-in can never become a signed-in session (no fixation).
"""

import hashlib
import secrets
import time
from dataclasses import dataclass, field

from chalicelib.platform.items import plain_item, typed

IDLE = 30 * 60
LONGEST = 12 * 60 * 60
_TOUCH_AFTER = 60  # seconds: at most one write a minute for a busy reader


@dataclass
class Session:
    key: str
    state: str  # "signing_in" or "signed_in"
    username: str
    csrf: str
    created_at: int
    last_seen: int
    step: str = ""  # while signing in: "mfa", "new_password" or "mfa_setup"
    challenge: str = ""
    app_key: str = ""  # while setting up an authenticator app: the secret the page shows again after a wrong code
    subject: str = ""
    groups: frozenset = field(default_factory=frozenset)
    refresh_token: str = ""
    token_expires_at: int = 0

    @property
    def signed_in(self):
        return self.state == "signed_in"


def _key(cookie):
    return hashlib.sha256(cookie.encode("utf-8")).hexdigest()


class Sessions:
    def __init__(self, dynamodb, table, now=None):
        self._db = dynamodb
        self._table = table
        self._now = now or (lambda: time.time())  # read at each call, so a test's clock is the one used

    def begin(self, username, step, challenge, app_key=""):
        """A sign-in waiting for its next step: (the cookie's value, the session)."""
        return self._put(Session("", "signing_in", username, "", 0, 0, step=step, challenge=challenge, app_key=app_key))

    def sign_in(self, identity, tokens):
        """A signed-in session for `identity` with the pool's `tokens`: (the cookie's value, the session)."""
        return self._put(
            Session(
                "",
                "signed_in",
                identity.username,
                "",
                0,
                0,
                subject=identity.subject,
                groups=frozenset(identity.groups),
                refresh_token=tokens.refresh_token,
                token_expires_at=int(tokens.expires_at),
            )
        )

    def find(self, cookie):
        """The live session the cookie names, or None (unknown, idle too long, or too old)."""
        if not cookie or len(cookie) > 128:
            return None
        item = self._db.get_item(TableName=self._table, Key={"id": typed(_key(cookie))}, ConsistentRead=True).get(
            "Item"
        )
        if item is None:
            return None
        session = _from_item(item)
        now = int(self._now())
        if now - session.last_seen > IDLE or now - session.created_at > LONGEST:
            self.end(cookie)
            return None
        return session

    def touch(self, session):
        """Counts a request: the idle timeout starts again (written at most once a minute)."""
        now = int(self._now())
        if now - session.last_seen < _TOUCH_AFTER:
            return
        session.last_seen = now
        self._db.update_item(
            TableName=self._table,
            Key={"id": typed(session.key)},
            UpdateExpression="SET last_seen = :now, expires_at = :ends",
            ConditionExpression="attribute_exists(id)",
            ExpressionAttributeValues={":now": typed(now), ":ends": typed(self._ends(session))},
        )

    def refreshed(self, session, identity, tokens):
        """New tokens from the pool: the groups are the pool's as of now (a removed group is gone)."""
        session.groups = frozenset(identity.groups)
        session.token_expires_at = int(tokens.expires_at)
        session.last_seen = int(self._now())
        self._db.update_item(
            TableName=self._table,
            Key={"id": typed(session.key)},
            UpdateExpression="SET #g = :g, token_expires_at = :t, last_seen = :now, expires_at = :ends",
            ConditionExpression="attribute_exists(id)",
            ExpressionAttributeNames={"#g": "groups"},
            ExpressionAttributeValues={
                ":g": typed(sorted(session.groups)),
                ":t": typed(session.token_expires_at),
                ":now": typed(session.last_seen),
                ":ends": typed(self._ends(session)),
            },
        )

    def end(self, cookie_or_session):
        key = cookie_or_session.key if isinstance(cookie_or_session, Session) else _key(cookie_or_session)
        self._db.delete_item(TableName=self._table, Key={"id": typed(key)})

    def _put(self, session):
        cookie = secrets.token_urlsafe(32)
        now = int(self._now())
        session.key = _key(cookie)
        session.csrf = secrets.token_urlsafe(32)
        session.created_at = session.last_seen = now
        item = {
            "id": typed(session.key),
            "state": typed(session.state),
            "username": typed(session.username),
            "csrf": typed(session.csrf),
            "created_at": typed(now),
            "last_seen": typed(now),
            "expires_at": typed(self._ends(session)),
            "groups": typed(sorted(session.groups)),
            "token_expires_at": typed(session.token_expires_at),
        }
        for name in ("step", "challenge", "app_key", "subject", "refresh_token"):
            if getattr(session, name):
                item[name] = typed(getattr(session, name))
        self._db.put_item(TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(id)")
        return cookie, session

    def _ends(self, session):
        # When DynamoDB may delete the item: the idle limit, never past the longest life.
        return min(session.last_seen + IDLE, session.created_at + LONGEST)


def _from_item(item):
    stored = plain_item(item)

    def text(name):
        return stored.get(name, "")

    def number(name):
        return int(stored.get(name, 0))

    return Session(
        key=text("id"),
        state=text("state"),
        username=text("username"),
        csrf=text("csrf"),
        created_at=number("created_at"),
        last_seen=number("last_seen"),
        step=text("step"),
        challenge=text("challenge"),
        app_key=text("app_key"),
        subject=text("subject"),
        groups=frozenset(stored.get("groups", ())),
        refresh_token=text("refresh_token"),
        token_expires_at=number("token_expires_at"),
    )
