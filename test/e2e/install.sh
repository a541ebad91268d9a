#!/usr/bin/env bash
# Installs the extension's test and packaging tools (this folder's package.json) on a machine whose only network is
# the npm registry and Debian. Needs the Debian packages chromium, libkrb5-dev and ripgrep (see .ci/run).
# --if-missing: do nothing when the tools are already installed (what `npm run test:e2e` uses).
set -euo pipefail
cd "$(dirname "$0")"

if [ "${1:-}" = "--if-missing" ] && [ -x node_modules/.bin/code-server ] && [ -x node_modules/.bin/vsce ] &&
  [ -f node_modules/playwright-core/package.json ]; then
  exit 0
fi

# @vscode/ripgrep's postinstall downloads rg from GitHub, which is unreachable here; it first looks for this cached
# tarball and uses it unchecked, so a tarball holding Debian's rg makes the install pass.
tmp="${TMPDIR:-/tmp}"
cache="$tmp/vscode-ripgrep-cache-1.15.11"
tarball="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$tarball" ]; then
  rg_bin="$(command -v rg || true)"
  if [ -z "$rg_bin" ]; then
    echo "install.sh: ripgrep (rg) is missing: apt-get install ripgrep" >&2
    exit 1
  fi
  mkdir -p "$cache"
  staging="$(mktemp -d)"
  cp "$rg_bin" "$staging/rg"
  tar -czf "$tarball" -C "$staging" rg
  rm -rf "$staging"
fi

if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi
