"""HTTP plumbing shared by every route: problem+json for every failure."""

import contextvars
import functools
import json
import time
import uuid

from chalice import Response

from chalicelib.errors import DomainError
from chalicelib.platform import logs
from chalicelib.platform.logs import log
from chalicelib.web.problems import CONTENT_TYPE, Problem, from_domain, unavailable


def json_response(body, status=200, headers=None):
    return Response(
        body=json.dumps(body), status_code=status, headers={"Content-Type": "application/json", **(headers or {})}
    )


def csv_response(text, filename):
    """A CSV download that no cache keeps (it lists cases, or the partnership's figures)."""
    return Response(
        body=text,
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


current_identity = contextvars.ContextVar("current_identity", default=None)


def routes(app):
    """`app.route`, with every view guarded so that any failure becomes problem+json.

    A route under /staff must name the groups allowed to use it; the bearer token is
    verified before the view runs. A staff route cannot be registered without it.
    """

    def route(path, groups=None, **options):
        staff = path.startswith("/staff")
        if staff and not groups:
            raise ValueError(f"{path} is a staff route: name the groups that may use it")
        if not staff:
            options.setdefault("cors", website_cors())

        def register(view):
            @functools.wraps(view)
            def guarded(*args, **kwargs):
                try:
                    if staff:
                        _authorise(app.current_request, groups)
                    return _retrying_conflicts(view, args, kwargs)
                except Problem as problem:
                    return problem.to_response()
                except DomainError as error:
                    return from_domain(error).to_response()
                except Exception as exc:  # never a traceback to the caller
                    return unexpected(exc).to_response()
                finally:
                    current_identity.set(None)

            guarded.groups = tuple(groups) if staff else None  # for the OpenAPI document
            return app.route(path, **options)(guarded)

        return register

    return route


def website_cors():
    """CORS for the board's website only (the public routes); none when no origin is configured."""
    import os

    origin = os.environ.get("WEBSITE_ORIGIN")
    if not origin:
        return False
    from chalice import CORSConfig

    return CORSConfig(allow_origin=origin, allow_headers=["Idempotency-Key"], max_age=600)


def _authorise(request, groups):
    from chalicelib.web import auth

    identity = auth.verifier().identity(request.headers.get("authorization"))
    if not identity.in_any(groups):
        log("forbidden", level="WARNING", actor=identity.username, path=(request.context or {}).get("resourcePath"))
        raise Problem(403, "Your account is not in a group that may do this.")
    current_identity.set(identity)


# A transaction that met another on the same item wrote nothing: the view can run again.
_CONFLICT_RETRY_DELAYS = (0.05, 0.2)


def _retrying_conflicts(view, args, kwargs):
    from chalicelib.platform.aws import is_transaction_conflict

    for delay in _CONFLICT_RETRY_DELAYS:
        try:
            return view(*args, **kwargs)
        except Exception as exc:
            if not is_transaction_conflict(exc):
                raise
            log("transaction_conflict_retried", level="WARNING")
            time.sleep(delay)
    return view(*args, **kwargs)


def page_limit(request, default=50, most=100):
    return query_int(request, "limit", default, 1, most)


def query_int(request, name, default, least, most):
    """An integer query parameter: ASCII digits only (`str.isdigit` also accepts '¹' and '٣')."""
    raw = (request.query_params or {}).get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6) or not least <= int(raw) <= most:
        raise Problem(400, f"{name} must be a whole number from {least} to {most}.")
    return int(raw)


def source_ip(request):
    return ((request.context or {}).get("identity") or {}).get("sourceIp") or "unknown"


def unexpected(exc):
    from chalicelib.platform.aws import error_code, is_transaction_conflict, is_unavailable

    if is_transaction_conflict(exc):
        # Still meeting another change after the retries: nothing was written; the client may try again.
        log("transaction_conflict", level="WARNING", error_code=error_code(exc) or type(exc).__name__)
        return Problem(
            409,
            "Someone else was changing the same record at that moment. Nothing was saved; please try again.",
            slug="concurrent-change",
            headers={"Retry-After": "1"},
        )
    if is_unavailable(exc):
        log("dependency_unavailable", level="ERROR", error_code=error_code(exc) or type(exc).__name__)
        return unavailable()
    # The type only: messages from AWS can quote the data that was being written.
    log("unhandled_error", level="ERROR", error_code=error_code(exc) or type(exc).__name__)
    return Problem(500, "Something went wrong on our side. Nothing was saved.")


def problem_middleware(event, get_response):
    """Gives Chalice's own error answers our shape, and logs one line per request."""
    logs.request_id.set((event.context or {}).get("requestId") or uuid.uuid4().hex)
    started = time.perf_counter()
    try:
        response = get_response(event)
    except Exception as exc:
        response = unexpected(exc).to_response()
    response = _chalice_error_to_problem(response)
    _add_security_headers(response)
    log(
        "request",
        method=event.method,
        path=_route_path(event),
        status_code=response.status_code,
        duration_ms=round((time.perf_counter() - started) * 1000, 1),
    )
    return response


# Every answer's protection against sniffing, framing, downgrade and referrer leaks. JSON needs no
# active content; a response that serves a page sets its own Content-Security-Policy (and
# X-Frame-Options) and keeps it: only headers the response lacks are added.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _add_security_headers(response):
    present = {name.lower() for name in response.headers}
    for name, value in SECURITY_HEADERS.items():
        if name.lower() not in present:
            response.headers[name] = value


def _route_path(event):
    # The route pattern, not the URL: a URL can carry a reference or a query.
    return (event.context or {}).get("resourcePath") or "?"


def _chalice_error_to_problem(response):
    """Chalice answers some errors itself ({"Code", "Message"}); give them our shape."""
    if response.status_code < 400:
        return response
    headers = {k.lower(): v for k, v in (response.headers or {}).items()}
    if headers.get("content-type", "").startswith((CONTENT_TYPE, "text/html")):  # ours, or a page's own
        return response
    body = response.body
    if isinstance(body, (bytes, str)):
        try:
            body = json.loads(body)
        except ValueError:
            body = {}
    detail = body.get("Message") if isinstance(body, dict) else None
    if response.status_code == 415:
        detail = "This route does not accept that content type."
    return Problem(response.status_code, detail or "The request could not be handled.").to_response()
