# Shared by scripts/start and scripts/test: create or reuse .venv and install kamlab into it.
# Usage (sourced): KAMLAB_EXTRAS="test" . scripts/_bootstrap.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
_APT_UPDATED=0

say() { printf '\033[1m[kamlab]\033[0m %s\n' "$*"; }

apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    say "Please install these packages with your system's package manager: $*"
    return 1
  fi
  if [ "$_APT_UPDATED" = 0 ]; then
    say "apt-get update"
    $SUDO apt-get update -qq
    _APT_UPDATED=1
  fi
  say "apt-get install $*"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! command -v "$PY" >/dev/null 2>&1; then
  say "Python 3.11 or newer is needed ($PY was not found)."; exit 1
fi
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  say "Python 3.11 or newer is needed; $PY is $("$PY" --version 2>&1)."; exit 1
fi
if ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  ver="$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
  apt_install python3-venv "python${ver}-venv" || apt_install python3-venv
fi

if [ ! -x .venv/bin/python ]; then
  say "Creating the virtual environment in .venv"
  "$PY" -m venv .venv
fi
VPY="$ROOT/.venv/bin/python"

EXTRAS="${KAMLAB_EXTRAS:-}"
SPEC="."
if [ -n "$EXTRAS" ]; then SPEC=".[${EXTRAS}]"; fi
STAMP=".venv/.kamlab-installed"
WANT="$(cat pyproject.toml constraints.txt 2>/dev/null | "$VPY" -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())') $EXTRAS"
if [ ! -f "$STAMP" ] || ! grep -qxF "$WANT" "$STAMP"; then
  say "Installing kamlab and its pinned dependencies (constraints.txt) into .venv"
  "$VPY" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$VPY" -m pip install --quiet --disable-pip-version-check -c constraints.txt -e "$SPEC"
  echo "$WANT" >> "$STAMP"
fi
export PATH="$ROOT/.venv/bin:$PATH"
export VIRTUAL_ENV="$ROOT/.venv"
