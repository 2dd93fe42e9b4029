"""The project's own check of S3 lifecycle rules for published reports.

S3 (and moto) store any lifecycle rule they are given. A rule that expires current
versions, or noncurrent ones, inside a year, or that moves reports to an archive
class that cannot be read at once, would break the promise that every published
report stays readily available for at least 12 months. Object Lock stops the
deletion of a locked version, but an expiring rule still hides the report behind a
delete marker. Provisioning and the tests run every rule through here.
"""

MIN_DAYS = 366
READABLE_AT_ONCE = {"STANDARD", "STANDARD_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "ONEZONE_IA"}


class UnsafeLifecycleRule(ValueError):
    pass


def from_template(rule):
    """A CloudFormation lifecycle rule in the S3 API's shape."""
    converted = {
        "ID": rule.get("Id", "rule"),
        "Status": rule.get("Status", "Enabled"),
        "Filter": {"Prefix": rule.get("Prefix", "")},
    }
    expiration = {}
    if "ExpirationInDays" in rule:
        expiration["Days"] = rule["ExpirationInDays"]
    if "ExpirationDate" in rule:
        expiration["Date"] = rule["ExpirationDate"]
    if "ExpiredObjectDeleteMarker" in rule:
        expiration["ExpiredObjectDeleteMarker"] = rule["ExpiredObjectDeleteMarker"]
    if expiration:
        converted["Expiration"] = expiration
    if "Transitions" in rule:
        converted["Transitions"] = [
            {
                "StorageClass": t["StorageClass"],
                **({"Days": t["TransitionInDays"]} if "TransitionInDays" in t else {"Date": t["TransitionDate"]}),
            }
            for t in rule["Transitions"]
        ]
    if "NoncurrentVersionTransitions" in rule:
        converted["NoncurrentVersionTransitions"] = [
            {"StorageClass": t["StorageClass"], "NoncurrentDays": t["TransitionInDays"]}
            for t in rule["NoncurrentVersionTransitions"]
        ]
    days = rule.get("NoncurrentVersionExpiration", {}).get(
        "NoncurrentDays", rule.get("NoncurrentVersionExpirationInDays")
    )
    if days is not None:
        converted["NoncurrentVersionExpiration"] = {"NoncurrentDays": days}
    if "AbortIncompleteMultipartUpload" in rule:
        converted["AbortIncompleteMultipartUpload"] = rule["AbortIncompleteMultipartUpload"]
    return converted


def check_publication_rules(rules):
    """Raises UnsafeLifecycleRule for the first rule that could remove or bury a report early."""
    for rule in rules:
        if rule.get("Status") != "Enabled":
            continue
        name = rule.get("ID", "a rule")
        expiration = rule.get("Expiration", {})
        if "Date" in expiration:
            raise UnsafeLifecycleRule(f"{name}: an expiration date can remove a report published within a year of it")
        if "Days" in expiration and int(expiration["Days"]) < MIN_DAYS:
            raise UnsafeLifecycleRule(f"{name}: current versions would expire after {expiration['Days']} days")
        noncurrent = rule.get("NoncurrentVersionExpiration", {})
        if "NoncurrentDays" in noncurrent and int(noncurrent["NoncurrentDays"]) < MIN_DAYS:
            raise UnsafeLifecycleRule(
                f"{name}: replaced versions would expire after {noncurrent['NoncurrentDays']} days"
            )
        for transition in rule.get("Transitions", []) + rule.get("NoncurrentVersionTransitions", []):
            if transition["StorageClass"] in READABLE_AT_ONCE:
                continue
            days = transition.get("Days", transition.get("NoncurrentDays"))
            if days is None or int(days) < MIN_DAYS:
                raise UnsafeLifecycleRule(
                    f"{name}: {transition['StorageClass']} cannot be read at once, so not within {MIN_DAYS} days"
                )
    return True
