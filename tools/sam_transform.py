"""The packaged SAM template as CloudFormation deploys it: `python -m tools.sam_transform sam.json out.json`.

CloudFormation runs the SAM transform before it creates anything, so some faults (a dependency cycle
through a generated role or permission, an event source that names nothing) show only in the transformed
template. `make package` writes it beside `sam.json` and lints both in one cfn-lint run.

The transform is AWS's own translator (aws-sam-translator, the library CloudFormation's transform runs),
given the function code's S3 location as `sam package` would set it and no managed policies to expand
(the roles here are the template's own).
"""

import json
import sys


class _NoManagedPolicies:
    def load(self):
        return {}


def cloudformation(template):
    from samtranslator.translator.transform import transform

    template = json.loads(json.dumps(template))
    for spec in template["Resources"].values():
        if spec["Type"] == "AWS::Serverless::Function":
            spec["Properties"]["CodeUri"] = "s3://artifacts/deployment.zip"  # as `sam package` sets it
    return transform(template, {}, _NoManagedPolicies())


def main(source, target):
    with open(source, encoding="utf-8") as handle:
        translated = cloudformation(json.load(handle))
    with open(target, "w", encoding="utf-8") as handle:
        json.dump(translated, handle, indent=1)


if __name__ == "__main__":
    main(*sys.argv[1:])
