"""The console's views as app.py's routes call them: each a page served by `console.serve` (or, for the
sign-in steps, `console.guarded`), so that every failure is a page and every page checks its session."""

from chalicelib.vocabulary import AUDITORS, READERS
from chalicelib.web import console
from chalicelib.web.console import access, cases


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
