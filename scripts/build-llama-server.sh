#!/usr/bin/env bash
# Builds llama.cpp's llama-server from the source bundle shipped in node-llama-cpp (a dev dependency)
# and caches the binary outside the repository, keyed by the bundle's commit. Prints the binary's path.
# Used by the tests that run a real llama-server; CI builds it once per machine (~8 min on 2 cores).
#   MODELSHELF_TOOLS_CACHE  cache root (default ~/.cache/modelshelf)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bundle="$here/node_modules/node-llama-cpp/llama/gitRelease.bundle"
[ -f "$bundle" ] || { echo "build-llama-server: $bundle not found (run npm install)" >&2; exit 1; }
commit="$(git bundle list-heads "$bundle" | awk 'NR==1{print substr($1,1,12)}')"
cache="${MODELSHELF_TOOLS_CACHE:-$HOME/.cache/modelshelf}/llama-server-$commit"
bin="$cache/llama-server"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
work="$(mktemp -d "$cache/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
git clone --quiet "$bundle" "$work/src" >&2
cmake -S "$work/src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
  -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_EXAMPLES=OFF -DGGML_NATIVE=OFF >&2
cmake --build "$work/build" --target llama-server -j "$(nproc)" >&2
install -m 755 "$work/build/bin/llama-server" "$bin.tmp"
mv "$bin.tmp" "$bin"
echo "$bin"
