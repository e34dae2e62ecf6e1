#!/usr/bin/env bash
# Refuses to deploy a synthesized stack whose environment still has the shipped example values
# (account ids 111111111111/222222222222, example.com, state buckets named after those accounts).
# Synth records them, by config field, in each stack's .skyline-stack.json
# (stacks/config/example-values.ts). Run by scripts/apply-stack.sh and by the deploy workflow.
#
# Usage: scripts/refuse-example-values.sh cdktf.out/stacks/<stack> [...]
# Exit: 0 deployable, 3 refused (example values; the fields to set are printed), 2 not a skyline stack.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: scripts/refuse-example-values.sh cdktf.out/stacks/<stack> [...]" >&2; exit 2; }
status=0
for dir in "$@"; do
  marker="$dir/.skyline-stack.json"
  if [ ! -f "$marker" ]; then
    echo "refuse-example-values: $dir has no .skyline-stack.json: it was not written by skyline's synth (run npm run synth)" >&2
    exit 2
  fi
  if [ "$(jq '.exampleValues // [] | length' "$marker")" -gt 0 ]; then
    env=$(jq -r .environment "$marker")
    echo "refusing to deploy $(basename "$dir"): set these fields in stacks/config/environments/$env.ts, then synthesize again:" >&2
    jq -r '.exampleValues[] | "  - \(.field) = \"\(.value)\": \(.fix)"' "$marker" >&2
    status=3
  fi
done
exit "$status"
