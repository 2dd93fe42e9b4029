"""RFC 9457 problem+json responses: the only shape an error ever takes."""

import json

from chalice import Response

CONTENT_TYPE = "application/problem+json"

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    500: "Internal server error",
    503: "Service unavailable",
}


class Problem(Exception):
    """Raise anywhere below a route to answer with problem+json.

    `detail` and `errors` are read by the public: they must never quote the
    submitted values, only name the fields.
    """

    def __init__(self, status, detail, slug=None, errors=None, headers=None, title=None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug or TITLES.get(status, "error").lower().replace(" ", "-")
        self.errors = errors
        self.headers = headers or {}
        self.title = title or TITLES.get(status, "Error")

    def to_response(self):
        body = {
            "type": f"/problems/{self.slug}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors is not None:
            body["errors"] = list(self.errors)
            # validation.Errors lists at most 50; the rest are counted, so a hostile body answers small.
            if getattr(self.errors, "more", 0):
                body["more_errors"] = self.errors.more
        headers = {"Content-Type": CONTENT_TYPE, "Cache-Control": "no-store", **self.headers}
        return Response(body=json.dumps(body), status_code=self.status, headers=headers)


def from_domain(error):
    """The one place a domain error becomes an HTTP answer."""
    from chalicelib import errors

    statuses = (
        (errors.Invalid, 422),
        (errors.Conflict, 409),
        (errors.NotAllowed, 403),
        (errors.NotFound, 404),
        (errors.BadRequest, 400),
    )
    status = next((code for kind, code in statuses if isinstance(error, kind)), 400)
    return Problem(status, error.detail, slug=error.slug, errors=error.errors)


def validation_failed(errors, what="referral"):
    from chalicelib.errors import Invalid

    return from_domain(Invalid(errors, what))


def unavailable(retry_after=30):
    return Problem(
        503,
        "The service is briefly unavailable. Nothing was changed; please try again shortly.",
        headers={"Retry-After": str(retry_after)},
    )
