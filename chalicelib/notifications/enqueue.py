"""One way into the outbox, for every writer: the attributes that put emails in a case's outbox.

An email waits on its case's item (`email_<kind>` = pending, with its attempt count) and the
item carries `notify_pending` (the sparse index the retry job reads). Writers add these in the
same write as the change that causes the emails, so the change and its emails commit together;
the referrals table's stream and the retry job deliver them (`outbox.Outbox`).

Tiny and import-free on purpose: the referral's request path uses it.
"""


def enqueue(*emails):
    """The plain attributes that queue `emails` (names from `referrals.store.EMAILS`) on a case."""
    fields = {}
    for email in emails:
        fields[f"email_{email}"] = "pending"
        fields[f"email_{email}_attempts"] = 0
    if emails:
        fields["notify_pending"] = "yes"
    return fields
