"""The public pages: the referral form and the case reviews page, server-rendered HTML.

Imported only by the page routes (inside their functions), never on the JSON API's path:
Jinja2 and the templates load on the first page a Lambda serves.
"""

import functools
import json
import os
import re
from urllib.parse import urlsplit

from chalice import Response

from chalicelib.platform.settings import settings
from chalicelib.web.pages import texts

HERE = os.path.dirname(os.path.abspath(__file__))
ASSETS = os.path.join(HERE, "assets")
_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


@functools.lru_cache(maxsize=1)
def manifest():
    """Logical asset name -> its content-hashed file, as tools/build_assets.py wrote it."""
    with open(os.path.join(ASSETS, "manifest.json"), encoding="utf-8") as handle:
        return json.load(handle)


@functools.lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(os.path.join(HERE, "templates")),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["asset"] = lambda name: "/assets/" + manifest()[name]
    env.globals["t"] = texts
    env.filters["london_date"] = london_date
    env.filters["london_time"] = london_time
    env.filters["file_size"] = file_size
    return env


def board():
    conf = settings()
    fill = {"board": conf.board_name, "phone": conf.contact_phone or "-", "email": conf.contact_email or "-"}
    return {
        "name": conf.board_name,
        "phone": conf.contact_phone,
        "email": conf.contact_email,
        "logo_url": conf.logo_url,
        "header_colour": conf.header_colour,
        "fill": fill,
    }


def render(template, status=200, private=False, **context):
    """An HTML page with the pages' security headers. `private`: it holds what someone typed."""
    html = _environment().get_template(template).render(board=board(), **context)
    return Response(body=html, status_code=status, headers=headers(private))


def headers(private):
    conf = settings()
    images = "'self'"
    if conf.logo_url:
        parts = urlsplit(conf.logo_url)
        if parts.scheme == "https" and parts.netloc:
            images += f" https://{parts.netloc}"
    ancestors = "'self'" + (f" {conf.website_origin}" if conf.website_origin else "")
    policy = (
        f"default-src 'none'; script-src 'self'; style-src 'self'; img-src {images}; "
        f"form-action 'self'; base-uri 'none'; frame-ancestors {ancestors}"
    )
    result = {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        # What was typed must not stay in the browser's cache or history snapshots.
        "Cache-Control": "no-store" if private else "public, max-age=60",
    }
    return result


def asset(name):
    """A content-hashed asset: the same name always has the same bytes, so it is cached for a year."""
    if name == "theme.css":
        return theme()
    if name not in manifest().values():  # only the built files, never a path
        return render("message.html", status=404, title=texts.NOT_FOUND_TITLE, text="")
    with open(os.path.join(ASSETS, name), encoding="utf-8") as handle:
        body = handle.read()
    return Response(
        body=body,
        status_code=200,
        headers={
            "Content-Type": _TYPES[os.path.splitext(name)[1]],
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "public, max-age=31536000, immutable",
        },
    )


def theme():
    """The board's header colour, as a stylesheet (inline styles are refused by the pages' policy)."""
    colour = settings().header_colour
    if not re.fullmatch(r"#[0-9A-Fa-f]{6}", colour):
        colour = "#1d70b8"
    body = (
        f":root{{--govuk-brand-colour:{colour}}}"
        f".govuk-generic-header{{background-color:{colour};border-bottom-color:{colour}}}"
    )
    return Response(
        body=body,
        status_code=200,
        headers={
            "Content-Type": "text/css; charset=utf-8",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "public, max-age=300",
        },
    )


def london_date(value):
    """`2026-12-03` -> `3 December 2026`."""
    if not value:
        return ""
    year, month, day = (int(part) for part in str(value)[:10].split("-"))
    return f"{day} {texts.MONTHS[month - 1]} {year}"


def london_time(value):
    """`2026-11-25T21:04:05Z` -> `25 November 2026, 21:04` in UK time."""
    if not value:
        return ""
    from chalicelib.platform.clock import london

    try:
        moment = london(str(value))
    except ValueError:
        return str(value)
    return f"{london_date(moment.date().isoformat())}, {moment:%H:%M}"


def file_size(size):
    if size is None:
        return ""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def html_errors(view):
    """A page's failures as pages, never problem+json or a traceback: a person is reading."""

    @functools.wraps(view)
    def page(*args, **kwargs):
        from chalicelib.errors import DomainError
        from chalicelib.web.problems import Problem
        from chalicelib.web.routing import unexpected

        try:
            return view(*args, **kwargs)
        except (Problem, DomainError) as error:
            status = getattr(error, "status", 400)
            return render(
                "message.html", status=status, private=True, title=texts.BAD_FORM_TITLE, text=error.detail, restart=True
            )
        except Exception as exc:  # logged by type only: the message could quote what was typed
            problem = unexpected(exc)
            response = render(
                "message.html",
                status=problem.status,
                private=True,
                title=texts.UNAVAILABLE_TITLE,
                text=texts.UNAVAILABLE,
            )
            response.headers.update(problem.headers)
            return response

    return page
