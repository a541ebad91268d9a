"""Exports a training run as the shipped model folder, with its provenance and the data-sources notice.

    /usr/bin/python3 -m models.glm.ship --run runs/default --tokens data/tokens --corpus data/corpus --out models/default [--fp32]

int8 by default (the measured choice, see models/default/MODEL_CARD.md); --fp32 keeps full-precision weights.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil

from ..corpus.fetch import file_sha256
from .checkpoint import load_model
from .export import write_model_folder
from .tokenizer import BPETokenizer


def provenance(run: dict, tokens_dir: str, corpus_dir: str) -> dict:
    args = run.get("args", {})
    prov = {
        "trainedBy": "models/train-default.sh (this repository)",
        "data": "models/default/DATA_SOURCES.md; rebuilt by python3 -m models.corpus.build",
        "objectiveMix": args.get("mix"),
        "steps": run.get("step"),
        "trainingTokens": run.get("tokens"),
        "trainingCpuHours": round(run.get("cpu_seconds", 0) / 3600, 2),
        "trainingWallHours": round(run.get("wall_seconds", 0) / 3600, 2),
        "validationLoss": run.get("val_loss"),
        "sequenceLength": args.get("seq_len"),
        "batchSize": args.get("batch_size"),
        "learningRate": args.get("lr"),
    }
    if run.get("parts"):
        prov["parts"] = run["parts"]
    manifest = os.path.join(corpus_dir, "manifest.json")
    if os.path.exists(manifest):
        prov["corpusManifestSha256"] = file_sha256(manifest)
    return prov


TOKENIZATION_CHECK_TEXTS = [
    "def add(a, b):\r\n\treturn a + b  # sum\r\n",
    "const x = `template ${y}`; // comment\n",
    'fn main() { println!("{:?}", (0..10).collect::<Vec<i32>>()); }',
    "## Heading\n\n- item one\n- item *two* with [a link](https://example.com)\n",
    "Emoji 😀👍🏽, CJK 中文字符, accents café naïve, math ∑∫√, NBSP\u00a0here.",
    "   leading and trailing whitespace   \n\n\n",
    "It's we're they've I'm you'll he'd 3.14159 1,000,000",
]


def tokenization_check(tokenizer: BPETokenizer, heldout: str, count: int = 24) -> list:
    """Texts with the Python encoder's ids: the TypeScript tests assert the extension's tokenizer agrees, so
    training and inference tokenize identically (held-out documents plus edge cases)."""
    texts = list(TOKENIZATION_CHECK_TEXTS)
    if os.path.exists(heldout):
        with open(heldout, encoding="utf-8") as f:
            for i, line in enumerate(f):
                if i % 60 == 0:
                    texts.append(json.loads(line)["text"][:3000])
                if len(texts) >= count:
                    break
    return [{"text": t, "ids": tokenizer.encode_plain(t)} for t in texts]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", default="runs/default")
    ap.add_argument("--tokens", default="data/tokens")
    ap.add_argument("--corpus", default="data/corpus")
    ap.add_argument("--out", default="models/default")
    ap.add_argument("--name", default="glm-infill-default")
    ap.add_argument("--fp32", action="store_true")
    ap.add_argument("--note", help="free text kept in the provenance (e.g. settings of parts the checkpoint lacks)")
    args = ap.parse_args()
    model, run = load_model(os.path.join(args.run, "ckpt.pt"))
    tokenizer = BPETokenizer.load(os.path.join(args.tokens, "tokenizer.json"))
    prov = provenance(run, args.tokens, args.corpus)
    if args.note:
        prov["note"] = args.note
    data = write_model_folder(model, tokenizer, args.out, args.name, int8=not args.fp32, provenance=prov)
    with open(os.path.join(args.out, "tokenization-check.json"), "w", encoding="utf-8") as f:
        json.dump(tokenization_check(tokenizer, os.path.join(args.corpus, "heldout.jsonl")), f, ensure_ascii=False)
    notice = os.path.join(args.corpus, "DATA_SOURCES.md")
    if os.path.exists(notice):
        shutil.copyfile(notice, os.path.join(args.out, "DATA_SOURCES.md"))
    size = os.path.getsize(os.path.join(args.out, "model.onnx"))
    print(
        f"{args.out}: {data['weights']} model.onnx {size / 1e6:.2f} MB, {model.num_parameters() / 1e6:.2f} M parameters, "
        f"step {run.get('step')}, {run.get('tokens', 0) / 1e6:.1f} M training tokens"
    )
    print(json.dumps(data["provenance"], indent=1))


if __name__ == "__main__":
    main()
