#!/usr/bin/env bash
# demo.sh: the main job. Builds the release binary and runs every example program in
# every configuration that exists (today: the reference interpreter with computed-goto
# and with switch dispatch), showing that their observations agree.
# Exit status 0 when all agree, 1 on any divergence.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
echo "== every example, every configuration (build/release/vm/tessera diff examples/*.tas)"
build/release/vm/tessera diff examples/*.tas
