#!/usr/bin/env bash
# The bench on a random-weight model of a THUDM shape (issue 18): load, prefill 512, cached decode ms/token, RSS and
# decode vs its memory bound, in one command. The model folder (int8, models/glm/random_model.py, through the same
# export as a converted model) is built the first time and reused from runs/shapes/ after that.
#
#   bash models/bench-shape.sh glm-large                    # the whole bench (node dist/bench.js -m FOLDER)
#   bash models/bench-shape.sh glm-large --repeat 3 --threads 2   # further arguments go to the bench
#   WEIGHTS=fp32 bash models/bench-shape.sh default         # fp32 weights instead of int8
#
# Shapes: python3 -m models.glm.random_model --help. The bench is rebuilt first (npm run build) so that it measures
# the current source; NO_BUILD=1 skips that.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-/usr/bin/python3}
WEIGHTS=${WEIGHTS:-int8}   # int8 | fp32
SEED=${SEED:-0}
shape=${1:?usage: bash models/bench-shape.sh SHAPE [bench options]}
shift
case $WEIGHTS in
  int8) flag=--int8 ;;
  fp32) flag= ;;
  *) echo "bench-shape.sh: WEIGHTS must be int8 or fp32, not '$WEIGHTS'" >&2; exit 2 ;;
esac
dir=runs/shapes/$shape-$WEIGHTS
# write_model_folder writes glm.json last: a folder without it is an interrupted build, made again.
if [[ ! -f $dir/glm.json ]]; then
  "$PY" -m models.glm.random_model --shape "$shape" --out "$dir" $flag --seed "$SEED"
fi
[[ -n ${NO_BUILD:-} ]] || npm run build --silent
uptime
node dist/bench.js -m "$dir" "$@"
uptime
