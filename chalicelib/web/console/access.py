"""Signing in and out of the console: the pool's password, code and new-password steps, as pages."""

import re
import secrets

from chalicelib.platform.logs import log
from chalicelib.web import console
from chalicelib.web.console import texts

_CODE = re.compile(r"[0-9]{6}")
_LOCAL_PATH = re.compile(r"/console(/[A-Za-z0-9._~/-]*)?")


def safe_next(path):
    """Where to go after signing in: a console path only (never another site)."""
    if isinstance(path, str) and _LOCAL_PATH.fullmatch(path) and "//" not in path:
        return path
    return "/console"


def sign_in_page(visit, next_path="/console", status=200, errors=(), ended=False, signed_out=False, username=""):
    token = visit.cookie(console.SIGNIN_COOKIE)
    if not token or len(token) > 64:
        token = secrets.token_urlsafe(32)
        visit.set_cookies.append(console.cookie_header(console.SIGNIN_COOKIE, token, visit.secure))
    if ended and not errors:
        # The old cookie names nothing now: the browser can forget it.
        visit.set_cookies.append(console.cookie_header(console.COOKIE, "", visit.secure, max_age=0))
    notice = texts.SIGNED_OUT if signed_out else (texts.SESSION_ENDED if ended and not errors else "")
    return console.render(
        visit,
        "console/sign_in.html",
        status=status,
        title=texts.SIGN_IN_TITLE,
        errors=list(errors),
        notice=notice,
        next_path=safe_next(next_path),
        username=username,
        csrf=token,
        signing_in=True,
    )


def sign_in(request):
    """`POST /console/sign-in`: the username and password."""
    visit = console.Visit(request)
    form = console.read_form(visit)
    if not console.check_csrf(visit, form, expected=visit.cookie(console.SIGNIN_COOKIE)):
        return sign_in_page(visit, status=403, errors=[{"anchor": "username", "text": texts.STALE_FORM}])
    username = _one(form, "username").strip()
    password = _one(form, "password")
    next_path = safe_next(_one(form, "next"))
    errors = []
    if not username:
        errors.append({"anchor": "username", "text": texts.ENTER_USERNAME})
    if not password:
        errors.append({"anchor": "password", "text": texts.PASSWORD_WORDS["enter"]})
    if errors:
        return sign_in_page(visit, next_path, status=422, errors=errors, username=username)
    from chalicelib.web.signin import Refused

    try:
        outcome = console.sign_in_service().password(username, password)
    except Refused:
        log("console_sign_in_refused", level="WARNING")
        return sign_in_page(visit, next_path, status=401, errors=[_refused()], username=username)
    return _next_step(visit, username, outcome, next_path)


def code(request):
    """`POST /console/sign-in/code`: the authenticator's code (or, setting an app up, its first code)."""
    visit = console.current_visit(request)
    session = visit.session
    form = console.read_form(visit)
    next_path = safe_next(_one(form, "next"))
    steps = ("mfa", "mfa_setup")
    if session is None or session.signed_in or session.step not in steps or not console.check_csrf(visit, form):
        return sign_in_page(visit, next_path, status=401, ended=True)
    entered = re.sub(r"[\s-]", "", _one(form, "code"))
    if not _CODE.fullmatch(entered):
        errors = [{"anchor": "code", "text": texts.ENTER_CODE}]
        return _step_page(visit, session.step, next_path, status=422, errors=errors)
    from chalicelib.web.signin import Refused

    service = console.sign_in_service()
    try:
        if session.step == "mfa_setup":
            outcome = service.mfa_setup(session.username, session.challenge, entered)
        else:
            outcome = service.code(session.username, session.challenge, entered)
    except Refused:
        return _start_again(visit, session, next_path)
    return _next_step(visit, session.username, outcome, next_path, pending=session)


def new_password(request):
    """`POST /console/sign-in/new-password`: a new user's own password, replacing the one they were given."""
    visit = console.current_visit(request)
    session = visit.session
    form = console.read_form(visit)
    next_path = safe_next(_one(form, "next"))
    if session is None or session.signed_in or session.step != "new_password" or not console.check_csrf(visit, form):
        return sign_in_page(visit, next_path, status=401, ended=True)
    chosen, again = _one(form, "new_password"), _one(form, "confirm_password")
    errors = []
    if not chosen:
        errors.append({"anchor": "new_password", "text": texts.PASSWORD_WORDS["enter"]})
    elif chosen != again:
        errors.append({"anchor": "confirm_password", "text": texts.PASSWORDS_DIFFER})
    if errors:
        return _step_page(visit, "new_password", next_path, status=422, errors=errors)
    from chalicelib.web.signin import PasswordRejected, Refused

    try:
        outcome = console.sign_in_service().new_password(session.username, session.challenge, chosen)
    except PasswordRejected as rejected:
        return _step_page(
            visit, "new_password", next_path, status=422, errors=[{"anchor": "new_password", "text": rejected.message}]
        )
    except Refused:
        return _start_again(visit, session, next_path)
    return _next_step(visit, session.username, outcome, next_path, pending=session)


def sign_out(request):
    """`POST /console/sign-out`: the session ends here and the pool's refresh token is revoked."""
    visit = console.current_visit(request)
    form = console.read_form(visit)
    if visit.session is not None and console.check_csrf(visit, form):
        if visit.session.refresh_token:
            console.sign_in_service().sign_out(visit.session.refresh_token)
        console.sessions().end(visit.session)
        log("console_signed_out", actor=visit.session.username)
    elif visit.session is not None:
        return console.message(visit, 403, "csrf")
    visit.set_cookies.append(console.cookie_header(console.COOKIE, "", visit.secure, max_age=0))
    return console.redirect(visit, "/console?signed_out=1")


def _next_step(visit, username, outcome, next_path, pending=None):
    store = console.sessions()
    if outcome.step == "signed_in":
        identity = console.identity_from(outcome.tokens)
        cookie, _ = store.sign_in(identity, outcome.tokens)
        if pending is not None:
            store.end(pending)
        log("console_signed_in", actor=identity.username)
        visit.set_cookies.append(console.cookie_header(console.COOKIE, cookie, visit.secure))
        visit.set_cookies.append(console.cookie_header(console.SIGNIN_COOKIE, "", visit.secure, max_age=0))
        return console.redirect(visit, next_path)
    if pending is not None:
        store.end(pending)
    challenge, secret = outcome.challenge or "", ""
    if outcome.step == "mfa_setup":
        # No authenticator app yet: the pool gives a secret for the person's app, shown on the next page.
        found = console.sign_in_service().mfa_secret(username, challenge)
        challenge, secret = found.challenge, found.secret
    cookie, session = store.begin(username, outcome.step, challenge, secret)
    visit.session = session
    visit.set_cookies.append(console.cookie_header(console.COOKIE, cookie, visit.secure))
    return _step_page(visit, outcome.step, next_path)


def _step_page(visit, step, next_path, status=200, errors=()):
    template, title = {
        "mfa": ("console/code.html", texts.CODE_TITLE),
        "mfa_setup": ("console/code.html", texts.SETUP_TITLE),
        "new_password": ("console/new_password.html", texts.PASSWORD_WORDS["new_title"]),
    }[step]
    secret = visit.session.app_key if step == "mfa_setup" and visit.session else ""
    uri = ""
    if secret:
        uri = console.sign_in_service().otpauth_uri(visit.session.username, secret)
    return console.render(
        visit,
        template,
        status=status,
        title=title,
        errors=list(errors),
        next_path=next_path,
        signing_in=True,
        setup_secret=secret,
        setup_uri=uri,
    )


def _start_again(visit, session, next_path):
    """A refused code or password step: back to the password, the step's session ended (the pool may not take
    the same challenge twice)."""
    log("console_sign_in_refused", level="WARNING")
    console.sessions().end(session)
    visit.session = None
    return sign_in_page(visit, next_path, status=401, errors=[_refused()])


def _refused():
    return {"anchor": "username", "text": texts.REFUSED}


def _one(form, name):
    values = form.get(name) or [""]
    return values[0] if isinstance(values, list) else values
