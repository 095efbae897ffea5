"""The vendored GraphiQL bundles are the ones recorded in their SHA256SUMS, with licences."""

from __future__ import annotations

import hashlib

from server.graphiql_page import ASSETS_DIR

VENDOR = ASSETS_DIR / "vendor"


def test_vendored_files_match_their_checksums() -> None:
    recorded = {}
    for line in (VENDOR / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        recorded[name] = digest
    present = {path.name for path in VENDOR.iterdir()} - {"SHA256SUMS"}
    assert present == set(recorded)
    for name, digest in recorded.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_every_vendored_package_has_its_licence_and_pinned_version() -> None:
    versions = (VENDOR / "VERSIONS").read_text().split()
    assert versions == [
        "react@18.3.1",
        "react-dom@18.3.1",
        "graphiql@3.8.2",
        "@graphiql/plugin-explorer@3.2.3",
    ]
    licences = sorted(path.name for path in VENDOR.glob("LICENSE.*"))
    assert licences == [
        "LICENSE.graphiql",  # graphiql and its explorer plugin (same repository)
        "LICENSE.graphiql-explorer",  # bundled into the explorer plugin
        "LICENSE.react",
        "LICENSE.react-dom",
    ]
