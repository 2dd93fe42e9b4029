"""Routes and event handlers only: each one hands over to chalicelib."""
from chalice import Chalice, Cron, Rate

from chalicelib.web import routing
from chalicelib.web import intake
from chalicelib.web import public
from chalicelib.web import staff
from chalicelib.notifications import jobs
from chalicelib.platform.validation import load_schema
from chalicelib.vocabulary import CHAIR, PUBLISHERS, SUBCOMMITTEE

app = Chalice(app_name="case-review")
app.register_middleware(routing.problem_middleware, "http")
route = routing.routes(app)

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"

# Replaced with the table's real stream by the deployment template (.chalice/resources.json).
REFERRALS_STREAM = "arn:aws:dynamodb:eu-west-2:000000000000:table/referrals/stream/placeholder"


@route("/referrals", methods=["POST"], content_types=[JSON, FORM])
def create_referral():
    return intake.receive(app.current_request)


@route("/referrals/schema", methods=["GET"])
def referral_schema():
    return routing.json_response(load_schema("referral"), headers={"Cache-Control": "public, max-age=300"})


READERS = (SUBCOMMITTEE, CHAIR)


@route("/staff/referrals", methods=["GET"], groups=READERS)
def list_referrals():
    return staff.list_referrals(app.current_request)


@route("/staff/referrals/export.csv", methods=["GET"], groups=(CHAIR,))
def export_referrals():
    return staff.export(app.current_request)


@route("/staff/referrals/{reference}", methods=["GET"], groups=READERS)
def get_referral(reference):
    return staff.referral(app.current_request, reference)


@route("/staff/referrals/{reference}/recommendation", methods=["POST"], groups=READERS)
def recommend_referral(reference):
    return staff.recommend(app.current_request, reference)


@route("/staff/referrals/{reference}/decision", methods=["POST"], groups=(CHAIR,))
def decide_referral(reference):
    return staff.decide(app.current_request, reference)


@route("/staff/referrals/{reference}/progress", methods=["POST"], groups=(CHAIR,))
def record_progress(reference):
    return staff.progress(app.current_request, reference)


@route("/staff/audit", methods=["GET"], groups=(CHAIR,))
def audit_trail():
    return staff.audit(app.current_request)


@route("/staff/uploads", methods=["POST"], groups=(PUBLISHERS,))
def create_upload():
    return staff.upload(app.current_request)


@route("/staff/publications", methods=["POST"], groups=(PUBLISHERS,))
def create_publication():
    return staff.publish(app.current_request)


@route("/staff/publications/{publication_id}/file", methods=["POST"], groups=(PUBLISHERS,))
def replace_publication_file(publication_id):
    return staff.replace_file(app.current_request, publication_id)


@route("/staff/publications/{publication_id}/withdrawal", methods=["POST"], groups=(PUBLISHERS, CHAIR))
def withdraw_publication(publication_id):
    return staff.withdraw(app.current_request, publication_id)


@route("/publications", methods=["GET"])
def list_publications():
    return public.listing(app.current_request)


@route("/publications/feed.atom", methods=["GET"])
def publications_feed():
    return public.feed(app.current_request)


@route("/publications/{publication_id}", methods=["GET"])
def get_publication(publication_id):
    return public.item(app.current_request, publication_id)


@route("/publications/{publication_id}/file", methods=["GET"])
def download_publication(publication_id):
    return public.file(app.current_request, publication_id)


# The public pages (chalicelib/web/pages), imported inside each view: never on the JSON API's cold start.
HTML_FORM = [FORM]


@route("/refer", methods=["GET"])
def referral_start():
    from chalicelib.web import pages
    from chalicelib.web.pages import referral

    return pages.html_errors(referral.start)(app.current_request)


@route("/refer/{step}", methods=["POST"], content_types=HTML_FORM)
def referral_step(step):
    from chalicelib.web import pages
    from chalicelib.web.pages import referral

    return pages.html_errors(referral.step)(app.current_request, step)


@route("/case-reviews", methods=["GET"])
def case_reviews():
    from chalicelib.web import pages
    from chalicelib.web.pages import reviews

    return pages.html_errors(reviews.case_reviews)(app.current_request)


@route("/case-reviews/register", methods=["GET"])
def case_reviews_register():
    from chalicelib.web import pages
    from chalicelib.web.pages import reviews

    return pages.html_errors(reviews.register)(app.current_request)


@route("/assets/{name}", methods=["GET"])
def page_asset(name):
    from chalicelib.web import pages

    return pages.html_errors(pages.asset)(name)


@app.on_dynamodb_record(stream_arn=REFERRALS_STREAM, batch_size=10, starting_position="TRIM_HORIZON",
                        name="referral_emails")
def referral_emails(event):
    jobs.on_referral_records(event)


@app.schedule(Rate(5, unit=Rate.MINUTES), name="retry_referral_emails")
def retry_referral_emails(event):
    jobs.retry_pending_emails(event)


# Hourly through the working day: the first run that finds something due sends the
# digest; the day's marker stops the others.
@app.schedule(Cron(0, "7-17", "*", "*", "?", "*"), name="daily_digest")
def daily_digest(event):
    jobs.daily_digest(event)
