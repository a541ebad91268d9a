#!/usr/bin/env bash
# The scaling sweep (issue 21): small models trained on CPU at equal tokens (and one size at other token counts),
# then a fit of development-set loss against parameters and tokens, and the size that fit predicts best for a
# 20-minute H200 run (models/glm/scaling.py).
#
#   bash models/scaling.sh                           # tokens → every run in RUNS (sequentially) → fit
#   STAGE=fit OUT=runs/lease/scaling bash models/scaling.sh   # the table and fit from the runs that have finished
#
# A run is HIDDENxLAYERS@MILLION_TOKENS (heads = hidden / 64, context SEQ, BATCH samples a step, the steps that many
# tokens take). Every run has the same data order (seed 1), peak LR, warmup and cosine to 10 %; an interrupted run
# resumes from its checkpoint, a finished one is skipped. One thread, at NICE priority: the machine stays usable.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-/usr/bin/python3}
DATA=${DATA:-data}
OUT=${OUT:-runs/scaling}
STAGE=${STAGE:-all}               # all | tokens | train | fit
RUNS=${RUNS:-64x1@0.75 96x2@0.75 128x2@0.75 192x3@0.75 256x4@0.75 64x1@1.5 96x2@1.5 128x2@1.5}
SEQ=${SEQ:-256} BATCH=${BATCH:-16} LR=${LR:-2e-3} WARMUP=${WARMUP:-30} CKPT=${CKPT:-25} MIX=${MIX:-infill-lines}
EVAL_BATCHES=${EVAL_BATCHES:-12}  # validation batches per objective, the same windows for every run
EVERY=${EVERY:-8}                 # every N-th training document goes into the token files
NICE=${NICE:-10}
MINUTES=${MINUTES:-20} PEAK_TFLOPS=${PEAK_TFLOPS:-989}   # the prediction: a run of MINUTES on a GPU of this bf16 peak
LEASE_SEQ=${LEASE_SEQ:-512}       # and that run's context
CHECK=${CHECK:-384x6@789.6e6=2.66}  # a model trained elsewhere to predict: the shipped one (MODEL_CARD.md, Training)
BENCH=${BENCH:-}                  # `node dist/bench.js -m models/default` output (ms/token), for decode speeds

stage() { [[ $STAGE == all || $STAGE == "$1" ]]; }

train_run() {  # HIDDENxLAYERS@MTOKENS
  local shape=${1%@*} mtokens=${1#*@}
  local hidden=${shape%x*} layers=${shape#*x} dir="$OUT/d${shape%x*}-L${shape#*x}-${1#*@}M" resume=()
  local steps
  steps=$($PY -c "print(max(1, round($mtokens * 1e6 / ($BATCH * $SEQ))))")
  grep -qs '"done"' "$dir/train.out" && return 0
  [[ -f $dir/ckpt.pt ]] && resume=(--resume "$dir/ckpt.pt")
  mkdir -p "$dir"
  nice -n "$NICE" $PY -m models.glm.train --data "$OUT/tokens" --out "$dir" --mix "$MIX" --seed 1 --hidden "$hidden" \
    --layers "$layers" --heads $((hidden / 64 > 0 ? hidden / 64 : 1)) --seq-len "$SEQ" --batch-size "$BATCH" \
    --max-steps "$steps" --lr "$LR" --warmup "$WARMUP" --threads 1 --log-interval 10 --eval-interval 1000000 \
    --eval-batches "$EVAL_BATCHES" --ckpt-interval "$CKPT" "${resume[@]}" >>"$dir/train.out" 2>&1
}

if stage tokens; then
  [[ -f $OUT/tokens/val.buckets.json ]] || nice -n "$NICE" $PY -m models.glm.ablation_data --corpus "$DATA/corpus" \
    --tokenizer models/default/tokenizer.json --out "$OUT/tokens" --every "$EVERY"
fi
if stage train; then
  for spec in $RUNS; do train_run "$spec"; done
fi
if stage fit; then
  $PY -m models.glm.scaling --runs "$OUT" --out "$OUT/fit.md" --json "$OUT/fit.json" --minutes "$MINUTES" \
    --peak-tflops "$PEAK_TFLOPS" --seq-len "$LEASE_SEQ" ${BENCH:+--bench "$BENCH"} ${CHECK:+--check "$CHECK"}
fi
