#!/bin/sh
# What `npm run synth` runs after the build: the synth from its V8 startup snapshot (dist/synth.blob)
# when the build could make one with this node, else the same synth from plain modules
# (node dist/main.js): both write the same files (.ci/run diffs them).
# A blob only loads in the node version that built it; the build records that version beside it.
set -eu
cd "$(dirname "$0")/.."
blob=dist/synth.blob
if [ -s "$blob" ] && [ -s "$blob.node-version" ] && [ "$(cat "$blob.node-version")" = "$(node --version)" ]; then
  exec node --snapshot-blob "$blob" dist/main.js "$@"
fi
exec node dist/main.js "$@"
