#!/usr/bin/env bash
# The multi-task mix ablation (issue 19, docs/ablation.md): four objective mixes trained at one size on the same
# windows, then Part-B loss per bucket × objective and greedy generation per bucket × blank length on development
# documents, and the stop share of end-of-text [gMASK] fills.
#
#   bash models/ablation.sh                      # everything: tokens → 4 arms → second seed of PAIR → measure → report
#   STAGE=report bash models/ablation.sh         # runs/ablation/tables.md and docs/ablation.png from what is measured
#   STAGE=train ARMS="span span-sent" bash models/ablation.sh    # some arms only (each resumes from its checkpoint)
#
# Arms: span (1/0/0), span-sent (.5/.5/0), span-doc (.5/0/.5), infill-lines (.5/.3/.2, the shipped mix), all with
# the shipped word and line rules and 25-100% documents, the same seed (so every arm sees the same windows in the
# same order) and the same positions. Two arms train at a time, one thread each, at the lowest priority, so the
# machine stays usable; an interrupted arm resumes from its checkpoint (written every CKPT steps) when rerun.
# PAIR names the second-seed arms, two at a time: the closest pair of the first four by final validation loss (chosen
# after seeing them), then, time allowing, the other two.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-/usr/bin/python3}
DATA=${DATA:-data}
OUT=${OUT:-runs/ablation}
STAGE=${STAGE:-all}               # all | tokens | train | seed2 | measure | report
ARMS=${ARMS:-span span-sent span-doc infill-lines}
PAIR=${PAIR:-span-doc infill-lines span span-sent}
SEED2=${SEED2:-2}
HIDDEN=${HIDDEN:-128} LAYERS=${LAYERS:-4} HEADS=${HEADS:-4} SEQ=${SEQ:-256}
BATCH=${BATCH:-16} STEPS=${STEPS:-360} LR=${LR:-2e-3} WARMUP=${WARMUP:-30} CKPT=${CKPT:-25}
EVERY=${EVERY:-4}                 # every N-th training document goes into the token files
PER_CELL=${PER_CELL:-12}          # generation cases per bucket × blank length
NICE=${NICE:-19}

stage() { [[ $STAGE == all || $STAGE == "$1" ]]; }
run() { nice -n "$NICE" "$@"; }

train_arm() {  # arm seed
  local dir="$OUT/$1-s$2" resume=()
  [[ -f $dir/ckpt.pt ]] && resume=(--resume "$dir/ckpt.pt")
  mkdir -p "$dir"
  run $PY -m models.glm.train --data "$OUT/tokens" --out "$dir" --mix "$1" --seed "$2" --hidden "$HIDDEN" \
    --layers "$LAYERS" --heads "$HEADS" --seq-len "$SEQ" --batch-size "$BATCH" --max-steps "$STEPS" --lr "$LR" \
    --warmup "$WARMUP" --threads 1 --log-interval 5 --eval-interval 1000000 --eval-batches 2 \
    --ckpt-interval "$CKPT" "${resume[@]}" >>"$dir/train.out" 2>&1
}

measure_arm() {  # run folder; skipped when measured already or when its training has not finished
  local dir=${1%/}
  [[ -f $dir/ckpt.pt && ! -f $dir/measure.json ]] && grep -q '"done"' "$dir/train.out" || return 0
  run $PY -m models.glm.ablation --tokens "$OUT/tokens" --corpus "$DATA/corpus" --checkpoint "$dir/ckpt.pt" \
    --out "$dir/measure.json" --per-cell "$PER_CELL" --threads 1 >>"$dir/measure.out" 2>&1
}

train_two_at_a_time() {  # seed arm...: each pair is measured (one at a time) while the next pair trains
  local seed=$1; shift
  local arms=("$@") measuring=""
  for ((i = 0; i < ${#arms[@]}; i += 2)); do
    local pair=("${arms[@]:i:2}") pids=()
    for arm in "${pair[@]}"; do train_arm "$arm" "$seed" & pids+=($!); done
    wait "${pids[@]}"
    [[ -n $measuring ]] && wait "$measuring"
    if ((i + 2 >= ${#arms[@]})); then  # nothing trains after the last pair: measure its arms side by side
      for arm in "${pair[@]}"; do measure_arm "$OUT/$arm-s$seed" & done
    else
      (for arm in "${pair[@]}"; do measure_arm "$OUT/$arm-s$seed"; done) &
      measuring=$!
    fi
  done
  wait
}

if stage tokens; then
  [[ -f $OUT/tokens/val.buckets.json ]] || run $PY -m models.glm.ablation_data --corpus "$DATA/corpus" \
    --tokenizer models/default/tokenizer.json --out "$OUT/tokens" --every "$EVERY"
fi
if stage train; then train_two_at_a_time 1 $ARMS; fi
if stage seed2; then train_two_at_a_time "$SEED2" $PAIR; fi
if stage measure; then
  for dir in "$OUT"/*-s*/; do measure_arm "$dir"; done
  # The shipped model, trained before the prefix-LM end fix: the end-of-text [gMASK] cases only.
  [[ -f $OUT/default-measure.json ]] || run $PY -m models.glm.ablation --tokens "$OUT/tokens" --corpus "$DATA/corpus" \
    --checkpoint models/default --out "$OUT/default-measure.json" --parts gmask
fi
if stage report; then
  run $PY -m models.glm.ablation_report --runs "$OUT" --out "$OUT/tables.md" --plot docs/ablation.png \
    --before "$OUT/default-measure.json"
fi
