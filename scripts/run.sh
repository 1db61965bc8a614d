#!/usr/bin/env bash
# The main job: set up .venv if needed, then run the representative-vs-open comparison.
# Extra arguments go to `msisim compare` (see `msisim compare --help`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
exec "$root/.venv/bin/msisim" compare "$@"
