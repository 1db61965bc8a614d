#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment in .venv with Python >= 3.12.
# Idempotent: reinstalls only when pyproject.toml changed since the last install.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

find_python() {
  local c
  for c in "${MSISIM_PYTHON:-}" python3.12 python3 python3.13 python; do
    [ -n "$c" ] || continue
    command -v "$c" >/dev/null 2>&1 || continue
    if "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      echo "$c"; return 0
    fi
  done
  return 1
}

venv="$root/.venv"
stamp="$venv/.msisim-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"

if [ ! -x "$venv/bin/python" ]; then
  py="$(find_python)" || {
    echo "msisim needs Python 3.12 or newer; none found (tried python3.12, python3, python3.13)." >&2
    echo "Install Python 3.12 (e.g. 'pyenv install 3.12') or set MSISIM_PYTHON=/path/to/python3.12." >&2
    exit 1
  }
  echo "[setup] creating .venv with $("$py" --version)" >&2
  "$py" -m venv "$venv"
fi

if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[setup] installing msisim and its dependencies into .venv (first time: about a minute)" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip uv >&2
  "$venv/bin/uv" pip install --quiet --python "$venv/bin/python" -e ".[dev]" >&2
  echo "$want" > "$stamp"
fi
