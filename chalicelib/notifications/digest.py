"""The sub-committee's daily digest: referrals overdue or due within five days.

References and dates only. The job may run several times a day (so that a failed
send is retried); a conditional put of the day's marker makes sure one digest, at
most, goes out each day.
"""
import time
from datetime import timedelta

from chalicelib.platform import clock
from chalicelib.platform.logs import log
from chalicelib.notifications.outbox import compose

WINDOW_DAYS = 5
_CLOCKS = (("received", "decision_due", "decision"), ("recommended", "decision_due", "decision"),
           ("decided", "review_due", "review"), ("in_progress", "review_due", "review"))


class Reminders:
    def __init__(self, dynamodb, ses, settings):
        self._db = dynamodb
        self._ses = ses
        self._conf = settings

    def due(self, today):
        horizon = (today + timedelta(days=WINDOW_DAYS)).isoformat()
        found = []
        for status, field, step in _CLOCKS:
            kwargs = {
                "TableName": self._conf.referrals_table, "IndexName": "status-received",
                "KeyConditionExpression": "#s = :s", "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":s": {"S": status}},
            }
            while True:
                page = self._db.query(**kwargs)
                for item in page.get("Items", []):
                    when = item.get(field, {}).get("S")
                    if when and when <= horizon:
                        found.append((when, item["reference"]["S"], step, when < today.isoformat()))
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return sorted(found)

    def send_digest(self, today=None):
        """Returns 'sent', 'nothing_due', 'already_sent' or 'failed'."""
        today = today or clock.today()
        due = self.due(today)
        if not due:
            log("digest", job="daily_digest", status="nothing_due")
            return "nothing_due"
        key = f"digest#{today.isoformat()}"
        try:
            self._db.put_item(
                TableName=self._conf.idempotency_table,
                Item={"key": {"S": key}, "state": {"S": "sending"},
                      "expires_at": {"N": str(int(time.time()) + 3 * 86400)}},
                ConditionExpression="attribute_not_exists(#k)", ExpressionAttributeNames={"#k": "key"})
        except self._db.exceptions.ConditionalCheckFailedException:
            log("digest", job="daily_digest", status="already_sent")
            return "already_sent"
        overdue = sum(1 for entry in due if entry[3])
        lines = [f"{len(due)} referral{'s' if len(due) != 1 else ''} need attention: "
                 f"{overdue} overdue, {len(due) - overdue} due within {WINDOW_DAYS} days.", ""]
        for when, reference, step, late in due:
            lines.append(f"{reference}  {step} due {when}{'  OVERDUE' if late else ''}")
        lines += ["", f"Open the staff area: {self._conf.staff_url}/referrals"]
        recipients = list(self._conf.committee_emails)
        message = compose(self._conf, recipients, f"Case reviews due: {overdue} overdue, "
                                                   f"{len(due) - overdue} due soon", lines)
        try:
            self._ses.send_email(FromEmailAddress=self._conf.mail_sender, Destination={"ToAddresses": recipients},
                                 Content={"Raw": {"Data": message.as_bytes()}})
        except Exception as exc:
            from chalicelib.platform.aws import error_code

            # Give the day back, so the next run tries again.
            self._db.delete_item(TableName=self._conf.idempotency_table, Key={"key": {"S": key}})
            log("digest_failed", level="ERROR", job="daily_digest", error_code=error_code(exc) or type(exc).__name__)
            return "failed"
        self._db.update_item(TableName=self._conf.idempotency_table, Key={"key": {"S": key}},
                             UpdateExpression="SET #s = :sent", ExpressionAttributeNames={"#s": "state"},
                             ExpressionAttributeValues={":sent": {"S": "sent"}})
        log("digest", job="daily_digest", status="sent", count=len(due))
        return "sent"
