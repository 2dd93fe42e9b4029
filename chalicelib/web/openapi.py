"""The OpenAPI 3.1 document, generated from the route table and the JSON Schemas.

Paths, methods, path parameters, accepted content types and who may call a route come
from the app's routes (`app.routes`; the groups from `routing.route`). Request bodies are
the schemas in chalicelib/schemas, embedded as they are (their `$defs` lifted into
components). What cannot be read off a route is in VIEWS, by view name: its body
schema, its query parameters and its successful answers. A test checks VIEWS and the
route table name the same views, and Schemathesis checks every answer against the result.
"""

import functools

from chalicelib.vocabulary import CLOCK_STATUSES, PUBLICATION_KINDS, REFERENCE_ALPHABET, STATUSES

JSON, FORM, PROBLEM = "application/json", "application/x-www-form-urlencoded", "application/problem+json"

_CURSOR = {
    "name": "cursor",
    "in": "query",
    "schema": {"type": "string", "maxLength": 2048},
    "description": "The `next` of the previous page (opaque).",
}
_LIMIT = {
    "name": "limit",
    "in": "query",
    "schema": {"type": "integer", "minimum": 1, "maximum": 100},
    "description": "Items per page: ASCII digits, 1 to 100 (50 when absent).",
}
_PAGE = {
    "type": "object",
    "required": ["items", "next"],
    "properties": {"items": {"type": "array", "items": {"type": "object"}}, "next": {"type": ["string", "null"]}},
}
_OBJECT = {"type": "object"}


def _ok(status=200, schema=_OBJECT, content_type=JSON, description="Done."):
    return {str(status): {"description": description, "content": {content_type: {"schema": schema}}}}


_REDIRECT = {"description": "See Location.", "headers": {"Location": {"schema": {"type": "string"}}}}

VIEWS = {
    "create_referral": {
        "summary": "Refer a child's death or serious harm (JSON, or the HTML form's fields)",
        "body": "referral",
        "responses": {
            **_ok(201, description="Received: the reference."),
            **_ok(200, description="A replay of an earlier submission: the same reference."),
            "303": {**_REDIRECT, "description": "A form post: on to the website's thank-you page."},
        },
    },
    "referral_schema": {"summary": "The referral's JSON Schema", "responses": _ok()},
    "list_referrals": {
        "summary": "Referrals, newest first",
        "query": [
            {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(STATUSES)}},
            {"name": "clock", "in": "query", "schema": {"type": "string", "enum": list(CLOCK_STATUSES)}},
            _CURSOR,
            _LIMIT,
        ],
        "responses": _ok(schema=_PAGE),
    },
    "export_referrals": {
        "summary": "Every referral for the annual report (no child details)",
        "responses": _ok(schema={"type": "string"}, content_type="text/csv"),
    },
    "get_referral": {"summary": "One referral, whole", "responses": _ok()},
    "recommend_referral": {
        "summary": "The sub-committee's recommendation",
        "body": "recommendation",
        "responses": _ok(),
    },
    "decide_referral": {"summary": "The chair's decision", "body": "decision", "responses": _ok()},
    "record_progress": {"summary": "A review's progress", "body": "progress", "responses": _ok()},
    "audit_trail": {
        "summary": "The audit trail, newest first",
        "query": [{"name": "reference", "in": "query", "schema": {"type": "string", "maxLength": 9}}, _CURSOR, _LIMIT],
        "responses": _ok(schema=_PAGE),
    },
    "create_upload": {"summary": "A signed form to upload a PDF", "body": "upload", "responses": _ok()},
    "create_publication": {
        "summary": "Publish an uploaded PDF",
        "body": "publication",
        "responses": {"201": {**_ok(201)["201"], "headers": {"Location": {"schema": {"type": "string"}}}}},
    },
    "replace_publication_file": {
        "summary": "Replace a publication's file (the old one stays locked)",
        "body": "replacement",
        "responses": _ok(),
    },
    "withdraw_publication": {"summary": "Withdraw a publication", "body": "withdrawal", "responses": _ok()},
    "list_publications": {
        "summary": "Publications, newest first; search with q",
        "query": [
            {"name": "kind", "in": "query", "schema": {"type": "string", "enum": list(PUBLICATION_KINDS)}},
            {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200}},
            _CURSOR,
            _LIMIT,
        ],
        "responses": _ok(schema=_PAGE),
    },
    "publications_feed": {
        "summary": "The Atom feed of publications",
        "responses": _ok(schema={"type": "string"}, content_type="application/atom+xml"),
    },
    "get_publication": {"summary": "One publication", "responses": _ok()},
    "download_publication": {
        "summary": "The publication's PDF (a short-lived signed link)",
        "responses": {"302": _REDIRECT},
    },
    "openapi_document": {"summary": "This document", "responses": _ok()},
    # Version 2: cases under either regime.
    "enter_referral": {
        "summary": "A case entered by staff: the referral document with its source (and regime)",
        "body": "referral",
        "extend": "staff_entry",
        "responses": _ok(201),
    },
    "link_referral": {"summary": "Link two cases about one incident", "body": "link", "responses": _ok()},
    "record_notification": {
        "summary": "The local authority's notification to the Panel",
        "body": "notification",
        "responses": _ok(),
    },
    "record_rapid_review": {"summary": "The rapid review", "body": "rapid_review", "responses": _ok()},
    "sign_off": {
        "summary": "A safeguarding partner's sign-off (for the caller's own partner)",
        "body": "sign_off",
        "responses": _ok(),
    },
    "record_panel": {
        "summary": "The rapid review sent to the Panel, or the Panel's answer",
        "body": "panel",
        "responses": _ok(),
    },
    "record_review": {
        "summary": "The local review: reviewer, terms of reference, progress",
        "body": "review",
        "responses": _ok(),
    },
    "add_proceeding": {"summary": "A parallel proceeding", "body": "proceeding", "responses": _ok(201)},
    "update_proceeding": {
        "summary": "A parallel proceeding's change (e.g. concluded)",
        "body": "proceeding_update",
        "responses": _ok(),
    },
    "add_notice": {"summary": "A notice the partnership gave", "body": "notice", "responses": _ok(201)},
    # Version 2: publishing.
    "list_staff_publications": {
        "summary": "Publications by state, for publishers (drafts awaiting certification by default)",
        "query": [
            {
                "name": "status",
                "in": "query",
                "schema": {"type": "string", "enum": ["awaiting_certification", "scheduled", "public", "withdrawn"]},
            },
            _CURSOR,
            _LIMIT,
        ],
        "responses": _ok(schema=_PAGE),
    },
    "certify_publication": {
        "summary": "A second publisher certifies anonymisation and reporting restrictions",
        "body": "certification",
        "responses": _ok(),
    },
    "submit_publication_to_repository": {
        "summary": "Email the NSPCC repository the report's link and fields",
        "responses": _ok(),
    },
    "publications_register": {
        "summary": "Everything ever published: online, on request, or delayed",
        "query": [_CURSOR, _LIMIT],
        "responses": _ok(schema=_PAGE),
    },
}

# The pages for people (ui.md: HTML, their errors as pages) and their assets are not part of the
# JSON interface this document describes.
PUBLIC_PAGES = frozenset(
    {"referral_start", "referral_step", "case_reviews", "case_reviews_register", "page_asset", "favicon"}
)
# The staff console (/console): pages for people, with their own sign-in.
CONSOLE_PAGES = frozenset(
    {
        "console_case",
        "console_case_audit",
        "console_case_change",
        "console_create_publication",
        "console_export",
        "console_figures",
        "console_figures_csv",
        "console_home",
        "console_new_publication",
        "console_publication",
        "console_publication_change",
        "console_publications",
        "console_referrals",
        "console_replace_publication_file",
        "console_sign_in",
        "console_sign_in_code",
        "console_sign_in_new_password",
        "console_sign_out",
    }
)
PAGES = PUBLIC_PAGES | CONSOLE_PAGES

PATH_PARAMETERS = {
    "reference": {"type": "string", "pattern": f"^[{REFERENCE_ALPHABET}]{{4}}-[{REFERENCE_ALPHABET}]{{4}}$"},
    "publication_id": {"type": "string", "pattern": "^[0-9a-f]{12}$"},
    "proceeding_id": {"type": "string", "pattern": "^[0-9a-f]{12}$"},
}

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}


@functools.lru_cache(maxsize=4)
def document(app):
    """The whole document for `app` (the same every time: cached per app)."""
    from chalicelib.platform.validation import load_schema

    schemas = {"Problem": PROBLEM_SCHEMA}
    paths = {}
    for path, methods in app.routes.items():
        if all(entry.view_name in PAGES for entry in methods.values()):
            continue
        operations = paths.setdefault(path, {})
        for method, entry in methods.items():
            if entry.view_name in PAGES:
                continue
            view = VIEWS[entry.view_name]
            groups = getattr(entry.view_function, "groups", None)
            operation = {
                "operationId": entry.view_name,
                "summary": view["summary"],
                "parameters": [
                    {"name": name, "in": "path", "required": True, "schema": PATH_PARAMETERS[name]}
                    for name in entry.view_args
                ]
                + list(view.get("query", [])),
                "responses": {**view["responses"], **_errors(bool(groups))},
            }
            if groups:
                operation["security"] = [{"staff": []}]
                operation["description"] = "Staff in any of these groups: " + ", ".join(groups) + "."
            if "body" in view:
                if "defs" not in schemas:
                    schemas.update(_component("defs", load_schema("defs")))
                name = view["body"] + (f"_with_{view['extend']}" if "extend" in view else "")
                if name not in schemas:
                    schemas.update(_component(name, _body_schema(view)))
                ref = {"$ref": f"#/components/schemas/{name}"}
                content = {JSON: {"schema": ref}}
                if FORM in entry.content_types:
                    # The HTML form posts flat fields (child.first_name=...) that become the same JSON.
                    content[FORM] = {"schema": {"type": "object", "additionalProperties": {"type": "string"}}}
                operation["requestBody"] = {"required": True, "content": content}
            operations[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Case review service",
            "version": "2",
            "description": "Referrals from professionals, the statutory case review process, publications.",
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "staff": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "A Cognito access or ID token of the staff user pool.",
                }
            },
        },
    }


def _body_schema(view):
    """The body's schema; with `extend`, another closed schema's fields allowed beside its own."""
    from chalicelib.platform.validation import load_schema

    schema = load_schema(view["body"])
    if "extend" not in view:
        return schema
    extra = load_schema(view["extend"])
    return {
        **schema,
        "properties": {**schema["properties"], **extra["properties"]},
        "required": list(schema.get("required", [])) + list(extra.get("required", [])),
    }


def _errors(staff):
    problem = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    errors = {
        "4XX": {"description": "The request was refused: nothing changed.", "content": problem},
        "503": {
            "description": "A dependency is briefly unavailable: nothing changed; try again.",
            "headers": {"Retry-After": {"required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"}}},
            "content": problem,
        },
    }
    if staff:
        errors["401"] = {
            "description": "No valid bearer token.",
            "content": problem,
            "headers": {"WWW-Authenticate": {"required": True, "schema": {"type": "string"}}},
        }
    return errors


SHARED_DEFS = "defs.schema.json#/$defs/"


def _component(name, schema):
    """`schema` as components: its `$defs` lifted beside it, its `#/$defs/x` refs pointed there."""
    defs = schema.get("$defs", {})

    def target(ref):
        if ref.startswith("#/$defs/"):
            return f"#/components/schemas/{name}.{ref[len('#/$defs/') :]}"
        if ref.startswith(SHARED_DEFS):  # the shared definitions file, lifted as the `defs` components
            return f"#/components/schemas/defs.{ref[len(SHARED_DEFS) :]}"
        return ref

    def rewrite(node):
        if isinstance(node, dict):
            return {
                key: (target(value) if key == "$ref" and isinstance(value, str) else rewrite(value))
                for key, value in node.items()
                if key not in ("$defs", "$id", "$schema")
            }
        if isinstance(node, list):
            return [rewrite(value) for value in node]
        return node

    found = {name: rewrite(schema)}
    found.update({f"{name}.{key}": rewrite(value) for key, value in defs.items()})
    return found
