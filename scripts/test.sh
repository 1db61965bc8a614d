#!/usr/bin/env bash
# The whole test suite: set up .venv if needed, then lint, type-check and run every test
# (slow ones included). Extra arguments go to pytest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
venv="$root/.venv/bin"
echo "[test] ruff check" && "$venv/ruff" check src tests benchmarks
echo "[test] ruff format --check" && "$venv/ruff" format --check src tests benchmarks
echo "[test] mypy" && "$venv/mypy"
echo "[test] pytest"
exec "$venv/pytest" -n 2 "$@"
