"""The console's views as app.py's routes call them: each a page served by `console.serve` (or, for the
sign-in steps, `console.guarded`), so that every failure is a page and every page checks its session."""

from chalicelib.vocabulary import AUDITORS, CHAIR, GROUPS, PUBLISHERS, READERS
from chalicelib.web import console
from chalicelib.web.console import access, cases, publishing
from chalicelib.web.console import figures as figures_page

STAFF = GROUPS  # the figures are counts only: every staff group may read them
PUBLICATION_STAFF = (PUBLISHERS, CHAIR)  # the chair may withdraw in an emergency


def sign_in(request):
    return console.guarded(request, access.sign_in)


def sign_in_code(request):
    return console.guarded(request, access.code)


def sign_in_new_password(request):
    return console.guarded(request, access.new_password)


def sign_out(request):
    return console.guarded(request, access.sign_out)


def home(request):
    return console.serve(request, cases.case_list)


def case(request, reference):
    return console.serve(request, cases.case_page, reference, groups=READERS)


def case_change(request, reference, action):
    return console.serve(request, cases.act, reference, action, groups=READERS, changes=True)


def case_audit(request, reference):
    return console.serve(request, cases.audit_page, reference, groups=AUDITORS)


def export(request):
    return console.serve(request, cases.export, groups=AUDITORS)


def figures(request):
    return console.serve(request, figures_page.page, groups=STAFF)


def figures_csv(request):
    return console.serve(request, figures_page.csv, groups=STAFF)


def publications(request):
    return console.serve(request, publishing.listing, groups=PUBLICATION_STAFF)


def new_publication(request):
    return console.serve(request, publishing.new, groups=(PUBLISHERS,))


def create_publication(request):
    return console.serve(request, publishing.create, groups=(PUBLISHERS,), changes=True)


def publication(request, publication_id):
    return console.serve(request, publishing.page, publication_id, groups=PUBLICATION_STAFF)


def replace_publication_file(request, publication_id):
    return console.serve(request, publishing.replace, publication_id, groups=PUBLICATION_STAFF)


def publication_change(request, publication_id, action):
    return console.serve(request, publishing.change, publication_id, action, groups=PUBLICATION_STAFF, changes=True)
