#!/usr/bin/env bash
# The main job: set up .venv if needed, then run the Bollow comparison study (representative
# vs open forum across 6 lobby budgets, 2 lobby strategies and 2 selector views, 8 replicates
# each: 384 runs) and write its report.
# Extra arguments go to `msisim experiment bollow_comparison` (e.g. --quick, --workers 2,
# Hydra overrides such as replicates=5).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
exec "$root/.venv/bin/msisim" experiment bollow_comparison "$@"
