"""Runs the app's event handlers as AWS would: the DynamoDB stream and the schedule.

On AWS, Lambda polls the table's stream and EventBridge fires the schedule. Locally
(and in tests) these small pollers do the same, calling the same handlers with
events of the same shape.
"""

import threading
import time
import uuid


class LambdaContext:
    def __init__(self, name):
        self.function_name = name
        self.aws_request_id = str(uuid.uuid4())
        self.memory_limit_in_mb = 256

    def get_remaining_time_in_millis(self):
        return 60_000


class StreamPoller:
    """Reads every shard of one DynamoDB stream from its start and hands batches to a handler."""

    def __init__(self, streams_client, stream_arn, handler, name, batch_size=10):
        self._streams = streams_client
        self._arn = stream_arn
        self._handler = handler
        self._name = name
        self._batch = batch_size
        self._iterators = {}
        self._done_shards = set()

    def poll_once(self):
        """One pass over the shards. Returns the number of records delivered."""
        delivered = 0
        shards = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"].get("Shards", [])
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id in self._done_shards:
                continue
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self._streams.get_shard_iterator(
                    StreamArn=self._arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            while True:
                page = self._streams.get_records(ShardIterator=self._iterators[shard_id], Limit=self._batch)
                records = page.get("Records", [])
                next_iterator = page.get("NextShardIterator")
                if records:
                    records = [_as_lambda_record(record, self._arn) for record in records]
                    # Like Lambda: a handler that raises gets the same batch again next time.
                    self._handler({"Records": records}, LambdaContext(self._name))
                    delivered += len(records)
                if next_iterator is None:
                    self._done_shards.add(shard_id)
                    break
                self._iterators[shard_id] = next_iterator
                if not records:
                    break
        return delivered


def _as_lambda_record(record, arn):
    """The stream API's record, in the shape Lambda delivers it (epoch seconds, source ARN)."""
    record = dict(record)
    change = dict(record["dynamodb"])
    created = change.get("ApproximateCreationDateTime")
    if hasattr(created, "timestamp"):
        change["ApproximateCreationDateTime"] = int(created.timestamp())
    record["dynamodb"] = change
    record.setdefault("eventSourceARN", arn)
    record.setdefault("awsRegion", arn.split(":")[3])
    return record


def scheduled_event(rule_name):
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": "eu-west-2",
        "resources": [f"arn:aws:events:eu-west-2:123456789012:rule/{rule_name}"],
        "detail": {},
    }


def run_every(seconds, action, stop, name):
    """Calls `action` every `seconds` in a daemon thread until `stop` is set; errors are printed, not fatal."""

    def loop():
        while not stop.is_set():
            try:
                action()
            except Exception as exc:  # keep the local stack alive, like Lambda would retry
                print(f"[{name}] {type(exc).__name__}: {exc}", flush=True)
            stop.wait(seconds)

    thread = threading.Thread(target=loop, name=name, daemon=True)
    thread.start()
    return thread
