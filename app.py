"""Routes and event handlers only: each one hands over to chalicelib."""

from chalice import Chalice, Cron, Rate

from chalicelib.notifications import jobs
from chalicelib.platform.validation import bundled
from chalicelib.publications import schedule
from chalicelib.vocabulary import (
    CASE_REVIEW_GROUP,
    CHAIR,
    COORDINATOR,
    PARTNERS,
    PUBLISHERS,
    RAPID_REVIEWERS,
    READERS,
)
from chalicelib.web import intake, public, routing, staff

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
    # With the shared definitions embedded, so a website's validator needs nothing else.
    return routing.json_response(bundled("referral"), headers={"Cache-Control": "public, max-age=300"})


@route("/openapi.json", methods=["GET"])
def openapi_document():
    from chalicelib.web import openapi

    return routing.json_response(openapi.document(app), headers={"Cache-Control": "public, max-age=300"})


# Who may do what to a case: the groups in chalicelib/vocabulary.py, which the console's forms read
# too (a partner's delegate signing for their own partner only is the casework's rule).


@route("/staff/referrals", methods=["GET"], groups=READERS)
def list_referrals():
    return staff.list_referrals(app.current_request)


@route("/staff/referrals", methods=["POST"], groups=(COORDINATOR,))
def enter_referral():
    return staff.enter_referral(app.current_request)


@route("/staff/referrals/export.csv", methods=["GET"], groups=(CHAIR,))
def export_referrals():
    return staff.export(app.current_request)


@route("/staff/referrals/{reference}", methods=["GET"], groups=READERS)
def get_referral(reference):
    return staff.referral(app.current_request, reference)


@route("/staff/referrals/{reference}/recommendation", methods=["POST"], groups=CASE_REVIEW_GROUP)
def recommend_referral(reference):
    return staff.recommend(app.current_request, reference)


@route("/staff/referrals/{reference}/decision", methods=["POST"], groups=(CHAIR,))
def decide_referral(reference):
    return staff.decide(app.current_request, reference)


@route("/staff/referrals/{reference}/progress", methods=["POST"], groups=(CHAIR,))
def record_progress(reference):
    return staff.progress(app.current_request, reference)


@route("/staff/referrals/{reference}/link", methods=["POST"], groups=(COORDINATOR,))
def link_referral(reference):
    return staff.link(app.current_request, reference)


@route("/staff/referrals/{reference}/notification", methods=["POST"], groups=(COORDINATOR,))
def record_notification(reference):
    return staff.notification(app.current_request, reference)


@route("/staff/referrals/{reference}/rapid-review", methods=["POST"], groups=RAPID_REVIEWERS)
def record_rapid_review(reference):
    return staff.rapid_review(app.current_request, reference)


@route("/staff/referrals/{reference}/sign-off", methods=["POST"], groups=PARTNERS)
def sign_off(reference):
    return staff.sign_off(app.current_request, reference)


@route("/staff/referrals/{reference}/panel", methods=["POST"], groups=(COORDINATOR,))
def record_panel(reference):
    return staff.panel(app.current_request, reference)


@route("/staff/referrals/{reference}/review", methods=["POST"], groups=(COORDINATOR,))
def record_review(reference):
    return staff.review(app.current_request, reference)


@route("/staff/referrals/{reference}/proceedings", methods=["POST"], groups=(COORDINATOR,))
def add_proceeding(reference):
    return staff.add_proceeding(app.current_request, reference)


@route("/staff/referrals/{reference}/proceedings/{proceeding_id}", methods=["POST"], groups=(COORDINATOR,))
def update_proceeding(reference, proceeding_id):
    return staff.update_proceeding(app.current_request, reference, proceeding_id)


@route("/staff/referrals/{reference}/notices", methods=["POST"], groups=(COORDINATOR,))
def add_notice(reference):
    return staff.add_notice(app.current_request, reference)


@route("/staff/audit", methods=["GET"], groups=(CHAIR,))
def audit_trail():
    return staff.audit(app.current_request)


@route("/staff/uploads", methods=["POST"], groups=(PUBLISHERS,))
def create_upload():
    return staff.upload(app.current_request)


@route("/staff/publications", methods=["POST"], groups=(PUBLISHERS,))
def create_publication():
    return staff.publish(app.current_request)


@route("/staff/publications", methods=["GET"], groups=(PUBLISHERS,))
def list_staff_publications():
    return staff.list_publications(app.current_request)


@route("/staff/publications/{publication_id}/certification", methods=["POST"], groups=(PUBLISHERS,))
def certify_publication(publication_id):
    return staff.certify(app.current_request, publication_id)


@route("/staff/publications/{publication_id}/repository-submission", methods=["POST"], groups=(PUBLISHERS,))
def submit_publication_to_repository(publication_id):
    return staff.submit_to_repository(app.current_request, publication_id)


# Publishers replace a draft's file; inside a public report's 12 months only the chair may.
@route("/staff/publications/{publication_id}/file", methods=["POST"], groups=(PUBLISHERS, CHAIR))
def replace_publication_file(publication_id):
    return staff.replace_file(app.current_request, publication_id)


@route("/staff/publications/{publication_id}/withdrawal", methods=["POST"], groups=(PUBLISHERS, CHAIR))
def withdraw_publication(publication_id):
    return staff.withdraw(app.current_request, publication_id)


@route("/publications", methods=["GET"])
def list_publications():
    return public.listing(app.current_request)


@route("/publications/register", methods=["GET"])
def publications_register():
    return public.register(app.current_request)


@route("/publications/feed.atom", methods=["GET"])
def publications_feed():
    return public.feed()


@route("/publications/{publication_id}", methods=["GET"])
def get_publication(publication_id):
    return public.item(publication_id)


@route("/publications/{publication_id}/file", methods=["GET"])
def download_publication(publication_id):
    return public.file(publication_id)


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


@app.on_dynamodb_record(
    stream_arn=REFERRALS_STREAM, batch_size=10, starting_position="TRIM_HORIZON", name="referral_emails"
)
def referral_emails(event):
    jobs.on_referral_records(event)


@app.schedule(Rate(5, unit=Rate.MINUTES), name="retry_referral_emails")
def retry_referral_emails(event):
    jobs.retry_pending_emails(event)


# SES's bounce and complaint events for the emails the outbox sent (its configuration set sends
# them to EventBridge; .chalice/resources.json).
@app.on_cw_event(
    {"source": ["aws.ses"], "detail-type": ["Email Bounced", "Email Complaint Received"]}, name="mail_events"
)
def mail_events(event):
    jobs.on_mail_event(event)


# Hourly through the working day: the first run that finds something due sends the
# digest; the day's marker stops the others.
@app.schedule(Cron(0, "7-17", "*", "*", "?", "*"), name="daily_digest")
def daily_digest(event):
    jobs.daily_digest(event)


# Hourly: a certified publication goes public on its London date without anyone acting.
@app.schedule(Cron(15, "*", "*", "*", "?", "*"), name="publish_scheduled")
def publish_scheduled(event):
    return schedule.publish_scheduled(event)


# The staff console (chalicelib/web/console): pages for people, over the same casework and publishing
# code as the staff routes above. Imported inside each view, like the public pages.
def _console():
    from chalicelib.web.console import routes as console_routes

    return console_routes


@app.route("/console", methods=["GET"])
def console_home():
    return _console().home(app.current_request)


@app.route("/console/referrals", methods=["GET"])
def console_referrals():
    return _console().home(app.current_request)


@app.route("/console/sign-in", methods=["POST"], content_types=HTML_FORM)
def console_sign_in():
    return _console().sign_in(app.current_request)


@app.route("/console/sign-in/code", methods=["POST"], content_types=HTML_FORM)
def console_sign_in_code():
    return _console().sign_in_code(app.current_request)


@app.route("/console/sign-in/new-password", methods=["POST"], content_types=HTML_FORM)
def console_sign_in_new_password():
    return _console().sign_in_new_password(app.current_request)


@app.route("/console/sign-out", methods=["POST"], content_types=HTML_FORM)
def console_sign_out():
    return _console().sign_out(app.current_request)


@app.route("/console/export.csv", methods=["GET"])
def console_export():
    return _console().export(app.current_request)


@app.route("/console/referrals/{reference}", methods=["GET"])
def console_case(reference):
    return _console().case(app.current_request, reference)


@app.route("/console/referrals/{reference}/audit", methods=["GET"])
def console_case_audit(reference):
    return _console().case_audit(app.current_request, reference)


@app.route("/console/referrals/{reference}/{action}", methods=["POST"], content_types=HTML_FORM)
def console_case_change(reference, action):
    return _console().case_change(app.current_request, reference, action)


@app.route("/console/figures", methods=["GET"])
def console_figures():
    return _console().figures(app.current_request)


@app.route("/console/figures.csv", methods=["GET"])
def console_figures_csv():
    return _console().figures_csv(app.current_request)


@app.route("/console/publications", methods=["GET"])
def console_publications():
    return _console().publications(app.current_request)


@app.route("/console/publications", methods=["POST"], content_types=HTML_FORM)
def console_create_publication():
    return _console().create_publication(app.current_request)


@app.route("/console/publications/new", methods=["GET"])
def console_new_publication():
    return _console().new_publication(app.current_request)


@app.route("/console/publications/{publication_id}", methods=["GET"])
def console_publication(publication_id):
    return _console().publication(app.current_request, publication_id)


@app.route("/console/publications/{publication_id}/replace", methods=["GET"])
def console_replace_publication_file(publication_id):
    return _console().replace_publication_file(app.current_request, publication_id)


@app.route("/console/publications/{publication_id}/{action}", methods=["POST"], content_types=HTML_FORM)
def console_publication_change(publication_id, action):
    return _console().publication_change(app.current_request, publication_id, action)


# Browsers ask every site for an icon; "none" (204) rather than a 404 in every console's error log.
@app.route("/favicon.ico", methods=["GET"])
def favicon():
    from chalice import Response

    return Response(body="", status_code=204, headers={"Cache-Control": "public, max-age=86400"})
