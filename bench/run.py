"""`make bench`: how far the service's cold path is from the floor, and how big it ships.

(a) cold start: a fresh interpreter that imports app.py and answers one referral
    through the Lambda entry point, against a fresh interpreter that imports
    boto3 and makes one put_item (the least any Lambda writing to DynamoDB pays);
(b) warm time per referral in one process;
(c) the Lambda bundle's size;
(d) publications: listing, search and the register at 100 and 5,000 publications, with AWS calls per request;
(e) the staff console's first page in a fresh process: a signed-in GET /console (the case list), which loads
    Jinja2, the templates and the session, against the referral's cold start.

Both cold processes talk to the same moto server, started here with the stack
provisioned from the deployment template. Prints a report; exits 0 when a goal
is missed (it is a measurement) and 1 when something could not be measured.
"""

import json
import logging
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from bench import bundle  # noqa: E402

REGION = "eu-west-2"
CHILD = os.path.join(ROOT, "bench", "child.py")
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
WARM = int(os.environ.get("BENCH_WARM", "200"))
RATIO_GOAL = 1.1
# cryptography (PyJWT's RS256 for staff tokens, issue 13) is about 4.5 MB of it; the rest is near 2 MB.
BUNDLE_GOAL = 7 * 1000 * 1000
MB = 1000 * 1000
# Dummy credentials: nothing here may ever reach a real AWS account.
DUMMY_AWS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    # With current botocore, DynamoDB calls otherwise go to account-based endpoints that moto misses.
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
}
# Watched modules whose absence is worth stating (jsonschema: loaded only to list a refused document's errors).
SHOULD_STAY_OUT = ("jsonschema", "referencing", "rpds", "jwt", "cryptography", "requests", "yaml", "moto", "jinja2")


def say(text=""):
    print(text, flush=True)


def api_gateway_event(body, method="POST", path="/referrals", extra_headers=None):
    """An API Gateway REST proxy event (POST /referrals by default), as Lambda hands it to `app.app`."""
    request_id = str(uuid.uuid4())
    headers = {
        **(extra_headers or {}),
        "Accept": "application/json",
        "Content-Type": "application/json",
        "Host": "abc123.execute-api.eu-west-2.amazonaws.com",
        "User-Agent": "bench/1.0",
        "X-Forwarded-For": "203.0.113.10",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    }
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "r1",
            "resourcePath": path,
            "httpMethod": method,
            "extendedRequestId": request_id,
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "path": "/api" + path,
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": "api",
            "domainPrefix": "abc123",
            "requestTimeEpoch": int(time.time() * 1000),
            "requestId": request_id,
            "identity": {"sourceIp": "203.0.113.10", "userAgent": "bench/1.0"},
            "domainName": "abc123.execute-api.eu-west-2.amazonaws.com",
            "apiId": "abc123",
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


def start_aws():
    """moto on a free port in this process, and the stack of the deployment template in it."""
    os.environ.update(DUMMY_AWS)
    os.environ.pop("AWS_PROFILE", None)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    import boto3
    from moto.server import ThreadedMotoServer

    from stack.provision import provision

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    stack = provision(
        lambda service: boto3.client(service, region_name=REGION, endpoint_url=endpoint),
        prefix="bench",
        region=REGION,
        # Required by the template (the uploads bucket's CORS origin is derived from it).
        parameters={"PublicUrl": "https://bench.example/api"},
    )
    return server, endpoint, stack


def child_environment(stack, endpoint, workdir):
    # A clean environment, like Lambda's: the template's variables and the dummy AWS, nothing of ours.
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if name in os.environ}
    env.update(stack.environment())
    env.update(DUMMY_AWS)
    env["AWS_ENDPOINT_URL"] = endpoint
    # Lambda has no ~/.aws files; neither process should read ours.
    env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(workdir, "no-aws-config")
    return env


RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")


def lambda_layout(zipped, workdir):
    """The bundle unpacked as /var/task, and a /var/runtime holding only what Lambda's Python provides.

    Measuring against the dev virtualenv would load what moto brings along (jsonschema
    imports optional format checkers when it finds them), which a Lambda never has.
    """
    import zipfile

    import boto3

    task, runtime = os.path.join(workdir, "task"), os.path.join(workdir, "runtime")
    with zipfile.ZipFile(zipped) as archive:
        archive.extractall(task)
    os.makedirs(runtime)
    site = os.path.dirname(os.path.dirname(boto3.__file__))
    for name in RUNTIME_PACKAGES:
        if os.path.exists(os.path.join(site, name)):
            os.symlink(os.path.join(site, name), os.path.join(runtime, name))
    return task, runtime


LAYOUT = {}  # kind of child -> (extra interpreter flags, PYTHONPATH, BENCH_TASK)


def run_child(args, env, kind=None):
    """Runs one fresh interpreter; returns (wall seconds from spawn to exit, its BENCH result)."""
    flags, path, task = LAYOUT.get(kind, ((), None, None))
    if path is not None:
        env = {**env, "PYTHONPATH": path, "BENCH_TASK": task or ""}
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, *flags, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    wall = time.perf_counter() - started
    result = None
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH "):
            result = json.loads(line[len("BENCH ") :])
    if proc.returncode != 0 or (result is None and args[0] != "-c"):
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise RuntimeError(f"child {' '.join(args)} exited {proc.returncode}:\n{tail}")
    return wall, result


def ms(seconds):
    return seconds * 1000


def cold_start(env, event_file):
    kinds = {
        "app": ([CHILD, "app", event_file], []),
        "floor": ([CHILD, "floor", event_file], []),
        "bare": (["-c", "pass"], []),
    }
    results = {"app": [], "floor": []}
    # One discarded round: the first import writes __pycache__ and fills the page cache.
    for name, (args, _) in kinds.items():
        run_child(args, env, name)
    for round_ in range(RUNS):
        # Alternate, and flip the order every round, so drift over time hits both alike.
        order = ["app", "floor", "bare"] if round_ % 2 == 0 else ["floor", "app", "bare"]
        for name in order:
            args, walls = kinds[name]
            wall, result = run_child(args, env, name)
            walls.append(ms(wall))
            if result is not None:
                results[name].append(result)
    return {name: walls for name, (_, walls) in kinds.items()}, results


def report_cold(walls, results):
    app_median, floor_median = statistics.median(walls["app"]), statistics.median(walls["floor"])
    ratio = app_median / floor_median
    say("(a) Cold start: fresh process to its first answer, wall clock seen by the parent (spawn to exit)")
    say(
        f"    {RUNS} runs each, alternated, after 1 discarded warm-up round; .pyc caches are warm here, whereas "
        "Lambda compiles bundled code on every cold start (chalice ships no .pyc)"
    )
    say(f"    {'':40} {'median':>9} {'min':>9}   in-process median: import + first answer")

    def row(label, name):
        inside = results.get(name)
        detail = ""
        if inside:
            detail = (
                f"   {statistics.median(r['import_ms'] for r in inside):6.1f} + "
                f"{statistics.median(r['first_ms'] for r in inside):6.1f} ms"
            )
        say(f"    {label:40} {statistics.median(walls[name]):6.1f} ms {min(walls[name]):6.1f} ms{detail}")

    row("app    import app, POST /referrals -> 201", "app")
    row("floor  import boto3, client, 1 put_item", "floor")
    row("bare   python -c pass (interpreter only)", "bare")
    verdict = "met" if ratio <= RATIO_GOAL else "MISSED"
    say(
        f"    ratio app/floor of the medians: {ratio:.2f}   (goal <= {RATIO_GOAL}: {verdict}; "
        f"of the mins: {min(walls['app']) / min(walls['floor']):.2f})"
    )
    app_last, floor_last = results["app"][-1], results["floor"][-1]
    say(f"    modules after the first referral: app {app_last['module_count']}, floor {floor_last['module_count']}")
    say(f"      app imported:   {', '.join(app_last['modules']) or '-'}")
    extra = [m for m in app_last["modules"] if m not in floor_last["modules"]]
    say(f"      beyond floor:   {', '.join(extra) or '-'}")
    say(f"      not imported:   {', '.join(m for m in SHOULD_STAY_OUT if m not in app_last['modules']) or '-'}")
    return ratio


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]  # nearest rank


def report_warm(env, event_file):
    _, result = run_child([CHILD, "warm", event_file, str(WARM)], env, "warm")
    timings = result["timings"]
    say(f"(b) Warm referral in one process, after its first: {WARM} invocations of app.app(event, context) each")
    say("    (every figure includes the HTTP round trip to the moto server; the last row is that round trip alone)")
    say(f"    {'':40} {'mean':>9} {'p50':>9} {'p95':>9} {'max':>9}")
    rows = (
        ("POST /referrals, no key (put_item)", "plain"),
        ("POST /referrals, Idempotency-Key (txn)", "keyed"),
        ("bare boto3 put_item, warm client", "put_item"),
    )
    for label, name in rows:
        values = timings[name]
        say(
            f"    {label:40} {statistics.fmean(values):6.2f} ms {percentile(values, 0.5):6.2f} ms "
            f"{percentile(values, 0.95):6.2f} ms {max(values):6.2f} ms"
        )
    # Seen as the keyed row's times growing with BENCH_WARM: moto's cost, not the app's.
    say("    moto deep-copies every table a transaction touches, so the Idempotency-Key row grows with the tables")
    return timings


def report_console(env, endpoint, stack, workdir, app_walls):
    """(e) A signed-in person's first console page from a fresh process: the session is made here first."""
    import boto3

    from chalicelib.actors import Identity
    from chalicelib.web.sessions import Sessions

    class Tokens:  # the pool's tokens as the session keeps them: valid for an hour, so no refresh is due
        refresh_token = "bench-refresh"  # noqa: S105  (not a secret: nothing checks it in the bench)
        expires_at = int(time.time()) + 3600

    dynamodb = boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint)
    cookie, _ = Sessions(dynamodb, stack.physical["SessionsTable"]).sign_in(
        Identity("bench-subject", "bench-chair", frozenset({"chair"}), "id"), Tokens
    )
    event_file = os.path.join(workdir, "console.json")
    with open(event_file, "w", encoding="utf-8") as handle:
        json.dump(api_gateway_event(None, "GET", "/console", {"Cookie": f"console_session={cookie}"}), handle)
    run_child([CHILD, "console", event_file], env, "app")  # the discarded warm-up, as for (a)
    walls, results = [], []
    for _ in range(RUNS):
        wall, result = run_child([CHILD, "console", event_file], env, "app")
        walls.append(ms(wall))
        results.append(result)
    say("(e) The console's first page in a fresh process: import app, a signed-in GET /console -> 200 (the case list)")
    say(
        f"    median {statistics.median(walls):6.1f} ms, min {min(walls):6.1f} ms   in-process: "
        f"{statistics.median(r['import_ms'] for r in results):6.1f} ms import + "
        f"{statistics.median(r['first_ms'] for r in results):6.1f} ms first answer"
    )
    if app_walls:
        say(f"    against the referral's cold start: {statistics.median(walls) / statistics.median(app_walls):.2f}x")
    say(f"      loaded for it: {', '.join(results[-1]['modules'])}")
    return walls


def report_publications(endpoint, stack):
    import boto3

    from bench import publications

    publications.measure(lambda service: boto3.client(service, region_name=REGION, endpoint_url=endpoint), stack, say)


def report_bundle(workdir, built=None):
    say("(c) Lambda bundle")
    built = built or bundle.measure(workdir)
    for note in built.notes:
        say(f"    {note}")
    label = "estimate (not chalice's own)" if built.estimate else "chalice package"
    verdict = "met" if built.compressed < BUNDLE_GOAL else "MISSED"
    say(
        f"    deployment.zip, {label}: {built.compressed / MB:.2f} MB compressed, "
        f"{built.uncompressed / MB:.2f} MB uncompressed, {built.files} files   "
        f"(goal < {BUNDLE_GOAL / MB:.0f} MB: {verdict})"
    )
    if built.missing:
        say(f"    WARNING: the bundle lacks {', '.join(built.missing)}, which the app reads at run time")
    return built


def main():
    from tests.sample import REFERRAL

    failures = []
    say(f"Case review bench: python {sys.version.split()[0]}, BENCH_RUNS={RUNS}, BENCH_WARM={WARM}")
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        event_file = os.path.join(workdir, "event.json")
        with open(event_file, "w", encoding="utf-8") as handle:
            json.dump(api_gateway_event(REFERRAL), handle)
        server = None
        built = None
        try:
            built = bundle.measure(workdir)
            if not built.estimate and not built.missing:
                task, runtime = lambda_layout(built.path, workdir)
                # -S: no site-packages, only the bundle and the runtime's boto3, as on Lambda.
                LAYOUT.update(
                    {
                        "app": (("-S",), f"{task}:{runtime}", task),
                        "warm": (("-S",), f"{task}:{runtime}", task),
                        "floor": (("-S",), runtime, ""),
                        "bare": (("-S",), runtime, ""),
                    }
                )
                say("cold and warm processes run the packaged bundle, with only boto3 beside it (as Lambda does)")
            else:
                say("cold and warm processes run from the dev virtualenv (no chalice bundle to run)")
        except Exception as exc:
            say(f"the bundle could not be built first ({type(exc).__name__}); processes run from the virtualenv")
        try:
            server, endpoint, stack = start_aws()
            say(f"embedded AWS: moto server at {endpoint} (in this process), stack 'bench' provisioned")
            env = child_environment(stack, endpoint, workdir)
            cold = {}

            def measure_cold():
                walls, results = cold_start(env, event_file)
                cold["app"] = walls["app"]
                return report_cold(walls, results)

            for title, section in (
                ("cold start", measure_cold),
                ("warm referral", lambda: report_warm(env, event_file)),
                ("publications", lambda: report_publications(endpoint, stack)),
                ("console", lambda: report_console(env, endpoint, stack, workdir, cold.get("app"))),
            ):
                say()
                try:
                    section()
                except Exception as exc:
                    failures.append(title)
                    say(f"    FAILED ({title}): {type(exc).__name__}: {exc}")
        except Exception as exc:
            failures.append("embedded AWS")
            say(f"FAILED to start the embedded AWS: {type(exc).__name__}: {exc}")
        finally:
            if server is not None:
                server.stop()
        say()
        try:
            report_bundle(workdir, built)
        except Exception as exc:
            failures.append("bundle")
            say(f"    FAILED (bundle): {type(exc).__name__}: {exc}")
    say()
    if failures:
        say(f"bench: could not measure: {', '.join(failures)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
