"""The scheduled job that makes certified publications public on their London date."""

from chalicelib import services
from chalicelib.actors import Identity
from chalicelib.platform import logs
from chalicelib.platform.logs import log

# Who the audit trail names for what the schedule does. bandit B106 reads `token_use` as a password:
# it is the label of how the identity was established, not a secret.
SCHEDULE = Identity(  # nosec B106
    subject="schedule",
    username="scheduled-publishing",
    groups=frozenset(),
    token_use="schedule",  # noqa: S106
)


def publish_scheduled(event):
    logs.request_id.set(getattr(getattr(event, "context", None), "aws_request_id", None))
    done = services.publications().publish_due(SCHEDULE)
    for outcome, ids in done.items():
        for publication in ids:
            log("publication_" + outcome, job="publish_scheduled", publication=publication)
    return done
