"""The case review group's daily digest: every clock, across cases, overdue or due within five working days.

References, clock names and dates only. Clocks are computed from each open case (never stored),
under its own regime. The schedule fires hourly through the day in UTC; the digest goes out at the
first run from 08:00 London time on a London working day, in summer and in winter alike, and a
conditional put of the day's marker makes sure one digest, at most, goes out each day (a failed send
gives the day back, so a later run tries again).
"""

import time

from chalicelib.casework import timelines
from chalicelib.notifications.outbox import compose, send
from chalicelib.platform import clock
from chalicelib.platform.items import plain, plain_item, query_all, typed
from chalicelib.platform.logs import log
from chalicelib.vocabulary import STATUSES

WINDOW_WORKING_DAYS = 5
LONDON_HOUR = 8  # the digest's hour, London time
_OPEN = tuple(status for status in STATUSES if status != "published")


class Reminders:
    def __init__(self, dynamodb, ses, settings):
        self._db = dynamodb
        self._ses = ses
        self._conf = settings

    def due(self, today):
        """[(due_on, reference, clock, overdue)] for every running clock due by the horizon, soonest first."""
        holidays = clock.board_holidays()
        horizon = holidays.add_working_days(today, WINDOW_WORKING_DAYS).isoformat()
        found = []
        for status in _OPEN:
            kwargs = {
                "TableName": self._conf.referrals_table,
                "IndexName": "status-received",
                "KeyConditionExpression": "#s = :s",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":s": typed(status)},
            }
            for summary in query_all(self._db, kwargs):
                item = self._db.get_item(
                    TableName=self._conf.referrals_table, Key={"reference": summary["reference"]}
                ).get("Item")
                if item is None:
                    continue
                for running in timelines.clocks(plain_item(item), today, holidays):
                    if running["status"] in ("due", "overdue") and running["due_on"] <= horizon:
                        found.append(
                            (
                                running["due_on"],
                                plain(item["reference"]),
                                running["name"],
                                running["status"] == "overdue",
                            )
                        )
        return sorted(found)

    def send_digest(self, today=None):
        """Returns 'sent', 'nothing_due', 'already_sent', 'failed', 'too_early' or 'not_a_working_day'.

        `today` (tests, a manual run) skips the check of the London hour.
        """
        if today is None:
            if clock.london(clock.now()).hour < LONDON_HOUR:
                return "too_early"
            today = clock.today()
        if not clock.board_holidays().is_working_day(today):
            log("digest", job="daily_digest", status="not_a_working_day")
            return "not_a_working_day"
        due = self.due(today)
        if not due:
            log("digest", job="daily_digest", status="nothing_due")
            return "nothing_due"
        key = f"digest#{today.isoformat()}"
        try:
            self._db.put_item(
                TableName=self._conf.idempotency_table,
                Item={
                    "key": typed(key),
                    "state": typed("sending"),
                    "expires_at": typed(int(time.time()) + 3 * 86400),
                },
                ConditionExpression="attribute_not_exists(#k)",
                ExpressionAttributeNames={"#k": "key"},
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            log("digest", job="daily_digest", status="already_sent")
            return "already_sent"
        overdue = sum(1 for entry in due if entry[3])
        lines = [
            f"{len(due)} clock{'s' if len(due) != 1 else ''} need attention: "
            f"{overdue} overdue, {len(due) - overdue} due within {WINDOW_WORKING_DAYS} working days.",
            "",
        ]
        for when, reference, name, late in due:
            lines.append(f"{reference}  {name} due {when}{'  OVERDUE' if late else ''}")
        lines += ["", f"Open the staff area: {self._conf.staff_url}/referrals"]
        recipients = list(self._conf.committee_emails)
        message = compose(
            self._conf, recipients, f"Case reviews due: {overdue} overdue, {len(due) - overdue} due soon", lines
        )
        try:
            send(self._ses, self._conf, recipients, message, (("email", "digest"),))
        except Exception as exc:
            from chalicelib.platform.aws import error_code

            # Give the day back, so the next run tries again.
            self._db.delete_item(TableName=self._conf.idempotency_table, Key={"key": typed(key)})
            log("digest_failed", level="ERROR", job="daily_digest", error_code=error_code(exc) or type(exc).__name__)
            return "failed"
        self._db.update_item(
            TableName=self._conf.idempotency_table,
            Key={"key": typed(key)},
            UpdateExpression="SET #s = :sent",
            ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues={":sent": typed("sent")},
        )
        log("digest", job="daily_digest", status="sent", count=len(due))
        return "sent"
