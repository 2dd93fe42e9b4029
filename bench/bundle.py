"""The Lambda bundle: `chalice package` when it works, else an estimate built the same way.

chalice ships app.py, chalicelib/, vendor/, its own two runtime files and the
wheels of requirements.txt (unpacked, without .pyc). boto3 is not listed: the
Lambda runtime provides it.
"""

import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STAGE = "dev"
# Read at run time by chalicelib/platform/validation.py, from inside chalicelib/.
RUNTIME_FILES = ("chalicelib/schemas/referral.schema.json", "chalicelib/schemas/defs.schema.json")


@dataclass
class Bundle:
    path: str
    estimate: bool
    compressed: int = 0
    uncompressed: int = 0
    files: int = 0
    notes: list = field(default_factory=list)
    missing: list = field(default_factory=list)


def measure(workdir):
    """Returns a Bundle. Raises RuntimeError when neither chalice nor the fallback can build one."""
    notes = []
    built = _chalice_package(workdir, notes)
    if built is None:
        built = _estimate(workdir, notes)
    with zipfile.ZipFile(built.path) as archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
    built.compressed = os.path.getsize(built.path)
    built.uncompressed = sum(info.file_size for info in infos)
    built.files = len(infos)
    names = {info.filename for info in infos}
    built.missing = [name for name in RUNTIME_FILES if name not in names]
    built.notes = notes + built.notes
    return built


def _chalice_package(workdir, notes):
    chalice = os.path.join(os.path.dirname(sys.executable), "chalice")
    out = os.path.join(workdir, "chalice-package")
    # chalice wants a region even to package; packaging never calls AWS.
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "eu-west-2")}
    try:
        proc = subprocess.run(
            [chalice, "package", "--stage", STAGE, out], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        notes.append(f"`chalice package --stage {STAGE}` could not run: {exc}")
        return None
    zipped = os.path.join(out, "deployment.zip")
    if proc.returncode == 0 and os.path.exists(zipped):
        return Bundle(zipped, estimate=False)
    notes.append(f"`chalice package --stage {STAGE}` failed (exit {proc.returncode}): {_reason(proc)}")
    return None


def _reason(proc):
    # The last line of a traceback names the cause; the rest is chalice's internals.
    for stream in (proc.stderr, proc.stdout):
        lines = [line.strip() for line in (stream or "").splitlines() if line.strip()]
        if lines:
            return lines[-1]
    return "no output"


def _estimate(workdir, notes):
    site = os.path.join(workdir, "site")
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--target",
        site,
        "-r",
        os.path.join(ROOT, "requirements.txt"),
        "--platform",
        "manylinux2014_x86_64",
        "--implementation",
        "cp",
        "--python-version",
        "3.13",
        "--only-binary=:all:",
    ]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"fallback `pip install --target` failed too (exit {proc.returncode}): {_reason(proc)}")

    import chalice
    import chalice.app

    zipped = os.path.join(workdir, "estimate", "deployment.zip")
    os.makedirs(os.path.dirname(zipped))
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        _add_tree(archive, site, "")
        archive.write(chalice.__file__, "chalice/__init__.py")
        archive.write(chalice.app.__file__, "chalice/app.py")
        archive.write(os.path.join(ROOT, "app.py"), "app.py")
        _add_tree(archive, os.path.join(ROOT, "chalicelib"), "chalicelib")
    notes.append(
        "built instead: pip wheels of requirements.txt (manylinux2014_x86_64, cp313) + chalice runtime "
        "+ app.py + chalicelib/ (with its schemas), deflated"
    )
    return Bundle(zipped, estimate=True)


def _add_tree(archive, directory, prefix):
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".pyc"):
                continue
            full = os.path.join(root, name)
            archive.write(full, os.path.join(prefix, os.path.relpath(full, directory)))
