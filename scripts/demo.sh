#!/usr/bin/env bash
# The main job: compile the ResMLP fixture to a native shared library, give
# it parameters initialised like PyTorch's, and classify a batch of inputs
# with resrun. Also shows the `res` IR of the three fixture networks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake --build "$BUILD_DIR" --target resc resrun
BIN="$BUILD_DIR/bin"
OUT="$BUILD_DIR/demo"
mkdir -p "$OUT"

for model in resmlp resnet8 tinylm; do
  echo "=== examples/$model.res -> res dialect (first lines) ==="
  # Through a file: with pipefail, `resc | head` fails when head closes the
  # pipe before resc has written everything.
  "$BIN/resc" "examples/$model.res" --emit=res -o "$OUT/$model.mlir"
  head -n 12 "$OUT/$model.mlir"
done

echo "=== resc examples/resmlp.res -o $OUT/resmlp.so ==="
time "$BIN/resc" examples/resmlp.res -o "$OUT/resmlp.so"
"$BIN/resrun" "$OUT/resmlp.so" --info >"$OUT/resmlp.info"
head -n 12 "$OUT/resmlp.info"
"$BIN/resrun" "$OUT/resmlp.so" --init-params 1 --save-params "$OUT/params.safetensors"
/usr/bin/python3 -c "
import numpy as np
np.save('$OUT/x.npy', np.random.default_rng(0).standard_normal((4, 784)).astype(np.float32))"
"$BIN/resrun" "$OUT/resmlp.so" --params "$OUT/params.safetensors" --input "$OUT/x.npy" \
  --output "$OUT/logits.npy"
/usr/bin/python3 -c "
import numpy as np
y = np.load('$OUT/logits.npy')
print('logits', y.shape)
print(np.array2string(y, precision=4, suppress_small=True))
print('predicted classes:', y.argmax(1).tolist())"
