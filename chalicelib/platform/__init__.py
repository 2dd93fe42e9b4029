"""What every capability stands on: AWS clients made lazily in one place (`aws`), settings read
in one place (`settings`), JSON log lines with an allow-list (`logs`), DynamoDB items, pages and
cursors (`items`), and documents checked against the JSON Schemas (`validation`)."""
