#!/usr/bin/env bash
# Refreshes the page's third-party files from their npm packages, at the pinned versions and
# checked against the pinned tarball digests. Run it after changing a version (then update
# the digest it prints when it refuses), and commit what it writes. Needs npm and network
# access to the npm registry; building and testing fed311 need neither.
set -euo pipefail
cd "$(dirname "$0")"

LEAFLET=1.9.4
LEAFLET_SHA256=84c65a256e50657896f54c33bd857b6849ebe94c817803be818bf32a3dde0b77

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

fetch() { # name version sha256
    (cd "$tmp" && npm pack --silent "$1@$2" >/dev/null)
    local tarball="$tmp/$1-$2.tgz"
    local got
    got="$(sha256sum "$tarball" | cut -d' ' -f1)"
    if [ "$got" != "$3" ]; then
        echo "$1@$2: tarball sha256 is $got, pinned $3" >&2
        exit 1
    fi
    rm -rf "$tmp/package" && tar -xzf "$tarball" -C "$tmp"
}

fetch leaflet "$LEAFLET" "$LEAFLET_SHA256"
mkdir -p leaflet
cp "$tmp/package/dist/leaflet.js" "$tmp/package/dist/leaflet.css" "$tmp/package/LICENSE" leaflet/
echo "leaflet@$LEAFLET from npm, tarball sha256 $LEAFLET_SHA256" > leaflet/VERSION
echo "refreshed leaflet@$LEAFLET"
