"""The errors the domain raises. The domain never speaks HTTP: `web.problems` alone maps
these to problem+json (and, later, to error pages).

Every `detail` and `errors` message is read by the caller: none may quote a submitted
value, only name the field or the state.
"""


class DomainError(Exception):
    """Something the caller asked for cannot be done; `detail` says why in plain words."""

    slug = None

    def __init__(self, detail, slug=None, errors=None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        if slug:
            self.slug = slug


class BadRequest(DomainError):
    """A parameter the service cannot read at all (an unknown filter, a forged cursor)."""


class NotFound(DomainError):
    """No such record, or none the caller may know of."""


class NotAllowed(DomainError):
    """The caller's role may not do this to this record (a rule of the domain, not of the route)."""


class Conflict(DomainError):
    """The record's state does not allow it now; `detail` says what would."""

    slug = "state-conflict"


class Invalid(DomainError):
    """The document breaks a rule: `errors` lists [{"pointer", "message"}], every one of them."""

    slug = "validation-error"

    def __init__(self, errors, what="document", detail=None):
        # `errors` may be validation.Errors, which lists at most 50 and counts the rest in `more`.
        more = getattr(errors, "more", 0)
        count = len(errors) + more
        tail = f" (the first {len(errors)}; more_errors counts the rest)." if more else "."
        super().__init__(
            detail or f"The {what} has {count} problem{'s' if count != 1 else ''}; see errors{tail}", errors=errors
        )


def invalid(pointer, message, what="document", detail=None):
    """One failing field."""
    return Invalid([{"pointer": pointer, "message": message}], what, detail)
