"""Publish a report or leaflet: sign in, upload the PDF through a signed URL, create the publication,
print the link; then a second publisher certifies it (it goes public on its `--publish-on` date).

    .venv/bin/python -m tools.publish child-j.pdf --kind professionals_leaflet \\
        --title "Highlighting lessons from Child J" --case-name "Child J" \\
        --summary "..." --keyword neglect --published-on 2015-07-01
    .venv/bin/python -m tools.publish --certify <id>      (against the local stack: the second demo publisher)

Against the local stack it reads `.local/stack.json`; against AWS give --api-url,
--region and --client-id. The password comes from $CASE_REVIEW_PASSWORD or a prompt, the
authenticator app's code from $CASE_REVIEW_MFA_CODE or a prompt (locally: from the demo user's secret).
"""

import argparse
import getpass
import http.client
import json
import os
import sys
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlparse

from chalicelib.vocabulary import PUBLICATION_KINDS as KINDS


class Failed(Exception):
    pass


def _asked_code():
    return os.environ.get("CASE_REVIEW_MFA_CODE") or input("Code from your authenticator app: ").strip()


def sign_in(region, client_id, username, password, endpoint=None, mfa_code=_asked_code):
    import boto3

    cognito = boto3.client(
        "cognito-idp",
        region_name=region,
        endpoint_url=endpoint,
        **({"aws_access_key_id": "local", "aws_secret_access_key": "local"} if endpoint else {}),
    )
    try:
        result = cognito.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
        if result.get("ChallengeName") == "SOFTWARE_TOKEN_MFA":
            result = cognito.respond_to_auth_challenge(
                ClientId=client_id,
                ChallengeName="SOFTWARE_TOKEN_MFA",
                Session=result["Session"],
                ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": mfa_code()},
            )
    except (cognito.exceptions.NotAuthorizedException, cognito.exceptions.CodeMismatchException):
        raise Failed("Sign-in refused: check the username, password and code.") from None
    if "AuthenticationResult" not in result:
        raise Failed(f"Sign-in needs another step ({result.get('ChallengeName')}); finish it in the staff app first.")
    return result["AuthenticationResult"]["AccessToken"]


def api(method, url, token, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", **({"Content-Type": "application/json"} if data else {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        problem = error.read().decode("utf-8", "replace")
        try:
            problem = json.loads(problem)
            detail = problem.get("detail", "")
            errors = "; ".join(f"{e['pointer']} {e['message']}" for e in problem.get("errors", []))
            raise Failed(f"{error.code} {problem.get('title', '')}: {detail} {errors}".strip()) from None
        except ValueError:
            raise Failed(f"{error.code}: {problem[:200]}") from None


def upload(form, path, out=sys.stderr):
    """Sends the file as the signed multipart POST, streaming it with a progress bar."""
    boundary = uuid.uuid4().hex
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in form["fields"].items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{os.path.basename(path)}"'
        f"\r\nContent-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    size = os.path.getsize(path)
    target = urlparse(form["url"])
    connection = (http.client.HTTPSConnection if target.scheme == "https" else http.client.HTTPConnection)(
        target.netloc, timeout=120
    )
    connection.putrequest("POST", target.path or "/")
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Content-Length", str(len(head) + size + len(tail)))
    connection.endheaders()
    connection.send(head)
    sent = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(256 * 1024):
            connection.send(chunk)
            sent += len(chunk)
            _progress(sent, size, out)
    connection.send(tail)
    response = connection.getresponse()
    answer = response.read()
    out.write("\n")
    if response.status >= 300:
        raise Failed(f"The upload was refused ({response.status}): {answer[:300].decode('utf-8', 'replace')}")


def _progress(sent, total, out):
    width = 30
    done = int(width * sent / total) if total else width
    out.write(
        f"\rUploading [{'#' * done}{'.' * (width - done)}] {100 * sent // max(total, 1):3d}% "
        f"{sent / 1048576:.1f}/{total / 1048576:.1f} MiB"
    )
    out.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.publish", description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", help="the PDF to publish")
    parser.add_argument(
        "--certify",
        metavar="ID",
        help="certify a publication another publisher created (anonymisation and reporting restrictions checked)",
    )
    parser.add_argument("--kind", choices=KINDS)
    parser.add_argument("--title")
    parser.add_argument("--case-name", help="the anonymised name, e.g. 'Child J'")
    parser.add_argument("--summary")
    parser.add_argument("--publish-on", help="YYYY-MM-DD: the day it goes public once certified (default: today)")
    parser.add_argument("--learning")
    parser.add_argument("--keyword", action="append", default=[], help="repeat for several")
    parser.add_argument("--published-on", help="YYYY-MM-DD (default: today)")
    parser.add_argument("--referral", help="the reference of the completed review this report ends")
    parser.add_argument("--stack", default=".local/stack.json", help="the local stack's description")
    parser.add_argument("--api-url", help="the API's base URL (on AWS)")
    parser.add_argument("--region")
    parser.add_argument("--client-id", help="the user pool's app client id")
    parser.add_argument("--username", help="default: the local stack's demo publisher")
    args = parser.parse_args(argv)
    if not args.certify and not (args.file and args.kind and args.title and args.case_name and args.summary):
        parser.error("give the file, --kind, --title, --case-name and --summary (or --certify ID)")

    endpoint = None
    mfa_code = _asked_code
    api_url, region, client_id, username, password = args.api_url, args.region, args.client_id, args.username, None
    if not api_url:
        try:
            with open(args.stack, encoding="utf-8") as handle:
                stack = json.load(handle)
        except OSError:
            parser.error(f"no {args.stack}: start the local stack (make run) or give --api-url")
        api_url, region, client_id = stack["api_url"], stack["region"], stack["user_pool_client_id"]
        endpoint = stack["aws_endpoint_url"]
        publishers = [u for u in stack["users"] if "publishers" in u["groups"]]
        publisher = publishers[-1] if args.certify else publishers[0]
        if not username:
            username, password = publisher["username"], publisher["password"]
            if publisher.get("totp_secret"):
                from stack.totp import code

                def mfa_code(secret=publisher["totp_secret"]):
                    return code(secret)

    if not (region and client_id and username):
        parser.error("give --region, --client-id and --username for AWS")
    password = password or os.environ.get("CASE_REVIEW_PASSWORD") or getpass.getpass(f"Password for {username}: ")
    if args.certify:
        try:
            token = sign_in(region, client_id, username, password, endpoint, mfa_code)
            item = api(
                "POST",
                f"{api_url}/staff/publications/{args.certify}/certification",
                token,
                {"anonymisation_checked": True, "reporting_restrictions_checked": True},
            )
        except (Failed, OSError) as problem:
            print(f"Not certified: {problem}", file=sys.stderr)
            return 1
        print(f"Certified {item['id']}: {item['status']} (goes public on {item['publish_on']})")
        return 0
    try:
        with open(args.file, "rb") as handle:
            if handle.read(5) != b"%PDF-":
                raise Failed(f"{args.file} is not a PDF.")
        token = sign_in(region, client_id, username, password, endpoint, mfa_code)
        size = os.path.getsize(args.file)
        form = api(
            "POST", f"{api_url}/staff/uploads", token, {"filename": os.path.basename(args.file), "size_bytes": size}
        )
        upload(form, args.file)
        body = {
            "upload_key": form["key"],
            "kind": args.kind,
            "title": args.title,
            "case_name": args.case_name,
            "summary": args.summary,
            "keywords": args.keyword,
        }
        for name in ("learning", "referral", "published_on", "publish_on"):
            if getattr(args, name):
                body[name] = getattr(args, name)
        item = api("POST", f"{api_url}/staff/publications", token, body)
    except (Failed, OSError) as problem:
        print(f"Not published: {problem}", file=sys.stderr)
        return 1
    print(f"Created {item['id']}: {item['title']} ({item['status']}, to go public on {item['publish_on']})")
    print(f"  a second publisher certifies it: python -m tools.publish --certify {item['id']}")
    print(f"  locked until {item.get('retain_until')}")
    print(f"  {api_url}/publications/{item['id']}")
    print(f"  {item['file_url']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
