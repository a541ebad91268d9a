"""GLM (Du et al., ACL 2022) in plain PyTorch.

Pre-LN transformer with fused QKV, tanh-GeLU MLP, word + position + block-position embeddings (2D positions),
a final LayerNorm and an output layer tied to the word embeddings. Parameter names follow THUDM's
(`word_embeddings.weight`, `transformer.layers.{i}.attention.query_key_value.weight`, ...) so released
checkpoints load with a key map. The cache holds K/V per layer, which is exactly equivalent to THUDM's
hidden-state "mems" (docs/glm.md §3.3).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

# fp16's most negative finite value: a fully masked row stays finite (uniform) instead of NaN (docs/glm.md §1.2).
MASKED_SCORE = -65504.0

KVCache = List[Tuple[torch.Tensor, torch.Tensor]]


@dataclass
class GLMConfig:
    vocab_size: int = 8192  # padded to a multiple of 128
    hidden_size: int = 256
    num_layers: int = 4
    num_heads: int = 4
    max_sequence_length: int = 512  # position tables have max_sequence_length + 1 rows
    dropout: float = 0.1
    gelu: str = "tanh"  # "tanh" (THUDM training code) or "erf" (THUDM's Hugging Face port)
    layernorm_epsilon: float = 1e-5

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_heads

    def to_dict(self) -> dict:
        return asdict(self)


def gelu(x: torch.Tensor, variant: str) -> torch.Tensor:
    if variant == "erf":
        return F.gelu(x)
    return 0.5 * x * (1.0 + torch.tanh(0.7978845608028654 * x * (1.0 + 0.044715 * x * x)))


class SelfAttention(nn.Module):
    def __init__(self, config: GLMConfig):
        super().__init__()
        self.num_heads = config.num_heads
        self.head_dim = config.head_dim
        self.query_key_value = nn.Linear(config.hidden_size, 3 * config.hidden_size)
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.attention_dropout = nn.Dropout(config.dropout)
        self.output_dropout = nn.Dropout(config.dropout)

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        b, t, _ = x.shape
        return x.view(b, t, self.num_heads, self.head_dim).transpose(1, 2)

    def forward(self, x, mask, past: Optional[Tuple[torch.Tensor, torch.Tensor]] = None):
        """mask: bool [B,1,T,P+T], True where attention is NOT allowed."""
        q, k, v = self.query_key_value(x).chunk(3, dim=-1)
        q, k, v = self.split_heads(q), self.split_heads(k), self.split_heads(v)
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        if fused_attention_available():
            return self.fused_attention(q, k, v, mask, x.shape), (k, v)
        # THUDM scales K before the product (attention_scale = 1): same value as scaling the scores.
        scores = torch.matmul(q, k.transpose(-1, -2) / math.sqrt(self.head_dim))
        scores = scores.masked_fill(mask, MASKED_SCORE)
        probs = self.attention_dropout(torch.softmax(scores.float(), dim=-1).to(v.dtype))
        out = torch.matmul(probs, v).transpose(1, 2).reshape(x.shape[0], x.shape[1], -1)
        return self.output_dropout(self.dense(out)), (k, v)

    def fused_attention(self, q, k, v, mask, shape) -> torch.Tensor:
        """torch's fused kernel (torch >= 2.0). Masked scores get -65504 added instead of set: every row with
        something to attend to gives the same probabilities; only all-masked rows (padding, never in a loss or a
        later position's context) differ."""
        bias = torch.zeros(mask.shape, dtype=q.dtype, device=q.device).masked_fill(mask, MASKED_SCORE)
        dropout = self.attention_dropout.p if self.training else 0.0
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, dropout_p=dropout)
        return self.output_dropout(self.dense(out.transpose(1, 2).reshape(shape[0], shape[1], -1)))


def fused_attention_available() -> bool:
    """torch >= 2.0 has scaled_dot_product_attention (Debian's 1.13 does not); ONNX export keeps the plain ops."""
    return hasattr(F, "scaled_dot_product_attention") and not torch.onnx.is_in_onnx_export()


class MLP(nn.Module):
    def __init__(self, config: GLMConfig):
        super().__init__()
        self.gelu = config.gelu
        self.dense_h_to_4h = nn.Linear(config.hidden_size, 4 * config.hidden_size)
        self.dense_4h_to_h = nn.Linear(4 * config.hidden_size, config.hidden_size)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):
        return self.dropout(self.dense_4h_to_h(gelu(self.dense_h_to_4h(x), self.gelu)))


class TransformerLayer(nn.Module):
    def __init__(self, config: GLMConfig):
        super().__init__()
        self.input_layernorm = nn.LayerNorm(config.hidden_size, eps=config.layernorm_epsilon)
        self.attention = SelfAttention(config)
        self.post_attention_layernorm = nn.LayerNorm(config.hidden_size, eps=config.layernorm_epsilon)
        self.mlp = MLP(config)

    def forward(self, x, mask, past=None):
        attended, present = self.attention(self.input_layernorm(x), mask, past)
        x = x + attended
        x = x + self.mlp(self.post_attention_layernorm(x))
        return x, present


class Transformer(nn.Module):
    def __init__(self, config: GLMConfig):
        super().__init__()
        rows = config.max_sequence_length + 1
        self.position_embeddings = nn.Embedding(rows, config.hidden_size)
        self.block_position_embeddings = nn.Embedding(rows, config.hidden_size)
        self.embedding_dropout = nn.Dropout(config.dropout)
        self.layers = nn.ModuleList(TransformerLayer(config) for _ in range(config.num_layers))
        self.final_layernorm = nn.LayerNorm(config.hidden_size, eps=config.layernorm_epsilon)


class GLM(nn.Module):
    def __init__(self, config: GLMConfig):
        super().__init__()
        self.config = config
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size)
        self.transformer = Transformer(config)
        self.apply(self._init_weights)
        # Output projections of each residual branch get the depth-scaled init (docs/glm.md §1.3).
        scaled = 0.02 / math.sqrt(2.0 * config.num_layers)
        for layer in self.transformer.layers:
            nn.init.normal_(layer.attention.dense.weight, std=scaled)
            nn.init.normal_(layer.mlp.dense_4h_to_h.weight, std=scaled)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def hidden_states(
        self, input_ids, position_ids, attention_mask, past: Optional[KVCache] = None, final_layernorm: bool = True
    ):
        """Hidden states [B,T,h] (after the final LayerNorm unless asked not to) and the new K/V cache.

        attention_mask: [B,1,T,P+T] with 1 = may attend (float or bool).
        """
        t = self.transformer
        x = (
            self.word_embeddings(input_ids)
            + t.position_embeddings(position_ids[:, 0])
            + t.block_position_embeddings(position_ids[:, 1])
        )
        x = t.embedding_dropout(x)
        # Masked scores become -65504, as THUDM's `scores * M - 65504 * (1 - M)`, in one op per layer.
        mask = attention_mask == 0
        present: KVCache = []
        for i, layer in enumerate(t.layers):
            x, kv = layer(x, mask, None if past is None else past[i])
            present.append(kv)
        return (t.final_layernorm(x) if final_layernorm else x), present

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        return F.linear(hidden, self.word_embeddings.weight)  # tied output layer, no bias

    def forward(
        self,
        input_ids,
        position_ids,
        attention_mask,
        past: Optional[KVCache] = None,
        targets: Optional[torch.Tensor] = None,
        loss_mask: Optional[torch.Tensor] = None,
    ):
        """(logits [B,T,V], present) — or, given targets and a loss mask, per-sample summed Part B loss [B]."""
        hidden, present = self.hidden_states(input_ids, position_ids, attention_mask, past)
        if targets is None:
            return self.logits(hidden), present
        # The output layer only where the loss is (Part B): Part A targets never matter, and the big
        # vocabulary projection is skipped where it is not needed.
        keep = loss_mask.bool()
        token_loss = cross_entropy(self.logits(hidden[keep]), targets[keep])
        per_sample = torch.zeros(keep.shape[0], dtype=token_loss.dtype, device=token_loss.device)
        return per_sample.index_add(0, keep.nonzero()[:, 0], token_loss)


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Per-token cross entropy. In Debian's torch 1.13 on these CPUs log_softmax + gather (forward and
    backward) measured 46 ms for 3000×8192 against 68 ms for F.cross_entropy and 638 ms for logsumexp."""
    return -torch.log_softmax(logits.float(), dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)


def blank_infilling_loss(model: nn.Module, batch: dict) -> Tuple[torch.Tensor, torch.Tensor]:
    """Mean loss over Part B targets (docs/glm.md §5.7) and the per-sample loss sums (for per-objective logs).

    `model` may be wrapped in DistributedDataParallel: the loss goes through its forward.
    """
    per_sample = model(
        batch["input_ids"],
        batch["position_ids"],
        batch["attention_mask"],
        targets=batch["targets"],
        loss_mask=batch["loss_mask"],
    )
    return per_sample.sum() / batch["loss_mask"].sum().clamp(min=1), per_sample
