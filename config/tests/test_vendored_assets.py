"""The browser libraries vendored from npm (static/vendor/, recorded in vendored.json and
README.md): every recorded file is there, unchanged (its sha256), of the recorded version, with its
licence; the pages load them from our origin only; nothing else sits in static/vendor/."""

import hashlib
import json
import re
from pathlib import Path

from django.template.loader import render_to_string

VENDOR = Path(__file__).resolve().parents[2] / "static" / "vendor"
MANIFEST = json.loads((VENDOR / "vendored.json").read_text())
PACKAGES = {entry["npm"]: entry for entry in MANIFEST["packages"]}
# Where each library states its own version (Squire's bundle does not; its hashes pin it).
VERSION_IN = {
    "dompurify": ("purify.min.js", "DOMPurify {}"),
    "tom-select": ("tom-select.complete.min.js", "Tom Select v{}"),
}


def test_every_vendored_file_is_the_recorded_one():
    assert set(PACKAGES) == {"squire-rte", "dompurify", "tom-select"}
    for name, entry in PACKAGES.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", entry["version"]), name
        assert entry["integrity"].startswith("sha512-") and entry["license"], name
        folder = VENDOR / entry["dir"]
        assert set(entry["files"].values()) == set(entry["sha256"]), name
        assert "LICENSE" in entry["sha256"], f"{name}: its licence is not vendored"
        for file, digest in entry["sha256"].items():
            path = folder / file
            assert path.is_file(), f"{path} is missing"
            assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, (
                f"{path} differs from {name} {entry['version']}"
            )


def test_the_libraries_are_the_recorded_versions():
    for name, (file, marker) in VERSION_IN.items():
        entry = PACKAGES[name]
        head = (VENDOR / entry["dir"] / file).read_text()[:400]
        assert marker.format(entry["version"]) in head, f"{file} is not {name} {entry['version']}"


def test_the_readme_names_each_version_and_licence():
    readme = (VENDOR / "README.md").read_text()
    for name, entry in PACKAGES.items():
        assert f"{name}@{entry['version']}" in readme and entry["license"] in readme and entry["integrity"] in readme


def test_nothing_unrecorded_in_static_vendor():
    recorded = {Path(entry["dir"]) / file for entry in PACKAGES.values() for file in entry["sha256"]}
    present = {path.relative_to(VENDOR) for path in VENDOR.rglob("*") if path.is_file()}
    assert present - {Path("vendored.json"), Path("README.md")} == recorded


def test_the_pages_load_them_from_our_origin():
    html = render_to_string("includes/widget_assets.html")
    urls = re.findall(r'data-(?:tom-select|tom-select-css|purify|squire)="([^"]+)"', html)
    assert len(urls) == 4
    for url in urls:
        assert url.startswith("/static/vendor/"), url
        assert (VENDOR / url.removeprefix("/static/vendor/")).is_file(), url
