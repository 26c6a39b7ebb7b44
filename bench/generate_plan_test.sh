#!/usr/bin/env bash
# The plan bench/generate_plan writes must pass `stormproof plan check` without an error or a
# warning, or bench/plan-bench times the reporting of mistakes instead of a real plan's checks.
# Usage: bench/generate_plan_test.sh GENERATE_PLAN STORMPROOF (ctest: generate_plan_passes_plan_check)
set -euo pipefail
generate=$1 stormproof=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/stormproof-generate-plan.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$generate" --out "$work" --clients 3 --systems 30 --people 12 --seed 7 >/dev/null
out=$("$stormproof" plan check --plan "$work/plan.yaml" --as-of 2026-11-26 2>&1) || {
  echo "plan check failed on the generated plan:" >&2
  echo "$out" >&2
  exit 1
}
if [[ $out != *" 0 error(s), 0 warning(s) "* ]]; then
  echo "plan check found something in the generated plan:" >&2
  echo "$out" >&2
  exit 1
fi
