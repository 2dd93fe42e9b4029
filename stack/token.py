"""`python -m stack.token demo-chair`: a demo user's access token from the local stack, for curl.

Signs in as the app does (password, then the authenticator app's code from the user's `totp_secret`
in `.local/stack.json`) and prints the access token. `--id` prints the ID token instead.
"""

import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sign_in(stack, username):
    """{"AccessToken", "IdToken", "RefreshToken", ...} for a demo user of the local stack."""
    import boto3

    from stack.totp import code

    user = next((u for u in stack["users"] if u["username"] == username), None)
    if user is None:
        raise SystemExit(f"No demo user {username} in the local stack.")
    if user.get("must_change_password"):
        raise SystemExit(f"{username} must choose a new password first: sign in at the staff console.")
    cognito = boto3.client(
        "cognito-idp",
        region_name=stack["region"],
        endpoint_url=stack["aws_endpoint_url"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    client_id = stack["user_pool_client_id"]
    answer = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": user["password"]},
    )
    if answer.get("ChallengeName") == "SOFTWARE_TOKEN_MFA":
        answer = cognito.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=answer["Session"],
            ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code(user["totp_secret"])},
        )
    if "AuthenticationResult" not in answer:
        raise SystemExit(f"{username}: the pool asks for {answer.get('ChallengeName')}; finish it at the console.")
    return answer["AuthenticationResult"]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m stack.token", description=__doc__.split("\n\n")[0])
    parser.add_argument("username", help="a demo user, e.g. demo-chair")
    parser.add_argument("--id", action="store_true", help="print the ID token, not the access token")
    parser.add_argument("--stack", default=os.path.join(ROOT, ".local", "stack.json"))
    args = parser.parse_args(argv)
    with open(args.stack, encoding="utf-8") as handle:
        stack = json.load(handle)
    result = sign_in(stack, args.username)
    print(result["IdToken"] if args.id else result["AccessToken"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
