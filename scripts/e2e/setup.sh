#!/usr/bin/env bash
# Installs what the end-to-end tests (and `npm start`) need, idempotently:
#   - Debian packages: chromium (driven by playwright-core), libkrb5-dev (gssapi.h for a
#     native module of code-server), ripgrep (stands in for the rg that code-server's
#     @vscode/ripgrep would download from GitHub, which is unreachable here);
#   - code-server 4.100.3 (= VS Code 1.100.3, the last one on Node 20) in .e2e/code-server/.
# See shared/E2E.md. Safe to run repeatedly: a complete install is detected and skipped.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
E2E_DIR="$ROOT/.e2e"
CS_DIR="$E2E_DIR/code-server"
MARKER="$CS_DIR/.installed-$CODE_SERVER_VERSION"

log() { printf '[e2e-setup] %s\n' "$*"; }

# --- 1. Debian packages ------------------------------------------------------
APT_PACKAGES=(chromium libkrb5-dev ripgrep)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  log "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages present: ${APT_PACKAGES[*]}"
fi
command -v chromium >/dev/null || { log "chromium not found after install"; exit 1; }
command -v rg >/dev/null || { log "rg not found after install"; exit 1; }

# --- 2. code-server ----------------------------------------------------------
cs_ok() {
  [ -f "$MARKER" ] &&
    [ -f "$CS_DIR/node_modules/code-server/out/node/entry.js" ] &&
    [ -e "$CS_DIR/node_modules/code-server/lib/vscode/node_modules.asar" ] &&
    [ -d "$CS_DIR/node_modules/code-server/lib/vscode/extensions/node_modules/typescript" ] &&
    [ -d "$CS_DIR/node_modules/argon2/lib/binding" ] &&
    cs_version | grep -q "^$CODE_SERVER_VERSION "
}
# `code-server --version` also writes a default config on its first run: keep that out of $HOME.
cs_version() {
  local tmp rc=0
  tmp="$(mktemp -d)"
  XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" \
    node "$CS_DIR/node_modules/code-server/out/node/entry.js" --version 2>&1 || rc=$?
  rm -rf "$tmp"
  return "$rc"
}

if cs_ok; then
  log "code-server $CODE_SERVER_VERSION present in ${CS_DIR#"$ROOT"/}"
  exit 0
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" != 20 ]; then
  log "code-server $CODE_SERVER_VERSION needs Node 20; this is Node $(node --version)"
  exit 1
fi

# @vscode/ripgrep (a dependency of VS Code) downloads rg from GitHub at install time,
# unless it finds the release tarball in its cache folder first: give it Debian's rg.
RG_CACHE="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
RG_TARBALL="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$RG_TARBALL" ]; then
  log "caching Debian's rg as $RG_TARBALL"
  mkdir -p "$RG_CACHE"
  tmp="$(mktemp -d)"
  cp "$(command -v rg)" "$tmp/rg"
  tar -czf "$RG_TARBALL.tmp" -C "$tmp" rg
  mv "$RG_TARBALL.tmp" "$RG_TARBALL"
  rm -rf "$tmp"
fi

log "installing code-server $CODE_SERVER_VERSION into ${CS_DIR#"$ROOT"/} (a few minutes)"
rm -rf "$CS_DIR"
mkdir -p "$CS_DIR"
# Own package.json, so code-server (300 MB) is not a dependency of the extension.
# allowScripts: npm 11's install-script policy. code-server's postinstall installs
# VS Code's own dependencies (native modules, ripgrep, the built-in extensions' TypeScript)
# and argon2 builds its binding: code-server does not work without both.
cat >"$CS_DIR/package.json" <<EOF
{
  "name": "cnn-studio-e2e-code-server",
  "private": true,
  "description": "code-server for CNN Studio's end-to-end tests and npm start; installed by scripts/e2e/setup.sh",
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" },
  "allowScripts": { "code-server": true, "argon2": true }
}
EOF
# unsafe_perm: as root, code-server's postinstall refuses to run without it (it reads the
# variable itself). yes: a native module's install script calls npx, cancelled without it.
INSTALL_LOG="$E2E_DIR/code-server-install.log"
if ! (
  cd "$CS_DIR" &&
    npm_config_unsafe_perm=true npm_config_yes=true npm install --no-audit --no-fund
) >"$INSTALL_LOG" 2>&1; then
  tail -n 60 "$INSTALL_LOG"
  log "npm install of code-server failed; full log: $INSTALL_LOG"
  exit 1
fi
grep -v 'Unknown env config "unsafe-perm"' "$INSTALL_LOG" || true

touch "$MARKER"
if ! cs_ok; then
  rm -f "$MARKER"
  log "code-server install is incomplete: its install scripts did not run (see the npm output above)"
  exit 1
fi
log "code-server $CODE_SERVER_VERSION installed"
