import random

import torch

from models.glm.data import collate
from models.glm.layout import Blank, build_layout
from models.glm.model import GLM, GLMConfig, blank_infilling_loss
from models.glm.objectives import token_objective

CONFIG = GLMConfig(vocab_size=384, hidden_size=64, num_layers=2, num_heads=4, max_sequence_length=128, dropout=0.0)


def model():
    torch.manual_seed(0)
    return GLM(CONFIG).eval()


def test_thudm_parameter_names_and_tied_output():
    names = set(model().state_dict())
    assert "word_embeddings.weight" in names
    assert "transformer.layers.1.attention.query_key_value.weight" in names
    assert "transformer.layers.0.mlp.dense_4h_to_h.bias" in names
    assert "transformer.block_position_embeddings.weight" in names
    assert len(names) == 3 + 12 * CONFIG.num_layers + 2  # docs/glm.md §10.1: no lm_head key
    assert model().state_dict()["transformer.position_embeddings.weight"].shape == (129, 64)


def test_cached_decode_equals_full_recompute(special):
    m = model()
    layout = build_layout([[20, 21, 22], [23, 24], []], [Blank("span", [30, 31, 32]), Blank("span", [33, 34])], special)
    ids = torch.tensor([layout.input_ids])
    pos = torch.tensor([layout.position_ids])
    full_mask = torch.from_numpy(layout.attention_mask())[None, None]
    with torch.no_grad():
        full, _ = m(ids, pos, full_mask)
        sep = layout.sep
        _, past = m(ids[:, :sep], pos[:, :, :sep], full_mask[:, :, :sep, :sep])
        for t in range(sep, len(layout)):
            step, past = m(ids[:, t : t + 1], pos[:, :, t : t + 1], full_mask[:, :, t : t + 1, : t + 1], past)
            assert torch.allclose(step[0, 0], full[0, t], atol=1e-5), t


def test_part_a_is_bidirectional_and_part_b_invisible_to_it(special):
    m = model()
    layout = build_layout([[20, 21], [22]], [Blank("span", [30, 31])], special)
    ids = torch.tensor([layout.input_ids])
    pos = torch.tensor([layout.position_ids])
    mask = torch.from_numpy(layout.attention_mask())[None, None]
    with torch.no_grad():
        base, _ = m(ids, pos, mask)
        changed_b = ids.clone()
        changed_b[0, -1] = 40
        after_b, _ = m(changed_b, pos, mask)
        changed_a = ids.clone()
        changed_a[0, layout.sep - 1] = 41
        after_a, _ = m(changed_a, pos, mask)
    assert torch.allclose(base[0, : layout.sep], after_b[0, : layout.sep])  # Part A never sees Part B
    assert not torch.allclose(base[0, 0], after_a[0, 0])  # the first token sees the last Part A token


def test_loss_depends_on_part_b_targets_only(special):
    m = model()
    rng = random.Random(0)
    tokens = [special.cls] + [rng.randrange(20, 300) for _ in range(60)] + [special.eos]
    batch = collate([token_objective(tokens, special, rng)], special.pad)
    loss, _ = blank_infilling_loss(m, batch)
    changed = dict(batch)
    part_a = batch["loss_mask"] == 0
    changed["targets"] = torch.where(part_a, torch.randint_like(batch["targets"], 0, 300), batch["targets"])
    assert torch.equal(loss, blank_infilling_loss(m, changed)[0])
    changed_b = dict(batch)
    changed_b["targets"] = torch.where(part_a, batch["targets"], (batch["targets"] + 1) % 300)
    assert not torch.equal(loss, blank_infilling_loss(m, changed_b)[0])


def test_padding_in_a_batch_changes_nothing(special):
    m = model()
    a = build_layout([[20, 21, 22, 23]], [], special)
    b = build_layout([[20], [21]], [Blank("span", [30])], special)
    alone = blank_infilling_loss(m, collate([b], special.pad))[1]
    batched = blank_infilling_loss(m, collate([a, b], special.pad))[1]
    assert torch.allclose(alone[0], batched[1], atol=1e-5)


def test_gelu_variants_differ_slightly():
    x = torch.linspace(-5, 5, 1001)
    from models.glm.model import gelu

    assert (gelu(x, "tanh") - gelu(x, "erf")).abs().max() < 5e-4
