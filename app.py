"""Routes and event handlers only: each one hands over to chalicelib."""
from chalice import Chalice, Rate

from chalicelib import http, intake, workers
from chalicelib.validation import load_schema

app = Chalice(app_name="case-review")
app.register_middleware(http.problem_middleware, "http")
route = http.routes(app)

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"

# Replaced with the table's real stream by the deployment template (.chalice/resources.json).
REFERRALS_STREAM = "arn:aws:dynamodb:eu-west-2:000000000000:table/referrals/stream/placeholder"


@route("/referrals", methods=["POST"], content_types=[JSON, FORM])
def create_referral():
    return intake.receive(app.current_request)


@route("/referrals/schema", methods=["GET"])
def referral_schema():
    return http.json_response(load_schema("referral"), headers={"Cache-Control": "public, max-age=300"})


@app.on_dynamodb_record(stream_arn=REFERRALS_STREAM, batch_size=10, starting_position="TRIM_HORIZON",
                        name="referral_emails")
def referral_emails(event):
    workers.on_referral_records(event)


@app.schedule(Rate(5, unit=Rate.MINUTES), name="retry_referral_emails")
def retry_referral_emails(event):
    workers.retry_pending_emails(event)
