import random
import statistics

import pytest

from models.glm.objectives import (
    GLM10B_MIX,
    INFILL_LINES_MIX,
    INFILL_MIX,
    MIXES,
    PAPER_MIX,
    ObjectiveMix,
    ObjectiveSampler,
    document_objective,
    line_break_table,
    sentence_end_table,
    token_objective,
    word_edge_table,
)

N = 500
SAMPLES = 400


def sample_tokens(special, rng, n=N):
    return [special.cls] + [rng.randrange(20, 300) for _ in range(n - 2)] + [special.eos]


def spans_of(layout, special):
    """(position, length) of each Part B span, read back from the layout."""
    spans, i, ids = [], layout.sep, layout.input_ids
    while i < len(ids):
        assert ids[i] == special.sop
        j = i + 1
        while j < len(ids) and ids[j] != special.sop:
            j += 1
        spans.append((layout.position_ids[0][i], j - i - 1))
        i = j
    return spans


def test_token_objective_ratio_and_span_lengths(special):
    rng = random.Random(0)
    ratios, lengths, shuffled = [], [], 0
    for _ in range(SAMPLES):
        layout = token_objective(sample_tokens(special, rng), special, rng)
        spans = spans_of(layout, special)
        ratios.append(sum(l for _, l in spans) / N)
        lengths += [l for _, l in spans]
        positions = [p for p, _ in spans]
        shuffled += positions != sorted(positions)
        assert layout.input_ids.count(special.mask) == len(spans)
    # Spans are drawn until they cover 15%, so the ratio lands at 15% plus at most one span (≈ 0.6%).
    assert 0.15 <= statistics.mean(ratios) <= 0.165
    assert max(ratios) < 0.15 + 40 / N
    # Poisson(3) truncated to 1..39 has mean 3 / (1 - e^-3) = 3.157.
    assert abs(statistics.mean(lengths) - 3.157) < 0.1
    assert shuffled > 0.9 * SAMPLES  # Part B order is shuffled


def test_token_objective_never_masks_cls_or_eos(special):
    rng = random.Random(1)
    for _ in range(100):
        layout = token_objective(sample_tokens(special, rng, 40), special, rng)
        assert layout.input_ids[0] == special.cls
        assert special.cls not in layout.input_ids[layout.sep :] and special.eos not in layout.targets


def test_sentence_objective_masks_whole_sentences(special, tiny_tokenizer):
    rng = random.Random(2)
    ends = {tiny_tokenizer.encode_plain(".")[0]}
    sampler = ObjectiveSampler(special, GLM10B_MIX, ends.__contains__)
    ratios = []
    for _ in range(SAMPLES):
        words = []
        while len(words) < N - 2:
            words += [rng.randrange(20, 300) for _ in range(rng.randint(3, 15))] + [next(iter(ends))]
        tokens = [special.cls] + words[: N - 2] + [special.eos]
        layout = sampler.build("sentence", tokens, rng)
        for position, _ in spans_of(layout, special):
            # a sentence blank starts right after a sentence end (or [CLS], or another sentence blank)
            assert layout.input_ids[position] == special.smask
            assert layout.input_ids[position - 1] in ends | {special.cls, special.smask}
        # every span ends at a sentence end (or the end of the text)
        part_b, spans = layout.input_ids[layout.sep :], []
        for tok in part_b:
            if tok == special.sop:
                spans.append([])
            else:
                spans[-1].append(tok)
        for s in spans:
            assert s[-1] in ends or s == tokens[-1 - len(s) : -1]
        ratios.append(sum(len(s) for s in spans) / N)
    assert 0.15 <= statistics.mean(ratios) <= 0.25


def test_document_objective_span_is_half_to_all(special):
    rng = random.Random(3)
    ratios, prefix = [], 0
    for _ in range(SAMPLES):
        tokens = sample_tokens(special, rng)
        layout = document_objective(tokens, special, rng, PAPER_MIX)
        assert layout.input_ids.count(special.gmask) == 1
        # Part B is sop + span (block: + eop target) or sop + span without its last input (prefix LM: the
        # span's last target is the sample's eos): one position more than the span either way.
        ratios.append((len(layout) - layout.sep - 1) / (N - 2))
        prefix += layout.targets[-1] == special.eos
    assert min(ratios) >= 0.5 and max(ratios) <= 1.0
    assert abs(statistics.mean(ratios) - 0.75) < 0.03
    assert 0.4 < prefix / SAMPLES < 0.6  # prefix-LM variant half of the time


def document_layouts(tokens, special, prefix_lm):
    mix = ObjectiveMix(token=0.0, prefix_lm_prob=1.0 if prefix_lm else 0.0)
    return [document_objective(tokens, special, random.Random(seed), mix) for seed in range(50)]


@pytest.mark.parametrize("prefix_lm", [False, True])
def test_document_sample_part_b_ends_with_the_end_token(special, prefix_lm):
    """A whole document's Part B ends with the end token in both variants, as in THUDM's blocklm_utils: eop after
    a block, the document's eos after a prefix-LM span (so an end-of-text [gMASK] learns to stop)."""
    tokens = sample_tokens(special, random.Random(6), 60)
    for layout in document_layouts(tokens, special, prefix_lm):
        gmask = layout.input_ids.index(special.gmask)
        assert layout.targets[-1] == (special.eos if prefix_lm else special.eop)
        assert layout.input_ids[-1] != special.eos  # the end token is a target, never an input
        if prefix_lm:
            assert gmask == layout.sep - 1  # [gMASK] closes Part A: the text after it is all in Part B
            fill = layout.targets[layout.sep :]
            assert [special.cls] + layout.input_ids[1:gmask] + fill == tokens


def test_prefix_lm_window_cut_mid_document_has_no_end_target(special):
    tokens = sample_tokens(special, random.Random(7), 60)[:-1]  # a window that stops before the document's end
    for layout in document_layouts(tokens, special, True):
        assert layout.targets[-1] == tokens[-1]
        assert special.eos not in layout.targets and special.eop not in layout.targets


@pytest.mark.parametrize(
    "mix,expected",
    [
        (PAPER_MIX, (0.5, 0.0, 0.5)),
        (GLM10B_MIX, (0.5, 0.3, 0.2)),
        (MIXES["span"], (1.0, 0.0, 0.0)),
        (MIXES["span-sent"], (0.5, 0.5, 0.0)),
        (MIXES["span-doc"], (0.5, 0.0, 0.5)),
    ],
)
def test_mix_proportions(mix, expected):
    rng = random.Random(4)
    draws = [mix.choose(rng) for _ in range(20000)]
    for name, p in zip(("token", "sentence", "document"), expected):
        assert abs(draws.count(name) / len(draws) - p) < 0.015


def test_loss_mask_is_part_b_only(special):
    rng = random.Random(5)
    layout = token_objective(sample_tokens(special, rng), special, rng)
    assert all(m == 0 for m in layout.loss_mask[: layout.sep]) and all(layout.loss_mask[layout.sep :])
    assert layout.targets[layout.sep :].count(special.eop) == layout.input_ids.count(special.mask)


CODE_AND_PROSE = (
    "def parse_config(path):\n    with open(path) as handle:\n        return json.load(handle)\n\n"
    "The quick brown fox jumps over the lazy dog. _SIGSEGV handlers run on the signal stack; "
    "readConfigFile(settingsPath) returns undefined when the file is missing.\n"
) * 6


def test_infill_mix_spans_keep_words_whole(special, tiny_tokenizer):
    tokens = [special.cls] + tiny_tokenizer.encode(CODE_AND_PROSE)[:300] + [special.eos]
    decoded = {i: tiny_tokenizer.decode([i]) for i in range(len(tiny_tokenizer.symbols))}
    edges = word_edge_table(decoded)
    sampler = ObjectiveSampler(special, INFILL_MIX, lambda t: False, edges)
    assert any(edges.splits_word(tokens, i) for i in range(len(tokens)))  # the text has words of several tokens
    rng = random.Random(5)
    ratios = []
    for objective in ["token"] * 150 + ["document"] * 50:
        layout = sampler.build(objective, tokens, rng)
        part_a = layout.input_ids[: layout.sep]
        text_a = tiny_tokenizer.decode(
            [t for t in part_a if t not in (special.mask, special.gmask, special.cls, special.eos)]
        )
        fills = tiny_tokenizer.decode([t for t in layout.input_ids[layout.sep :] if t != special.sop])
        if objective == "token":
            ratios.append(
                (len(layout.input_ids) - layout.sep - layout.input_ids[layout.sep :].count(special.sop)) / len(tokens)
            )
        # At each mask, neither edge of its span joins two word characters.
        for i, t in enumerate(part_a):
            fill_ids = spans_by_position(layout, special).get(i)
            if t in (special.mask, special.gmask) and fill_ids:
                left, right = part_a[i - 1], part_a[i + 1] if i + 1 < len(part_a) else special.eos
                assert not (left in edges.ends_word and fill_ids[0] in edges.starts_word), (text_a, fills)
                assert not (fill_ids[-1] in edges.ends_word and right in edges.starts_word), (text_a, fills)
    # Widening adds the rest of cut words; spans are then dropped down to the 15% target again.
    assert 0.15 <= statistics.mean(ratios) <= 0.18


def spans_by_position(layout, special):
    """Part A index of each mask → its span's token ids."""
    out, i, ids = {}, layout.sep, layout.input_ids
    while i < len(ids):
        j = i + 1
        while j < len(ids) and ids[j] != special.sop:
            j += 1
        out[layout.position_ids[0][i]] = ids[i + 1 : j]
        i = j
    return out


def test_line_sentences_are_whole_lines_of_code_and_whole_prose_sentences(special, tiny_tokenizer):
    tokens = [special.cls] + tiny_tokenizer.encode(CODE_AND_PROSE) + [special.eos]
    decoded = {i: tiny_tokenizer.decode([i]) for i in range(len(tiny_tokenizer.symbols))}
    lines = line_break_table(decoded)
    expected = {
        "def parse_config(path):",
        "with open(path) as handle:",
        "return json.load(handle)",
        "The quick brown fox jumps over the lazy dog.",
        "_SIGSEGV handlers run on the signal stack; readConfigFile(settingsPath) returns undefined when the "
        "file is missing.",
    }
    faithful = ObjectiveSampler(special, GLM10B_MIX, sentence_end_table(decoded))
    sampler = ObjectiveSampler(special, INFILL_LINES_MIX, sentence_end_table(decoded), word_edge_table(decoded), lines)
    rng = random.Random(7)
    seen, faithful_fills = set(), set()
    for _ in range(100):
        layout = sampler.build("sentence", tokens, rng)
        for fill in spans_by_position(layout, special).values():
            text = tiny_tokenizer.decode(fill)
            assert text.strip() in expected and not text.startswith(("\n", "\t")), text  # no indentation, no break
            seen.add(text.strip())
        faithful_fills |= {
            tiny_tokenizer.decode(f).strip()
            for f in spans_by_position(faithful.build("sentence", tokens, rng), special).values()
        }
    assert seen == expected
    # The faithful rule cuts "json.load(handle)" after "json." and "open(path)" lines at their newline only.
    assert "return json." in faithful_fills and "return json.load(handle)" not in faithful_fills
