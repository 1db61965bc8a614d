#!/usr/bin/env bash
# The whole test suite: set up .venv if needed, then lint, type-check and run every test
# (slow ones included). Extra arguments go to pytest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
venv="$root/.venv/bin"
# The browser test drives Debian's Chromium (no browser download); the app's JavaScript comes
# from the solara-assets package that setup.sh installs (no npm).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[test] installing Debian's chromium for the browser test" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
  else
    echo "[test] the browser test needs chromium: run 'apt-get install chromium' as root" >&2
    exit 1
  fi
fi
echo "[test] ruff check" && "$venv/ruff" check src tests benchmarks examples
echo "[test] ruff format --check" && "$venv/ruff" format --check src tests benchmarks examples
echo "[test] mypy" && "$venv/mypy"
echo "[test] pytest"
exec "$venv/pytest" -n 2 "$@"
