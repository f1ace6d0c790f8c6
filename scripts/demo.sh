#!/usr/bin/env bash
# demo.sh: the main job. Builds the release binary, shows every example program agreeing
# in every configuration of the oracle's matrix, then runs a bounded differential fuzzing
# campaign (default 60 seconds; DEMO_SECONDS=N to change) through the same matrix.
# Divergences are saved in reports/divergences/. Exit 0 when everything agrees.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
echo "== every example, every configuration: build/release/cli/tessera diff examples/*.tas"
build/release/cli/tessera diff examples/*.tas
seconds=${DEMO_SECONDS:-60}
echo
echo "== differential fuzzing for ${seconds}s: build/release/cli/tessera fuzz --seconds=${seconds} --jobs=$(nproc)"
build/release/cli/tessera fuzz --seconds="$seconds" --jobs="$(nproc)"
