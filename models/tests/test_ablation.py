import json
import math
import random

import torch

from models.glm import ablation_report
from models.glm.ablation import (
    BUCKETS,
    LENGTHS,
    OBJECTIVES,
    all_mask,
    edit_similarity,
    end_of_text_layout,
    end_probability,
    fit_context,
    greedy,
    split_at_blank,
)
from models.glm.data import collate
from models.glm.layout import Blank, build_layout
from models.glm.model import GLM, GLMConfig


def tiny_model(special, seed=0):
    torch.manual_seed(seed)
    model = GLM(GLMConfig(vocab_size=384, hidden_size=32, num_layers=2, num_heads=2, max_sequence_length=64))
    return model.eval()


def test_edit_similarity_is_one_minus_levenshtein_over_the_longer_text():
    assert edit_similarity("kitten", "sitting") == 1 - 3 / 7
    assert edit_similarity("", "") == 1.0 and edit_similarity("abc", "") == 0.0
    assert edit_similarity("count", "count") == 1.0


def test_all_mask_rewrites_only_the_blanks_of_part_a(special):
    layout = build_layout(
        [[20, 21], [22], [23]], [Blank("sentence", [30, special.smask]), Blank("document", [31])], special
    )
    masked = all_mask(layout, special)
    part_a = masked.input_ids[: layout.sep]
    assert special.smask not in part_a and special.gmask not in part_a and part_a.count(special.mask) == 2
    assert masked.input_ids[layout.sep :] == layout.input_ids[layout.sep :]  # Part B is left as it was
    assert masked.targets == layout.targets and masked.position_ids == layout.position_ids


def test_fit_context_keeps_the_tokens_next_to_the_blank():
    before, after = list(range(100)), list(range(100, 200))
    kept_before, kept_after = fit_context(before, after, 40)
    assert kept_before == before[-30:] and kept_after == after[:10]
    assert fit_context([1, 2], list(range(50)), 40) == ([1, 2], list(range(38)))


def test_one_space_before_the_blank_belongs_to_it():
    case = {"text": "x = foo(bar)", "blanks": [{"start": 4, "end": 7, "original": "foo"}]}
    assert split_at_blank(case) == ("x =", " foo", "(bar)")
    case = {"text": "x =  foo", "blanks": [{"start": 5, "end": 8, "original": "foo"}]}
    assert split_at_blank(case) == ("x =  ", "foo", "")


def test_cached_greedy_equals_argmax_of_full_recomputation(special):
    model = tiny_model(special)
    layout = end_of_text_layout([20, 21, 22, 23, 24], special)
    fill, stop = greedy(model, layout, special, 6)
    # Recompute every step from scratch: the layout with the fill so far as the blank's Part B.
    expected = []
    for _ in range(len(fill) + (stop == "end")):
        full = build_layout([[20, 21, 22, 23, 24], []], [Blank("document", expected)], special, add_eos=False)
        batch = collate([full], special.pad)
        logits, _ = model(batch["input_ids"], batch["position_ids"], batch["attention_mask"])
        token = int(logits[0, len(full) - 1].argmax())  # after the last input: sop or the fill's last token
        if token in (special.eop, special.eos):
            break
        expected.append(token)
    assert fill == expected and stop == ("limit" if len(fill) == 6 else "end")


class ScriptedModel:
    """Next-token logits that follow a script; the cache is only counted (greedy reads its length)."""

    def __init__(self, script, vocab=384):
        self.script, self.vocab, self.calls = list(script), vocab, []

    def __call__(self, ids, positions, mask, past=None):
        self.calls.append((ids.tolist(), positions.tolist(), tuple(mask.shape)))
        logits = torch.zeros(1, ids.shape[1], self.vocab)
        logits[0, -1, self.script.pop(0)] = 1.0
        length = ids.shape[1] + (0 if past is None else past[0][0].shape[2])
        return logits, [(torch.zeros(1, 1, length, 1), None)]


def test_greedy_stops_on_eop_or_eos_and_feeds_block_positions(special):
    for end in (special.eop, special.eos):
        model = ScriptedModel([25, 26, end, 27])
        layout = end_of_text_layout([20, 21, 22], special)  # [CLS] 20 21 22 [gMASK] sop
        assert greedy(model, layout, special, 8) == ([25, 26], "end")
        assert [c[1] for c in model.calls[1:]] == [[[[4], [2]]], [[[4], [3]]]]  # mask position, block 2, 3
        assert [c[2] for c in model.calls] == [(1, 1, 6, 6), (1, 1, 1, 7), (1, 1, 1, 8)]
    assert greedy(ScriptedModel([25, 26, 27]), layout, special, 2) == ([25, 26], "limit")


def test_end_probability_is_read_right_after_the_true_rest(special):
    model = ScriptedModel([special.eos])
    at_end, inside = end_probability(model, [20, 21], [22, 23], special)
    assert model.calls[0][0] == [[special.cls, 20, 21, special.gmask, special.sop, 22, 23]]
    assert abs(at_end - (math.e + 1) / (math.e + 383)) < 1e-6  # eos has the only raised logit; eop counts too
    assert abs(inside - 2 / 384) < 1e-6  # flat logits at sop and 22


def fake_measure(arm, seed, shift):
    rng = random.Random(f"{arm}{seed}")
    loss = {
        b: {o: {"native": 3 + shift + rng.random() / 100, "all_mask": 3.5 + shift, "tokens": 10} for o in OBJECTIVES}
        for b in BUCKETS
    }
    gen = {
        b: {
            l: {
                "native": {
                    "n": 2,
                    "exact": 0.5,
                    "similarity": 0.4,
                    "similarity_se": 0.1,
                    "perplexity": 9.0,
                    "stopped": 1.0,
                }
            }
            for l in LENGTHS
        }
        for b in BUCKETS
    }
    gmask = {
        b: {"n": 2, "stopped": 0.5, "length_ratio": 1.0, "p_end": 0.5, "p_end_inside": 0.1} for b in (*BUCKETS, "all")
    }
    return {
        "loss": loss,
        "generation": gen,
        "gmask_end": gmask,
        "step": 10,
        "tokens": 1e6,
        "train_wall_seconds": 60,
        "train_cpu_seconds": 50,
        "measure_seconds": 30,
    }


def test_report_marks_only_differences_beyond_twice_the_seed_spread(tmp_path):
    for arm, shift in (("span", 0.0), ("span-sent", -0.5), ("span-doc", 0.001), ("infill-lines", -0.2)):
        for seed in (1, 2) if arm in ("span-doc", "infill-lines") else (1,):
            (tmp_path / f"{arm}-s{seed}").mkdir()
            (tmp_path / f"{arm}-s{seed}" / "measure.json").write_text(json.dumps(fake_measure(arm, seed, shift)))
    runs = ablation_report.load_runs(str(tmp_path))
    table = ablation_report.loss_table(runs, "native")
    row = next(line for line in table if line.startswith("| prose | sentence |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    span_sent, span_doc = cells[-3], cells[-2]
    assert span_sent.startswith("-0.5") and span_sent.endswith("*")  # far beyond the seeds' 0.01 spread
    assert not span_doc.endswith("*")  # within the noise
    assert len(ablation_report.gmask_table(runs, None)) == 2 + 6  # header, rule, six runs
    ablation_report.plot(runs, str(tmp_path / "plot.png"))
    assert (tmp_path / "plot.png").stat().st_size > 1000
