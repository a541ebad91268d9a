import json
import os

import numpy as np

from models.glm.layout import Blank, build_layout, layout_from_spans
from models.glm.fixtures import layout_cases


def test_figure_2_exact(special):
    x = [11, 12, 13, 14, 15, 16]
    layout = layout_from_spans(x, [(2, 3), (4, 6)], ["span", "span"], special, part_b_order=[1, 0])
    M, S, E = special.mask, special.sop, special.eop
    assert layout.input_ids == [11, 12, M, 14, M, S, 15, 16, S, 13]
    assert layout.targets == [-1] * 5 + [15, 16, E, 13, E]
    assert layout.position_ids == [[0, 1, 2, 3, 4, 4, 4, 4, 2, 2], [0, 0, 0, 0, 0, 1, 2, 3, 1, 2]]
    assert layout.sep == 5
    assert layout.loss_mask == [0] * 5 + [1] * 5


def test_attention_mask_part_a_bidirectional_part_b_causal(special):
    layout = build_layout([[20, 21], [22]], [Blank("span", [30, 31])], special)
    m = layout.attention_mask()
    sep = layout.sep
    assert (m[:sep, :sep] == 1).all() and (m[:sep, sep:] == 0).all()
    assert (m[sep:, :sep] == 1).all()
    assert (m[sep:, sep:] == np.tril(np.ones((len(layout) - sep,) * 2))).all()


def test_mask_kinds_and_eos_rules(special):
    layout = build_layout([[20], [21], []], [Blank("sentence", [5]), Blank("document", [6])], special, add_eos=False)
    assert layout.input_ids[:5] == [special.cls, 20, special.smask, 21, special.gmask]
    assert layout.sep == 5  # no eos after a trailing document blank


def test_prefix_lm_variant_drops_final_eop(special):
    layout = layout_from_spans([special.cls, 20, 21, 22, 23], [(2, 5)], ["document"], special, [0], eop_target=False)
    assert layout.input_ids == [special.cls, 20, special.gmask, special.sop, 21, 22]
    assert layout.targets == [-1, -1, -1, 21, 22, 23]
    assert layout.position_ids == [[0, 1, 2, 2, 2, 2], [0, 0, 0, 1, 2, 3]]


def test_committed_layout_fixtures_are_current(root, tiny_tokenizer):
    with open(os.path.join(root, "test", "fixtures", "layouts.json")) as f:
        committed = json.load(f)
    assert committed == json.loads(json.dumps(layout_cases(tiny_tokenizer)))
