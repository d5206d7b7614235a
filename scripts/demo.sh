#!/usr/bin/env bash
# The main job, for now: compile the three fixture networks to the `res`
# dialect and show the IR (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake --build "$BUILD_DIR" --target resc
for model in resmlp resnet8 tinylm; do
  echo "=== examples/$model.res -> res dialect ==="
  "$BUILD_DIR/bin/resc" "examples/$model.res" --emit=res
done
