#!/usr/bin/env bash
# Prints the directory holding a Node.js language host (pulumi-language-nodejs) for the
# tests that run real Pulumi projects with the CLI, building this repository's own once if
# needed.
#
# Order: Pulumi's own host, beside the `pulumi` on PATH or on PATH itself (a full Pulumi
# install ships it, and it always wins); else a cached build of ours (tools/pulumi-language-nodejs,
# keyed by a hash of its source, outside the clone because CI clones fresh on every run);
# else build ours with Go. Ours exists for this repository's tests only; it is not a
# substitute for a Pulumi install.
# With --find, only looks: prints nothing and exits 1 when there is none.
# Everything it prints on stdout is the directory; progress goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$here/tools/pulumi-language-nodejs"
cache_root="${PULUMI_FLASHBACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-flashback}"
# Our build says what it is in its version, so that it is never taken for Pulumi's own.
OUR_VERSION_PREFIX="0.0.0-flashback."

log() { printf '%s\n' "ensure-language-host: $*" >&2; }

is_pulumis_own() {
  [ -x "$1" ] || return 1
  local reported
  reported="$("$1" -version 2>/dev/null || true)"
  case "$reported" in
    "$OUR_VERSION_PREFIX"*) return 1 ;;
    *) return 0 ;;
  esac
}

candidates=()
if command -v pulumi >/dev/null 2>&1; then
  candidates+=("$(dirname "$(command -v pulumi)")/pulumi-language-nodejs")
fi
if command -v pulumi-language-nodejs >/dev/null 2>&1; then
  candidates+=("$(command -v pulumi-language-nodejs)")
fi
for candidate in "${candidates[@]+"${candidates[@]}"}"; do
  if is_pulumis_own "$candidate"; then
    dirname "$candidate"
    exit 0
  fi
done

source_hash="$(cd "$src" && cat go.mod go.sum $(ls ./*.go | sort) | sha256sum | cut -c1-16)"
version="${OUR_VERSION_PREFIX}h$source_hash"
cache_dir="$cache_root/pulumi-language-nodejs-$source_hash/bin"

if [ -x "$cache_dir/pulumi-language-nodejs" ]; then
  echo "$cache_dir"
  exit 0
fi

if [ "${1:-}" = "--find" ]; then
  exit 1
fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
ensure-language-host: no pulumi-language-nodejs found and no Go toolchain to build this
repository's test host. Install the Pulumi CLI with its language hosts and put it on PATH:
  https://www.pulumi.com/docs/iac/download-install/
MSG
  exit 1
fi

log "building this repository's pulumi-language-nodejs ($version) into $cache_dir (first run only)"
mkdir -p "$cache_dir"
start=$(date +%s)
tmp="$cache_dir/pulumi-language-nodejs.tmp.$$"
# The same flags as the CLI's build (scripts/ensure-pulumi.sh), so Go's build cache serves
# the packages both use.
if ! (cd "$src" && GOFLAGS=-mod=mod go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-X main.version=$version" -o "$tmp" .) >&2; then
  rm -f "$tmp"
  log "building pulumi-language-nodejs failed (see the Go output above)"
  exit 1
fi
mv "$tmp" "$cache_dir/pulumi-language-nodejs"
log "built in $(( $(date +%s) - start ))s"
echo "$cache_dir"
