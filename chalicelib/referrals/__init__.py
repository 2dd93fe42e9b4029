"""Referrals: the domain's rules beyond the JSON Schema, references, and the one durable write
(with its idempotency record) that a referral gets on the request path."""
