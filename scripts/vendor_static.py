"""Vendor the browser libraries listed in static/vendor/vendored.json from npm (developers only;
nothing runs npm at run time).

    .venv/bin/python scripts/vendor_static.py            # re-fetch the recorded versions, check, copy
    .venv/bin/python scripts/vendor_static.py tom-select 2.6.3   # move one package to a new version

Each package is fetched with ``npm pack`` (the npm registry's tarball), its integrity checked
against the recorded one (unless the version changes, when the new integrity is recorded), and the
listed dist files copied unchanged into static/vendor/<dir>/ with their sha256 written to the
manifest, which config/tests/test_vendored_assets.py checks.
"""

import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"
MANIFEST = VENDOR / "vendored.json"


def _integrity(path):
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def vendor(entry, version, workdir):
    spec = f"{entry['npm']}@{version}"
    command = ["npm", "pack", spec, "--json", "--pack-destination", str(workdir)]
    out = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603 - a developer's npm
    tarball = workdir / json.loads(out.stdout)[0]["filename"]
    integrity = _integrity(tarball)
    if version == entry["version"] and integrity != entry["integrity"]:
        raise SystemExit(f"{spec}: the registry's tarball differs from the recorded one ({integrity})")
    target = VENDOR / entry["dir"]
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball) as archive:
        for source, name in entry["files"].items():
            data = archive.extractfile(f"package/{source}").read()
            (target / name).write_bytes(data)
            entry["sha256"][name] = hashlib.sha256(data).hexdigest()
    entry["version"], entry["integrity"] = version, integrity


def main(argv):
    manifest = json.loads(MANIFEST.read_text())
    only = argv[0] if argv else None
    with tempfile.TemporaryDirectory() as workdir:
        for entry in manifest["packages"]:
            if only is None or entry["npm"] == only:
                vendor(entry, argv[1] if only and len(argv) > 1 else entry["version"], Path(workdir))
    MANIFEST.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
