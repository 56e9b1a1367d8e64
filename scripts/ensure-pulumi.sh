#!/usr/bin/env bash
# Prints the directory holding a usable `pulumi` CLI, building it once if needed.
# The pinned build lands in <cache>/pulumi-v<version>/bin, the layout the Automation
# API expects for PulumiCommand.get({ root: <cache>/pulumi-v<version> }).
#
# Order: a `pulumi` on PATH that is recent enough; else a cached build of the
# pinned release (outside the clone, because CI clones fresh on every run);
# else build the pinned release from the Go module proxy with tools/pulumi.
# Everything it prints on stdout is the directory; progress goes to stderr.
set -euo pipefail

PINNED_VERSION="3.274.1"
MIN_VERSION="3.181.0"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_root="${PULUMI_FLASHBACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-flashback}"
cache_dir="$cache_root/pulumi-v$PINNED_VERSION/bin"

log() { printf '%s\n' "ensure-pulumi: $*" >&2; }

version_at_least() {
  # True when $1 >= $2, comparing dotted numbers.
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

if command -v pulumi >/dev/null 2>&1; then
  found="$(pulumi version 2>/dev/null | sed 's/^v//' || true)"
  if [ -n "$found" ] && version_at_least "$found" "$MIN_VERSION"; then
    dirname "$(command -v pulumi)"
    exit 0
  fi
  log "pulumi on PATH is $found, older than $MIN_VERSION; using the pinned build instead"
fi

if [ -x "$cache_dir/pulumi" ] && [ "$("$cache_dir/pulumi" version 2>/dev/null)" = "v$PINNED_VERSION" ]; then
  echo "$cache_dir"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
ensure-pulumi: no pulumi CLI found and no Go toolchain to build one.
Install the Pulumi CLI ($MIN_VERSION or later) and put it on PATH:
  https://www.pulumi.com/docs/iac/download-install/
or install Go 1.26.6+ so that this script can build v$PINNED_VERSION from the Go module proxy.
MSG
  exit 1
fi

log "building pulumi v$PINNED_VERSION from the Go module proxy into $cache_dir (first run only; several minutes)"
mkdir -p "$cache_dir"
start=$(date +%s)
tmp="$cache_dir/pulumi.tmp.$$"
if ! (cd "$here/tools/pulumi" && GOFLAGS=-mod=mod go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PINNED_VERSION" \
    -o "$tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) >&2; then
  rm -f "$tmp"
  cat >&2 <<MSG
ensure-pulumi: building pulumi v$PINNED_VERSION failed (see the Go output above).
Install the Pulumi CLI ($MIN_VERSION or later) yourself and put it on PATH:
  https://www.pulumi.com/docs/iac/download-install/
MSG
  exit 1
fi
mv "$tmp" "$cache_dir/pulumi"
log "built in $(( $(date +%s) - start ))s"
echo "$cache_dir"
