"""The staff console: pages for the partnership's people over the same domain code as the JSON API.

Every console request goes through `serve()`: the session cookie is looked up (chalicelib/web/sessions.py),
the pool's tokens are refreshed when they are about to lapse (so a disabled or removed user's session
ends within minutes), the person's groups are checked against the page's, a form that changes something
must carry the session's CSRF token, and the person is set as the actor the casework and publishing code
audit. Failures become pages, never problem+json: a person is reading.

Imported only by the console's routes, inside their functions: never on `POST /referrals`'s cold start.
"""

import hmac
import time
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

from chalicelib.platform import aws
from chalicelib.platform.logs import log
from chalicelib.platform.settings import settings
from chalicelib.web import pages
from chalicelib.web.routing import current_identity, source_ip

COOKIE = "console_session"
# The sign-in form's CSRF token, before any session exists: a double-submit cookie (the form's hidden
# field must equal it), so another site cannot sign someone in as an account of its choosing.
SIGNIN_COOKIE = "console_signin"
_REFRESH_BEFORE = 30  # seconds before the pool's tokens lapse
_MAX_FORM_BYTES = 64 * 1024


class Visit:
    """One request as the console sees it: the request, the session and the signed-in person."""

    def __init__(self, request, session=None, identity=None):
        self.request = request
        self.session = session
        self.identity = identity
        self.set_cookies = []
        self.ended = False  # the cookie named a session that has ended (idle, signed out, refused a refresh)
        self.form = {}

    @property
    def path(self):
        return (self.request.context or {}).get("path") or "/console"

    @property
    def secure(self):
        return is_https(self.request)

    def param(self, name, default=None):
        return (self.request.query_params or {}).get(name, default)

    def cookie(self, name):
        raw = self.request.headers.get("cookie") or ""
        try:
            jar = SimpleCookie(raw)
        except CookieError:
            return None
        morsel = jar.get(name)
        return morsel.value if morsel else None

    def source_ip(self):
        return source_ip(self.request)


def is_https(request):
    forwarded = (request.headers.get("x-forwarded-proto") or "").lower()
    if forwarded:
        return forwarded == "https"
    return (settings().public_url or "").startswith("https://")


def cookie_header(name, value, secure, max_age=None, path="/console"):
    """A cookie no page script can read, sent back only with same-site navigations and forms.

    `SameSite=Lax`, not Strict: Strict would drop the cookie when someone follows an email's link
    to a case, and show them the sign-in page although they are signed in."""
    parts = [f"{name}={value}", f"Path={path}", "HttpOnly", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def sessions():
    from chalicelib.web.sessions import Sessions

    return Sessions(aws.client("dynamodb"), settings().sessions_table)


def sign_in_service():
    from chalicelib.web.signin import SignIn

    return SignIn()


def identity_from(tokens):
    """The person the pool's ID token names, verified as the JSON API verifies bearer tokens."""
    from chalicelib.web import auth

    return auth.verifier().identity("Bearer " + tokens.id_token)


def current_visit(request):
    """The request with its session: refreshed when the pool's tokens are about to lapse."""
    visit = Visit(request)
    cookie = visit.cookie(COOKIE)
    if not cookie:
        return visit
    store = sessions()
    session = store.find(cookie)
    if session is None:
        visit.ended = True
        return visit
    visit.session = session
    if not session.signed_in:
        return visit
    from chalicelib.actors import Identity

    if session.token_expires_at - _REFRESH_BEFORE <= time.time():
        from chalicelib.web.signin import SessionEnded

        try:
            tokens = sign_in_service().refresh(session.refresh_token)
            identity = identity_from(tokens)
        except SessionEnded:
            log("console_session_ended", actor=session.username)
            store.end(session)
            visit.session = None
            visit.ended = True
            return visit
        store.refreshed(session, identity, tokens)
    else:
        store.touch(session)
    visit.identity = Identity(session.subject, session.username, session.groups, "id")
    return visit


def check_csrf(visit, form, expected=None):
    """The session's token must come back with the form, and a browser's Origin (when it sends one) must be ours."""
    sent = form.pop("csrf_token", None)
    if expected is None:
        expected = visit.session.csrf if visit.session else None
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent, expected):
        return False
    origin = visit.request.headers.get("origin")
    if origin and origin != "null":
        host = visit.request.headers.get("host") or ""
        if urlsplit(origin).netloc != host:
            return False
    return True


def serve(request, page, *args, groups=None, changes=False):
    """A console page: signed in (or the sign-in page), in one of `groups`, with its CSRF token when it `changes`.

    A plain call, not a decorator, so tests/aws_calls.py can follow each route into its page."""
    from chalicelib.web.console import access

    visit = None
    try:
        visit = current_visit(request)
        if visit.identity is None:
            if request.method != "GET":
                return access.sign_in_page(visit, status=401, ended=True)
            signed_out = visit.param("signed_out") == "1"
            ended = visit.ended and not signed_out
            return access.sign_in_page(visit, next_path=visit.path, ended=ended, signed_out=signed_out)
        if groups and not visit.identity.in_any(groups):
            log("forbidden", level="WARNING", actor=visit.identity.username, path=_route(request))
            return message(visit, 403, "forbidden")
        if changes:
            form = read_form(visit)
            if not check_csrf(visit, form):
                log("csrf_refused", level="WARNING", actor=visit.identity.username, path=_route(request))
                return message(visit, 403, "csrf")
            visit.form = form
        current_identity.set(visit.identity)
        return page(visit, *args)
    except Exception as error:  # every failure is a page (with the person's navigation, when signed in)
        return failure_page(request, error, visit)
    finally:
        current_identity.set(None)


def guarded(request, step, *args):
    """A sign-in step: its failures are pages too."""
    try:
        return step(request, *args)
    except Exception as error:
        return failure_page(request, error)


def read_form(visit):
    """The posted form as a dict of lists (`name -> [values]`), size-bounded; empty answers kept as ''."""
    from urllib.parse import parse_qsl

    from chalicelib.web.problems import Problem

    body = visit.request.raw_body or b""
    if len(body) > _MAX_FORM_BYTES:
        raise Problem(413, "The form is too large.")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=500)
    except (UnicodeDecodeError, ValueError):
        raise Problem(400, "The form could not be read.") from None
    form = {}
    for name, value in pairs:
        form.setdefault(name, []).append(value)
    token = form.get("csrf_token")
    if token is not None:
        form["csrf_token"] = token[0] if len(token) == 1 else None
    return form


def failure_page(request, error, visit=None):
    from chalicelib.errors import DomainError
    from chalicelib.web.problems import Problem, from_domain
    from chalicelib.web.routing import unexpected

    if isinstance(error, DomainError):
        error = from_domain(error)
    if visit is None or visit.identity is None:
        visit = Visit(request)
    if isinstance(error, Problem):
        return message(visit, error.status, "problem", detail=error.detail)
    problem = unexpected(error)
    response = message(visit, problem.status, "unavailable" if problem.status == 503 else "problem", detail="")
    response.headers.update(problem.headers)
    return response


def message(visit, status, kind, detail=""):
    from chalicelib.web.console import texts

    title, text = texts.MESSAGES[kind]
    return render(visit, "console/message.html", status=status, title=title, text=detail or text)


def render(visit, template, status=200, upload_origin=None, **context):
    """A console page: never cached (it shows case detail), with the console's CSP."""
    session = getattr(visit, "session", None)
    identity = getattr(visit, "identity", None)
    from chalicelib.web.console import texts

    context.setdefault("csrf", session.csrf if session else "")
    context.setdefault("signing_in", False)
    response = pages.render(template, status=status, private=True, me=identity, ct=texts, **context)
    # The console is never framed, not even by the board's website (which may frame the public pages):
    # a framed staff form is a clickjacking target.
    policy = response.headers["Content-Security-Policy"]
    response.headers["Content-Security-Policy"] = policy[: policy.index("frame-ancestors")] + "frame-ancestors 'none'"
    response.headers["X-Frame-Options"] = "DENY"
    if upload_origin:
        policy = response.headers["Content-Security-Policy"]
        policy = policy.replace("form-action 'self'", f"form-action 'self' {upload_origin}")
        response.headers["Content-Security-Policy"] = policy + f"; connect-src {upload_origin}"
    if visit.set_cookies:
        response.headers["Set-Cookie"] = list(visit.set_cookies)
    return response


def redirect(visit, location):
    from chalice import Response

    headers = {"Location": location, "Cache-Control": "no-store"}
    if visit.set_cookies:
        headers["Set-Cookie"] = list(visit.set_cookies)
    return Response(body="", status_code=303, headers=headers)


def _route(request):
    return (request.context or {}).get("resourcePath") or "?"
