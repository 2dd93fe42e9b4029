"""The case review service, by capability.

- `referrals`: a referral from intake to its durable record (the rules beyond the schema, references, the store).
- `casework`: the statutory process on a case (workflow, timelines, audit trail, export).
- `publications`: reports and leaflets (signed uploads, Object-Locked storage, listing, search, feed).
- `notifications`: the email outbox, the texts of the emails, the daily digest, the event-driven jobs.
- `web`: HTTP only (routing, problems, bodies, tokens, the routes' request and response side).
- `platform`: AWS clients, settings, logs, DynamoDB items, schema validation.
- `services`: builds the capabilities' objects from settings and clients (the one composition root).

The domain packages never see HTTP: they raise the errors of `chalicelib.errors`, which
`web.problems` alone turns into problem+json.
"""
