import torch

from models.glm.eager_vs_onnx import decode_ms_per_token, part_a, part_b, prefill
from models.glm.layout import attention_mask
from models.glm.random_model import SHAPES, random_model


def test_bench_tokens(tiny_tokenizer):
    special = tiny_tokenizer.special()
    a = part_a(tiny_tokenizer, 256)
    assert len(a) == 256 and a[0] == special.cls and a[-1] == special.gmask
    b = part_b(tiny_tokenizer, 48)
    assert len(b) == 48 and b[0] == special.sop


def test_cached_steps_are_the_uncached_model(tiny_tokenizer):
    """The eager side decodes what the engine decodes: one cached step equals the whole sequence run at once."""
    model = random_model(SHAPES["tiny"], 0)
    a, b = part_a(tiny_tokenizer, 20), part_b(tiny_tokenizer, 3)
    with torch.no_grad():
        past = prefill(model, a)
        for j, token in enumerate(b):
            positions = torch.tensor([[[len(a) - 1], [j + 1]]])
            step, past = model(torch.tensor([[token]]), positions, torch.ones(1, 1, 1, len(a) + j + 1), past)
        ids = a + b
        rows = [list(range(len(a))) + [len(a) - 1] * len(b), [0] * len(a) + list(range(1, len(b) + 1))]
        mask = torch.from_numpy(attention_mask(len(a), len(ids)))[None, None]
        whole, _ = model(torch.tensor([ids]), torch.tensor([rows]), mask)
    assert torch.allclose(step[0, -1], whole[0, -1], atol=1e-5)
    wall, cpu = decode_ms_per_token(model, a, b)
    assert wall > 0 and cpu > 0
