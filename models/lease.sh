#!/usr/bin/env bash
# The next GPU lease in one command (issue 21): token files → pretraining → int8 export → development eval.
#
#   STAGE=pack bash models/lease.sh        # here, before the lease: tokens (when missing) → parts of ≤ 60 MiB
#   PY=python3 bash models/lease.sh        # on the GPU machine: parts → tokens → train → export → dev eval
#
# Transfers: the token files travel as $PARTS/part-NNN + manifest.json (models.glm.pack: xz, SHA-256 per part and per
# file), one part per transfer when they do not fit one 64 MiB transfer together; the run checks them all and names
# any that is missing or damaged before it unpacks. Running the command again after the lease ended mid-run
# continues: token files already unpacked are kept, training resumes from $RUN/ckpt.pt (written every CKPT steps)
# and its wall-time cosine goes on where it stopped, a finished training is not repeated. Each training log line
# carries tokens/s, model TFLOPS (6 × parameters a token) and, on a GPU whose bf16 peak is known (H200: 989
# TFLOPS) or given as PEAK_TFLOPS, the model FLOPs utilisation (MFU); the final summary has the part's average.
# The checkpoint comes back in parts too: python3 -m models.glm.pack pack --src $RUN --out $OUT/run-parts.
#
# The recipe (every setting an environment variable): hidden 768, 12 layers (92 M parameters), context 512, 256
# samples a step, peak LR 1e-3, warmup 300, cosine over MINUTES of wall time, batches built ahead by WORKERS
# processes, bf16 autocast, fused attention where torch has it (torch >= 2.0). The size follows from the last lease's
# batch rate and Chinchilla's fit (MODEL_CARD.md, "The lease command"; the CPU sweep could not choose it); its MFU on
# an H200 is not measured yet.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-/usr/bin/python3}
DATA=${DATA:-data}
TOKENS=${TOKENS:-$DATA/tokens}       # token files (train/val .bin/.idx, tokenizer.json)
PARTS=${PARTS:-$DATA/lease-parts}    # the same, packed for transfer
RUN=${RUN:-runs/lease}
MODEL=${MODEL:-$RUN/model}           # the exported int8 model folder (models/default only after it beats it)
CASES=${CASES:-data/user/dev/cases.jsonl}  # the development split (data/user, not rebuilt by this script)
STAGE=${STAGE:-all}                  # all | tokens | pack | unpack | train | export | eval
VOCAB=${VOCAB:-8192} PREPARE=${PREPARE:-}   # more models.glm.prepare options (e.g. --isolate-brackets)
HIDDEN=${HIDDEN:-768} LAYERS=${LAYERS:-12} HEADS=${HEADS:-12} SEQ=${SEQ:-512} MIX=${MIX:-infill-lines}
BATCH=${BATCH:-256} GRAD_ACCUM=${GRAD_ACCUM:-1} LR=${LR:-1e-3} WARMUP=${WARMUP:-300} STEPS=${STEPS:-1000000}
MINUTES=${MINUTES:-10}               # the cosine's wall time (0: by STEPS); leaves a 15-minute lease room to export
WORKERS=${WORKERS:-14} THREADS=${THREADS:-2} CKPT=${CKPT:-200} EVAL_BATCHES=${EVAL_BATCHES:-4}
PEAK_TFLOPS=${PEAK_TFLOPS:-0}        # 0: by device name (models.glm.train.PEAK_TFLOPS)
PART_MIB=${PART_MIB:-60}
EVAL=${EVAL:-1}                      # 0: skip the node evaluation (a machine without the TypeScript build)
EVAL_ARGS=${EVAL_ARGS:-}             # more dist/eval.js options (e.g. --limit 1: one case per bucket and kind)
EXTRA=${EXTRA:-}                     # more models.glm.train options, word-split

stage() { [[ $STAGE == all || $STAGE == "$1" ]]; }
have_tokens() { [[ -f $TOKENS/tokenizer.json && -f $TOKENS/train.bin && -f $TOKENS/val.bin ]]; }

if [[ $STAGE == tokens || $STAGE == pack ]] || { stage tokens && ! have_tokens && [[ ! -f $PARTS/manifest.json ]]; }; then
  have_tokens || $PY -m models.glm.prepare --corpus "$DATA/corpus" --out "$TOKENS" --vocab-size "$VOCAB" $PREPARE
fi
if [[ $STAGE == pack ]]; then
  $PY -m models.glm.pack pack --src "$TOKENS" --out "$PARTS" --part-mib "$PART_MIB"
  echo "carry $PARTS (manifest.json and every part-NNN) to the GPU machine, then: PY=python3 bash models/lease.sh"
fi
if [[ $STAGE == unpack ]] || { stage unpack && ! have_tokens; }; then
  $PY -m models.glm.pack unpack --parts "$PARTS" --out "$TOKENS"
fi
if stage train; then
  mkdir -p "$RUN"
  SCHEDULE_START=0  # a wall-time part resumed mid-run keeps its start (models.glm.train.continued_schedule)
  [[ $MINUTES != 0 ]] && SCHEDULE_START=-1
  if grep -qs '"done"' "$RUN/train.out"; then
    echo "$RUN: training finished earlier (delete $RUN/train.out to train again)"
  else
    $PY -m models.glm.train --data "$TOKENS" --out "$RUN" --resume auto --hidden "$HIDDEN" --layers "$LAYERS" \
      --heads "$HEADS" --seq-len "$SEQ" --batch-size "$BATCH" --grad-accum "$GRAD_ACCUM" --max-steps "$STEPS" \
      --lr "$LR" --warmup "$WARMUP" --schedule-start "$SCHEDULE_START" --schedule-minutes "$MINUTES" --mix "$MIX" \
      --workers "$WORKERS" --threads "$THREADS" --ckpt-interval "$CKPT" --eval-interval 1000000 \
      --eval-batches "$EVAL_BATCHES" --log-interval 50 --peak-tflops "$PEAK_TFLOPS" $EXTRA 2>&1 | tee -a "$RUN/train.out"
  fi
fi
if stage export; then
  $PY -m models.glm.ship --run "$RUN" --tokens "$TOKENS" --corpus "$DATA/corpus" --out "$MODEL" --name glm-infill-lease
fi
if stage eval && [[ $EVAL == 1 ]]; then
  [[ -f dist/eval.js ]] || npm run build --silent
  node dist/eval.js --cases "$CASES" --model "$MODEL" --json "$RUN/dev.json" $EVAL_ARGS | tee "$RUN/dev.md"
fi
