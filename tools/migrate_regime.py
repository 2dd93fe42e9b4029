"""One-off migration: every case stored before regimes existed keeps the 2015 process.

    .venv/bin/python -m tools.migrate_regime --table case-review-referrals --region eu-west-2 [--dry-run]

The release before version 2 wrote cases with no `regime` and no `version`, and the chair's
decision as a plain string. Each such case gets `regime: working_together_2015`, `version: 1`,
empty `linked`, `notices` and `proceedings`, its decision as a map ({outcome, made_on, by}) and,
where a review had started, its `review` map. Cases that already have a regime are left alone,
so running it again changes nothing. Each case is updated on its own, under the condition that
it is still the version that was read (a case changed meanwhile is read again).
The local stack runs it at start; on AWS, run it once with credentials that may scan and update
the referrals table (the functions' own roles may not).
"""

import argparse
import sys

_STARTED = ("in_progress", "completed", "published")


def migrate(dynamodb, table, dry_run=False):
    """Returns {"migrated": n, "unchanged": n}."""
    from chalicelib.vocabulary import WORKING_TOGETHER_2015

    counts = {"migrated": 0, "unchanged": 0}
    kwargs = {"TableName": table, "ConsistentRead": True}
    while True:
        page = dynamodb.scan(**kwargs)
        for item in page.get("Items", []):
            while item is not None and "regime" not in item:
                update = _update(table, item, WORKING_TOGETHER_2015)
                if dry_run:
                    break
                try:
                    dynamodb.update_item(**update)
                    break
                except dynamodb.exceptions.ConditionalCheckFailedException:  # changed since read: read it again
                    item = dynamodb.get_item(
                        TableName=table, Key={"reference": item["reference"]}, ConsistentRead=True
                    ).get("Item")
            if item is None or "regime" in item:
                counts["unchanged"] += 1
            else:
                counts["migrated"] += 1
        if "LastEvaluatedKey" not in page:
            return counts
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _update(table, item, regime):
    from chalicelib.platform import clock
    from chalicelib.platform.items import typed

    fields = {"regime": regime, "version": 1}
    for name in ("linked", "notices", "proceedings"):
        if name not in item:
            fields[name] = []
    decision = item.get("decision")
    if decision is not None and "S" in decision:
        made = item.get("decided_at", item["received_at"])["S"]
        fields["decision"] = {
            "outcome": decision["S"],
            "made_on": clock.london_date(made).isoformat(),
            "by": item.get("decided_by", {}).get("S", "chair"),
            "flagged_for_panel": False,
        }
    status = item["status"]["S"]
    if status in _STARTED and "review" not in item:
        review = {"status": "in_progress" if status == "in_progress" else "completed"}
        if "completed_at" in item:
            review["completed_on"] = clock.london_date(item["completed_at"]["S"]).isoformat()
        fields["review"] = review
    condition = "attribute_exists(#ref) AND attribute_not_exists(#regime)"
    values = {}
    if "version" in item:  # changed by version 2 before the migration ran: keep its version
        fields.pop("version")
        condition += " AND #version = :seen"
        values[":seen"] = item["version"]
    else:
        condition += " AND attribute_not_exists(#version)"
    names = {"#ref": "reference", "#regime": "regime", "#version": "version"}
    assignments = []
    for index, (name, value) in enumerate(fields.items()):
        names[f"#f{index}"] = name
        values[f":f{index}"] = typed(value)
        assignments.append(f"#f{index} = :f{index}")
    return {
        "TableName": table,
        "Key": {"reference": item["reference"]},
        "UpdateExpression": "SET " + ", ".join(assignments),
        "ConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", required=True, help="the referrals table's physical name")
    parser.add_argument("--region", default="eu-west-2")
    parser.add_argument("--endpoint-url", help="another endpoint (the local stack's embedded AWS)")
    parser.add_argument("--dry-run", action="store_true", help="count what would change; write nothing")
    args = parser.parse_args(argv)
    import boto3

    dynamodb = boto3.client("dynamodb", region_name=args.region, endpoint_url=args.endpoint_url)
    counts = migrate(dynamodb, args.table, args.dry_run)
    print(
        f"{'would migrate' if args.dry_run else 'migrated'} {counts['migrated']} case(s); "
        f"{counts['unchanged']} already had a regime"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
