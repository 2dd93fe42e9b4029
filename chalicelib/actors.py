"""Who acts: the person (or job) the casework and publishing code record in the audit trail.

The web layer makes one from a verified token or a console session (web/auth.py, web/console); the
scheduled jobs name themselves. The domain sees only this, never a token or a request.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Identity:
    subject: str
    username: str
    groups: frozenset
    token_use: str  # how the identity was established: "access" or "id" (a pool token), or a job's name

    def in_any(self, groups):
        return bool(self.groups & set(groups))
