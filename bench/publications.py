"""(d) Publications: listing, search and the register at 100 and 5,000 publications.

A board publishes tens to hundreds of documents; search reads the public partition of the
listing index and matches in memory. This measures that choice against moto's DynamoDB (every
figure includes the HTTP round trips to it) and counts the AWS calls each request makes, so
the cost of a board far larger than any real one (5,000) is known rather than guessed.
"""

import random
import statistics
import time
import types

SIZES = (100, 5000)
REPEAT = 7
_WORDS = [
    "neglect",
    "neglected",
    "infant",
    "toddler",
    "teenager",
    "exploitation",
    "missing",
    "education",
    "health",
    "visitor",
    "police",
    "domestic",
    "abuse",
    "bruising",
    "escalation",
    "information",
    "sharing",
    "supervision",
    "housing",
    "mental",
    "substance",
    "school",
    "attendance",
    "disability",
    "looked",
    "after",
    "placement",
    "strategy",
    "discussion",
]


def _item(number, rng):
    from chalicelib.publications.store import _record, _to_dynamo
    from chalicelib.vocabulary import PUBLICATION_KINDS

    year = 2006 + number % 20
    day = f"{year}-0{1 + number % 9}-1{number % 10}"
    words = [rng.choice(_WORDS) for _ in range(60)]
    item = {
        "id": f"{number:012x}",
        "kind": PUBLICATION_KINDS[number % len(PUBLICATION_KINDS)],
        "title": f"{' '.join(words[:4]).capitalize()}: Child {chr(65 + number % 26)}{number}",
        "case_name": f"Child {chr(65 + number % 26)}",
        "summary": " ".join(words[4:54]),
        "keywords": sorted(set(words[54:60])),
        "status": "public",
        "version": 2,
        "publish_on": day,
        "published_on": day,
        "available_until": f"{year + 1}-01-01",
        "size_bytes": 250_000,
        "file_key": f"reports/{number}/r.pdf",
        "file_version": "v",
        "learning": " ".join(words[:40]),
    }
    return _to_dynamo(_record(item))


def _fill(db, table, start, stop):
    rng = random.Random(start)
    requests = [{"PutRequest": {"Item": _item(n, rng)}} for n in range(start, stop)]
    for offset in range(0, len(requests), 25):
        pending = {table: requests[offset : offset + 25]}
        while pending:
            pending = db.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def measure(make_client, stack, say):
    from chalicelib.publications.store import Publications

    db, s3 = make_client("dynamodb"), make_client("s3")
    table = stack.physical["PublicationsTable"]
    calls, in_aws = [], []
    marks = {}

    def before(model, **_):
        calls.append(model.name)
        marks["at"] = time.perf_counter()

    db.meta.events.register("before-call.dynamodb.*", before)
    db.meta.events.register("after-call.dynamodb.*", lambda **_: in_aws.append(time.perf_counter() - marks["at"]))
    conf = types.SimpleNamespace(
        publications_table=table,
        publications_bucket="",
        uploads_bucket="",
        max_upload_bytes=0,
        board_name="Bench board",
    )
    publications = Publications(s3, db, conf, "https://bench.example")
    requests = (
        ("GET /publications (first page of 50)", lambda: publications.listing(limit=50)),
        ("GET /publications?kind=learning_brief", lambda: publications.listing(kind="learning_brief")),
        ("GET /publications?q=neglect (common word)", lambda: publications.listing(q="neglect")),
        ("GET /publications?q=child+k11 (rare)", lambda: publications.listing(q="child k11")),
        ("GET /publications/register (first page)", lambda: publications.register()),
    )
    say(
        "(d) Publications: listing, search and register; search reads the listing index's public partition and "
        "matches in memory"
    )
    say(
        f"    {REPEAT} runs each at 100, 3 at 5,000; figures include the HTTP round trips to moto's DynamoDB, whose "
        "index queries cost far more than DynamoDB's"
    )
    say(
        f"    {'':44} {'size':>6} {'median':>9} {'ours':>9}  AWS calls per request   (ours: the median less "
        "the time inside AWS calls: parsing, matching, ranking)"
    )
    filled = 0
    for size in SIZES:
        _fill(db, table, filled, size)
        filled = size
        for label, request in requests:
            walls, ours = [], []
            for _ in range(REPEAT if size <= 100 else 3):
                calls.clear()
                in_aws.clear()
                started = time.perf_counter()
                request()
                walls.append((time.perf_counter() - started) * 1000)
                ours.append(walls[-1] - sum(in_aws) * 1000)
            summary = ", ".join(f"{calls.count(name)} {name}" for name in sorted(set(calls)))
            say(
                f"    {label:44} {size:>6} {statistics.median(walls):6.1f} ms {statistics.median(ours):6.1f} ms  "
                f"{summary}"
            )
