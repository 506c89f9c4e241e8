"""The packaged encoder (a BERT: all-MiniLM-L6-v2) for inference, in plain torch, and its
tokenizer through the `tokenizers` library: no `transformers` import.

Scoring needs nothing of transformers but the forward pass of a post-LayerNorm BERT, and
importing its BERT module takes over two seconds here, longer than scoring a few hundred
sentences. Module names are transformers' own (embeddings.word_embeddings,
encoder.layer.N.attention.self.query, ...), so the packaged model.safetensors loads as is
and the LoRA adapters attach to the same layers. Training keeps transformers' BertModel
(model.py); tests check both give the same states within 1e-5 and the same token ids.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812


class _Embeddings(nn.Module):
    def __init__(self, cfg: SimpleNamespace) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.position_embeddings = nn.Embedding(cfg.max_position_embeddings, cfg.hidden_size)
        self.token_type_embeddings = nn.Embedding(cfg.type_vocab_size, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)  # noqa: N815

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        x = (
            self.word_embeddings(input_ids)
            + self.position_embeddings(positions)[None]
            + self.token_type_embeddings.weight[0]
        )
        return self.LayerNorm(x)


class _SelfAttention(nn.Module):
    def __init__(self, cfg: SimpleNamespace) -> None:
        super().__init__()
        self.heads = cfg.num_attention_heads
        self.query = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.key = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.value = nn.Linear(cfg.hidden_size, cfg.hidden_size)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(b, n, self.heads, d // self.heads).transpose(1, 2)

        out = F.scaled_dot_product_attention(
            split(self.query(x)), split(self.key(x)), split(self.value(x)), attn_mask=mask
        )
        return out.transpose(1, 2).reshape(b, n, d)


class _DenseNorm(nn.Module):
    """dense → (+ residual) → LayerNorm: BERT's attention.output and output blocks."""

    def __init__(self, inputs: int, cfg: SimpleNamespace) -> None:
        super().__init__()
        self.dense = nn.Linear(inputs, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)  # noqa: N815

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(x) + residual)


class _Attention(nn.Module):
    def __init__(self, cfg: SimpleNamespace) -> None:
        super().__init__()
        self.self = _SelfAttention(cfg)
        self.output = _DenseNorm(cfg.hidden_size, cfg)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.output(self.self(x, mask), x)


class _Intermediate(nn.Module):
    def __init__(self, cfg: SimpleNamespace) -> None:
        super().__init__()
        self.dense = nn.Linear(cfg.hidden_size, cfg.intermediate_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.gelu(self.dense(x))  # exact (erf) GELU: config hidden_act "gelu"


class _Layer(nn.Module):
    def __init__(self, cfg: SimpleNamespace) -> None:
        super().__init__()
        self.attention = _Attention(cfg)
        self.intermediate = _Intermediate(cfg)
        self.output = _DenseNorm(cfg.intermediate_size, cfg)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = self.attention(x, mask)
        return self.output(self.intermediate(x), x)


class _Stack(nn.Module):
    def __init__(self, cfg: SimpleNamespace) -> None:
        super().__init__()
        self.layer = nn.ModuleList(_Layer(cfg) for _ in range(cfg.num_hidden_layers))


class LeanBert(nn.Module):
    """BertModel's forward for inference (no dropout, no pooler): last_hidden_state."""

    def __init__(self, cfg: SimpleNamespace) -> None:
        super().__init__()
        self.config = cfg
        self.embeddings = _Embeddings(cfg)
        self.encoder = _Stack(cfg)
        self.pooler = None  # its output is never read: states are mean-pooled

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> SimpleNamespace:
        # Additive mask over keys, as BertModel's: 0 where attended, the dtype's minimum
        # on padding (a padded query row still attends to the real tokens).
        mask = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        x = self.embeddings(input_ids)
        for layer in self.encoder.layer:
            x = layer(x, mask)
        return SimpleNamespace(last_hidden_state=x)

    @classmethod
    def load(cls, directory: Path) -> LeanBert:
        """The BERT whose config.json and model.safetensors are in directory."""
        from safetensors.torch import load_file

        raw = json.loads((directory / "config.json").read_text("utf-8"))
        if raw.get("model_type") != "bert" or raw.get("hidden_act") != "gelu":
            raise ValueError(f"{directory} is not a BERT with exact GELU")
        if raw.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError(f"{directory} does not use absolute positions")
        if raw["hidden_size"] % raw["num_attention_heads"]:
            raise ValueError(f"{directory}: hidden size not divisible by the heads")
        cfg = SimpleNamespace(**raw)
        # Built on the CPU with throw-away initial weights (about 0.1 s): building on the
        # meta device would import torch._dynamo, a second of start.
        model = cls(cfg)
        weights = load_file(str(directory / "model.safetensors"))
        weights = {k.removeprefix("bert."): v for k, v in weights.items()}
        weights = {k: v for k, v in weights.items() if not k.startswith("pooler.")}
        weights.pop("embeddings.position_ids", None)
        missing = set(model.state_dict()) - set(weights)
        unexpected = set(weights) - set(model.state_dict())
        if missing or unexpected:
            raise ValueError(
                f"{directory}: weights do not match a BERT (missing {sorted(missing)[:3]}, "
                f"unexpected {sorted(unexpected)[:3]})"
            )
        model.load_state_dict(weights, assign=True)
        model.requires_grad_(False)
        return model.eval()


class LeanTokenizer:
    """The packaged tokenizer.json through `tokenizers`, called as transformers' tokenizer
    is in training.encode: padding to the longest, truncation at max_length, tensors."""

    def __init__(self, directory: Path) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        config = json.loads((directory / "tokenizer_config.json").read_text("utf-8"))
        self.pad_token = config.get("pad_token", "[PAD]")
        self.pad_id = self._tokenizer.token_to_id(self.pad_token)
        if self.pad_id is None:
            raise ValueError(f"{directory}: the tokenizer has no {self.pad_token}")
        self.model_max_length = int(config.get("model_max_length") or 512)

    def __call__(
        self,
        texts: list[str],
        *,
        padding: bool = True,
        truncation: bool = True,
        max_length: int | None = None,
        return_tensors: str = "pt",
    ) -> dict[str, torch.Tensor]:
        tok = self._tokenizer
        limit = min(max_length or self.model_max_length, self.model_max_length)
        if truncation:
            tok.enable_truncation(max_length=limit)
        else:
            tok.no_truncation()
        if padding:
            tok.enable_padding(pad_id=self.pad_id, pad_token=self.pad_token)
        else:
            tok.no_padding()
        encodings = tok.encode_batch(texts)
        return {
            "input_ids": torch.tensor([e.ids for e in encodings], dtype=torch.long),
            "attention_mask": torch.tensor([e.attention_mask for e in encodings]),
        }
