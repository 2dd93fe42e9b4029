"""Builds the public pages' assets from the npm packages into chalicelib/web/pages/assets/.

The stylesheet is compiled from govuk-frontend's Sass with a system font stack, the
script is govuk-frontend's own module plus ours, and `upload.js` (the console's upload
form, sending the file straight to the bucket with a progress bar) is copied as it is. Each file is written under a name
carrying a hash of its content, so the app can serve it as immutable; manifest.json
maps the logical name to that file. The folder is generated (git-ignored): `make`
builds it before the tests, the local stack and `chalice package`, which ships it.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(ROOT, "chalicelib", "web", "pages", "source")
OUT = os.path.join(ROOT, "chalicelib", "web", "pages", "assets")
MODULES = os.path.join(ROOT, "node_modules")


def hashed(name, content):
    stem, dot, ext = name.partition(".")
    return f"{stem}-{hashlib.sha256(content).hexdigest()[:12]}{dot}{ext}"


def _sass(source):
    return subprocess.run(
        [
            os.path.join(MODULES, ".bin", "sass"),
            "--no-source-map",
            "--style=compressed",
            "--load-path",
            MODULES,
            "--quiet-deps",
            os.path.join(SOURCE, source),
        ],
        check=True,
        capture_output=True,
    ).stdout


def build():
    if not os.path.isdir(os.path.join(MODULES, "govuk-frontend")):
        sys.exit("node_modules/ is missing: run `npm ci` (make does)")
    css = _sass("pages.scss")
    # The staff console's sheet adds the components only its pages use (navigation, banners,
    # charts), so the public pages keep their weight.
    console_css = _sass("console.scss")
    with open(os.path.join(MODULES, "govuk-frontend", "dist", "govuk", "govuk-frontend.min.js"), "rb") as handle:
        govuk = handle.read().split(b"//# sourceMappingURL=")[0]
    govuk_name = hashed("govuk-frontend.min.js", govuk)
    with open(os.path.join(SOURCE, "pages.mjs"), "rb") as handle:
        ours = handle.read().replace(b'"GOVUK_FRONTEND"', f'"./{govuk_name}"'.encode())
    # The uploads bucket's form (the console): a module of its own, loaded only by the page that posts a file.
    with open(os.path.join(SOURCE, "upload.js"), "rb") as handle:
        upload = handle.read()
    files = {
        "pages.css": css,
        "console.css": console_css,
        "govuk-frontend.min.js": govuk,
        "pages.js": ours,
        "upload.js": upload,
    }
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    manifest = {}
    for name, content in files.items():
        manifest[name] = hashed(name, content)
        with open(os.path.join(OUT, manifest[name]), "wb") as handle:
            handle.write(content)
    with open(os.path.join(OUT, "manifest.json"), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2, sort_keys=True)
    return manifest


if __name__ == "__main__":
    print(json.dumps(build(), indent=2))
