#!/bin/sh
# What `npm test` and `npm start` need from outside npm, installed when missing
# and this machine allows it: Debian/Ubuntu's apt-get, as root or with
# passwordless sudo, never a prompt (CI runs this with no input). Otherwise one
# line per thing it could not install, saying how to install it.
#
#   sh scripts/install-deps.sh test    redis-server and chromium (npm test runs this first)
#   sh scripts/install-deps.sh start   redis-server (npm start, when REDIS_URL is unset)
#
# Exit status 1 when redis-server is still missing: nothing runs without it.
# A missing chromium is reported and left to the browser tests, which skip
# loudly on a developer's machine and fail when CI is set (test/ops/ops-harness.ts).
set -u

mode=${1:-}
case $mode in
  test | start) ;;
  *) echo "usage: sh scripts/install-deps.sh test|start" >&2; exit 2 ;;
esac

say() { echo "[install-deps] $*" >&2; }
has_redis() { command -v redis-server >/dev/null 2>&1; }
# playwright-core drives this binary; it never downloads a browser of its own.
chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
needs_chromium() { [ "$mode" = test ] && [ ! -x "$chromium" ]; }

packages=""
has_redis || packages="redis-server"
# A CHROMIUM_PATH elsewhere is the user's choice: apt-get would not put it there.
if needs_chromium && [ -z "${CHROMIUM_PATH:-}" ]; then packages="$packages chromium"; fi

why=""
if [ -n "$packages" ]; then
  sudo=""
  if ! command -v apt-get >/dev/null 2>&1; then
    why="no apt-get on this machine"
  elif [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo="sudo -n"
    else
      why="not root, and no passwordless sudo"
    fi
  fi
  if [ -z "$why" ]; then
    say "installing$(printf ' %s' $packages) with apt-get"
    # sudo resets the environment: env passes DEBIAN_FRONTEND through it.
    # shellcheck disable=SC2086 # $sudo and $packages are word lists on purpose
    if ! { $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null; }; then
      why="apt-get failed, see above"
    fi
  fi
fi

status=0
if ! has_redis; then
  hint="run \`sudo apt-get install redis-server\` (Debian, Ubuntu) or \`brew install redis\` (macOS)"
  [ "$mode" = start ] && hint="$hint, or set REDIS_URL to an existing Redis"
  say "could not install redis-server (${why:-still not on the PATH after apt-get}): $hint"
  status=1
fi
if needs_chromium; then
  if [ -n "${CHROMIUM_PATH:-}" ]; then why="CHROMIUM_PATH=$CHROMIUM_PATH is not an executable"; fi
  case ${CI:-} in
    '' | false | 0) then="the browser tests will be skipped" ;;
    *) then="the browser tests will fail (CI is set)" ;;
  esac
  say "could not install chromium (${why:-still missing after apt-get}): run \`sudo apt-get install chromium\` (Debian) or set CHROMIUM_PATH to a Chromium or Chrome binary; $then"
fi
exit $status
