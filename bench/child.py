"""One measured process for bench.run.

    child.py app   EVENT_FILE        import app, answer one referral, exit
    child.py floor EVENT_FILE        import boto3, one put_item, exit
    child.py warm  EVENT_FILE N      import app, then N more referrals, timed one by one
    child.py console EVENT_FILE      import app, answer one signed-in GET /console (the case list), exit

Nothing but the standard library is imported before the thing being measured,
so the parent's wall clock around this process is the cost of the cold path
itself. The result is one line, `BENCH {json}`, on stdout (the app's own log
lines go there too, as on Lambda).
"""

import time

STARTED = time.perf_counter()

import json  # noqa: E402  (the app and boto3 both import it anyway)
import os  # noqa: E402
import sys  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Lambda puts the bundle's root (/var/task) first on the path; our own directory must not be there.
# BENCH_TASK is the unpacked bundle when the parent could build one, else the repository.
sys.path[0] = os.environ.get("BENCH_TASK") or ROOT

# Looked for in sys.modules after the first answer, to keep the cold path lean.
WATCHED = (
    "boto3",
    "botocore",
    "jsonschema",
    "referencing",
    "rpds",
    "jsonschema_specifications",
    "attrs",
    "jwt",
    "cryptography",
    "urllib3",
    "dateutil",
    "jmespath",
    "s3transfer",
    "requests",
    "yaml",
    "moto",
    "jinja2",
)


class Context:
    """The parts of Lambda's context object that Chalice and the app touch."""

    function_name = "case-review-dev"
    memory_limit_in_mb = 256

    def __init__(self, request_id):
        self.aws_request_id = request_id

    def get_remaining_time_in_millis(self):
        return 30_000


def ms(seconds):
    return round(seconds * 1000, 3)


def done(result):
    result["modules"] = sorted(name for name in WATCHED if name in sys.modules)
    result["module_count"] = len(sys.modules)
    sys.stdout.write("BENCH " + json.dumps(result) + "\n")
    sys.stdout.flush()
    # Lambda keeps the process after the answer; interpreter teardown is not part of a cold start.
    os._exit(0)


def fail(message):
    sys.stdout.flush()
    sys.stderr.write(f"bench child failed: {message}\n")
    sys.stderr.flush()
    os._exit(1)


def answer(handler, event, status=201):
    response = handler(event, Context(event["requestContext"]["requestId"]))
    if response.get("statusCode") != status:
        fail(f"expected {status}, got {response.get('statusCode')}: {str(response.get('body'))[:300]}")
    return response


def cold_app(event, status=201):
    import app

    imported = time.perf_counter()
    answer(app.app, event, status)
    finished = time.perf_counter()
    done(
        {
            "import_ms": ms(imported - STARTED),
            "first_ms": ms(finished - imported),
            "in_process_ms": ms(finished - STARTED),
        }
    )


def floor_item(event, reference):
    return {"reference": {"S": reference}, "status": {"S": "received"}, "document": {"S": event["body"]}}


def cold_floor(event):
    import boto3

    imported = time.perf_counter()
    client = boto3.client("dynamodb")
    client.put_item(TableName=os.environ["REFERRALS_TABLE"], Item=floor_item(event, f"FLOOR-{os.getpid()}"))
    finished = time.perf_counter()
    done(
        {
            "import_ms": ms(imported - STARTED),
            "first_ms": ms(finished - imported),
            "in_process_ms": ms(finished - STARTED),
        }
    )


def warm(event, count):
    import uuid

    import app

    answer(app.app, event)

    def variant(name):
        copy = json.loads(json.dumps(event))
        copy["requestContext"]["requestId"] = str(uuid.uuid4())
        if name == "keyed":
            key = f"bench-{uuid.uuid4().hex}"
            copy["headers"]["Idempotency-Key"] = key
            copy["multiValueHeaders"]["Idempotency-Key"] = [key]
        return copy

    timings = {}
    for name in ("plain", "keyed"):
        events = [variant(name) for _ in range(count)]  # built before the clock starts
        spent = []
        for each in events:
            started = time.perf_counter()
            answer(app.app, each)
            spent.append(ms(time.perf_counter() - started))
        timings[name] = spent

    # The same round trip with nothing of the app around it: what the moto server alone costs.
    import boto3

    client = boto3.client("dynamodb")
    table = os.environ["REFERRALS_TABLE"]
    client.put_item(TableName=table, Item=floor_item(event, "FLOOR-WARM-0"))
    spent = []
    for index in range(1, count + 1):
        item = floor_item(event, f"FLOOR-WARM-{index}")
        started = time.perf_counter()
        client.put_item(TableName=table, Item=item)
        spent.append(ms(time.perf_counter() - started))
    timings["put_item"] = spent
    done({"timings": timings})


def main():
    mode, event_file = sys.argv[1], sys.argv[2]
    with open(event_file, encoding="utf-8") as handle:
        event = json.load(handle)  # Lambda's runtime decodes the event too
    if mode == "app":
        cold_app(event)
    elif mode == "floor":
        cold_floor(event)
    elif mode == "console":
        cold_app(event, status=200)
    elif mode == "warm":
        warm(event, int(sys.argv[3]))
    else:
        fail(f"unknown mode {mode!r}")


if __name__ == "__main__":
    try:
        main()
    except BaseException as exc:  # any failure must reach the parent as a non-zero exit
        import traceback

        traceback.print_exc()
        fail(f"{type(exc).__name__}: {exc}")
