"""Fails when a locked dependency needs a newer Rust than the `rust-version` Cargo.toml states.

Reads `cargo metadata --format-version 1 --locked` on standard input.
"""
import json
import sys


def version(text):
    return tuple(int(part) for part in text.split("."))


packages = json.load(sys.stdin)["packages"]
ours = next(p for p in packages if p["name"] == "fed311")["rust_version"]
newer = [
    f"{p['name']} {p['version']} needs {p['rust_version']}"
    for p in packages
    if p.get("rust_version") and version(p["rust_version"]) > version(ours)
]
if newer:
    sys.exit(f"Cargo.toml says rust-version {ours}, but: " + "; ".join(newer))
print(f"rust-version {ours} holds for all {len(packages)} locked packages")
