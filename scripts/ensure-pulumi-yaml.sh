#!/usr/bin/env bash
# Prints the directory holding Pulumi's YAML language host (pulumi-language-yaml),
# building it once if needed, for the tests that run Pulumi YAML programs.
#
# Order: one on PATH (a full Pulumi install ships it); else a cached build of the
# pinned release (outside the clone, because CI clones fresh on every run); else build
# it from the Go module proxy with tools/pulumi-yaml.
# With --find, only looks: prints nothing and exits 1 when there is none.
# Everything it prints on stdout is the directory; progress goes to stderr.
set -euo pipefail

PINNED_VERSION="1.25.0"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_root="${PULUMI_FLASHBACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-flashback}"
cache_dir="$cache_root/pulumi-yaml-v$PINNED_VERSION/bin"

log() { printf '%s\n' "ensure-pulumi-yaml: $*" >&2; }

if command -v pulumi-language-yaml >/dev/null 2>&1; then
  dirname "$(command -v pulumi-language-yaml)"
  exit 0
fi

if [ -x "$cache_dir/pulumi-language-yaml" ]; then
  echo "$cache_dir"
  exit 0
fi

if [ "${1:-}" = "--find" ]; then
  exit 1
fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
ensure-pulumi-yaml: no pulumi-language-yaml found and no Go toolchain to build one.
Install the Pulumi CLI with its language hosts and put it on PATH:
  https://www.pulumi.com/docs/iac/download-install/
MSG
  exit 1
fi

log "building pulumi-language-yaml v$PINNED_VERSION from the Go module proxy into $cache_dir (first run only; a few minutes)"
mkdir -p "$cache_dir"
start=$(date +%s)
tmp="$cache_dir/pulumi-language-yaml.tmp.$$"
if ! (cd "$here/tools/pulumi-yaml" && GOFLAGS=-mod=mod go build -trimpath \
    -ldflags "-X github.com/pulumi/pulumi-yaml/pkg/version.Version=v$PINNED_VERSION" \
    -o "$tmp" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml) >&2; then
  rm -f "$tmp"
  log "building pulumi-language-yaml v$PINNED_VERSION failed (see the Go output above)"
  exit 1
fi
mv "$tmp" "$cache_dir/pulumi-language-yaml"
log "built in $(( $(date +%s) - start ))s"
echo "$cache_dir"
