"""Notifications: the email outbox and the emails' texts (`outbox`), the case review group's
daily digest (`digest`), and the stream and schedule handlers that drive them (`jobs`). No email
carries a child's, family's or incident's detail."""
