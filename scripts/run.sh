#!/usr/bin/env bash
# The main job: set up .venv if needed, then run the Bollow comparison study (representative
# vs open forum across 11 lobby budgets, 20 replicates each) and write its report.
# Extra arguments go to `msisim experiment bollow_comparison` (e.g. --quick, --workers 2,
# Hydra overrides such as replicates=5).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
exec "$root/.venv/bin/msisim" experiment bollow_comparison "$@"
