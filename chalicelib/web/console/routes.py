"""The console's views as app.py's routes call them: each a page guarded by `console.view` (or, for the
sign-in steps, by `console.guarded`), so that every failure is a page."""

from chalicelib.vocabulary import AUDITORS, READERS
from chalicelib.web import console
from chalicelib.web.console import access, cases

sign_in = console.guarded(access.sign_in)
sign_in_code = console.guarded(access.code)
sign_in_new_password = console.guarded(access.new_password)
sign_out = console.guarded(access.sign_out)

home = console.view()(cases.case_list)
case = console.view(READERS)(cases.case_page)
case_change = console.view(READERS, changes=True)(cases.act)
case_audit = console.view(AUDITORS)(cases.audit_page)
export = console.view(AUDITORS)(cases.export)
