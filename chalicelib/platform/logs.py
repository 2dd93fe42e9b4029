"""Structured logs: one JSON line per event.

Only the fields named in ALLOWED can be logged. A referral's content can never
reach a log line by accident, because there is no field to put it in.
"""

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime

ALLOWED = frozenset(
    {
        "reference",
        "status",
        "method",
        "path",
        "status_code",
        "error_code",
        "problem",
        "email",
        "attempts",
        "count",
        "duration_ms",
        "content_type",
        "field_count",
        "decision",
        "recommendation",
        "actor",
        "action",
        "publication",
        "kind",
        "job",
    }
)

request_id = contextvars.ContextVar("request_id", default=None)

_logger = logging.getLogger("case_review")


def _ensure_handler():
    if not _logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        _logger.addHandler(handler)
        _logger.setLevel(logging.INFO)
        # Lambda's root handler would wrap our JSON in its own text format.
        _logger.propagate = False


def log(event, level="INFO", **fields):
    _ensure_handler()
    line = {
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "level": level,
        "event": event,
        "request_id": request_id.get(),
    }
    dropped = sorted(key for key in fields if key not in ALLOWED)
    line.update((key, value) for key, value in fields.items() if key in ALLOWED)
    if dropped:
        line["dropped_fields"] = dropped
    _logger.log(getattr(logging, level), json.dumps(line, default=str))
