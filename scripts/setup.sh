#!/usr/bin/env bash
# Makes V8 (Debian's libnode 18 / V8 10.2) headers and library available to the build without
# touching the system's nodejs package: the two Debian packages are downloaded and unpacked into
# .deps/libnode (git-ignored); the runtime libraries libnode needs are installed with apt-get, and
# so are esbuild, which `switchyard dev` and `switchyard deploy` bundle workers with, pebble, the
# ACME server the custom hostname tests run, openssl, their TLS client, and libssl-dev, the
# libcrypto headers WebCrypto's COpenSSL target builds against.
# Idempotent: a second run with everything in place returns at once.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
deps="$root/.deps"
libnode="$deps/libnode"
stamp="$libnode/.complete"
version="18.20.4"

need_apt=()
for pkg in libuv1 libc-ares2 libnghttp2-14 libbrotli1 libicu72 libicu-dev libssl3 libssl-dev zlib1g-dev curl openssl pebble; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
apt_updated=0
apt_update() { [ "$apt_updated" = 1 ] || { apt-get update -qq >/dev/null; apt_updated=1; }; }
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}"
  apt_update
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# Debian's esbuild (a Go binary) recommends nodejs, which it does not need.
if ! dpkg-query -W -f='${Status}' esbuild 2>/dev/null | grep -q "install ok installed"; then
  echo "setup: installing esbuild"
  apt_update
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends esbuild >/dev/null
fi

if [ ! -f "$stamp" ]; then
  echo "setup: fetching Debian's libnode108 and libnode-dev ($version) into .deps/libnode"
  apt_update
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  chmod 777 "$tmp"
  (cd "$tmp" && apt-get download -qq "libnode108=$version*" "libnode-dev=$version*" 2>/dev/null \
     || apt-get download -qq libnode108 libnode-dev)
  rm -rf "$libnode"
  mkdir -p "$libnode"
  for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
  mkdir -p "$libnode/include" "$libnode/lib"
  cp -a "$tmp/root/usr/include/node/." "$libnode/include/"
  cp -a "$tmp"/root/usr/lib/*/libnode.so* "$libnode/lib/"
  touch "$stamp"
fi

# The official Cloudflare Python SDK drives the API tests; schemathesis fuzzes the API from its
# OpenAPI document (Tests/SwitchyardServerTests/FuzzTests.swift); cryptography makes the
# certificates the custom hostname upload tests send (Python/make_certificate.py).
if ! python3 -c 'import cloudflare, schemathesis, cryptography' 2>/dev/null; then
  echo "setup: installing the Cloudflare Python SDK, schemathesis and cryptography"
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore cloudflare schemathesis cryptography
fi

# websockets is the real WebSocket client (and loopback server) of the WebSocket tests
# (Tests/SwitchyardDevTests/WebSocketTests.swift, Tests/SwitchyardServerTests/WebSocketDispatchTests.swift).
if ! python3 -c 'import websockets' 2>/dev/null; then
  echo "setup: installing websockets"
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore websockets
fi

# deno serves the same worker modules as `switchyard dev` for the differential tests
# (Tests/SwitchyardDevTests/DifferentialTests.swift) and the benchmarks' side-by-side runs, and runs
# the streams conformance script next to our isolate (Tests/SwitchyardRuntimeTests/StreamsTests.swift).
if ! command -v deno >/dev/null 2>&1; then
  echo "setup: installing deno"
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore deno
fi
