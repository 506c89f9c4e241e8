"""Low-rank adapters (LoRA) for the encoder's linear layers.

The packaged encoder stays frozen; each adapted layer learns a small update
`B @ A` (rank r), so a fine-tuned model ships as a few megabytes of adapter
weights on top of the installed base weights.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn


class LoRALinear(nn.Module):
    """A frozen nn.Linear plus a trainable low-rank update scaled by alpha / r."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float, dropout: float = 0.0) -> None:
        super().__init__()
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        self.rank = rank
        self.scale = alpha / rank
        self.lora_a = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        # Off: the layer is the untouched base layer (the encoder as packaged).
        self.enabled = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.enabled:
            return self.base(x)
        update = self.dropout(x) @ self.lora_a.T @ self.lora_b.T
        return self.base(x) + update * self.scale


class MergedLinear(nn.Module):
    """An adapted layer for inference: one matmul with the merged weight W + scale·B·A
    (no adapter matmuls), and the untouched base layer kept beside it for adapters_off.

    `fast` may later be replaced by a quantised copy (runtime "int8"); `base` stays the
    packaged fp32 layer, so claim embeddings do not depend on the runtime.
    """

    def __init__(self, layer: LoRALinear) -> None:
        super().__init__()
        self.base = layer.base
        base = layer.base
        merged = nn.Linear(base.in_features, base.out_features, bias=base.bias is not None)
        with torch.no_grad():
            weight = torch.addmm(base.weight, layer.lora_b, layer.lora_a, alpha=layer.scale)
        merged.weight = nn.Parameter(weight, requires_grad=False)
        if base.bias is not None:
            merged.bias = nn.Parameter(base.bias.detach().clone(), requires_grad=False)
        self.fast = merged
        self.enabled = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fast(x) if self.enabled else self.base(x)


def merge_adapters(model: nn.Module) -> int:
    """Replace every LoRALinear in model by its MergedLinear; return how many."""
    count = 0
    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, LoRALinear):
                setattr(module, name, MergedLinear(child))
                count += 1
    return count


@contextmanager
def adapters_off(model: nn.Module) -> Iterator[None]:
    """Run the model as the packaged encoder, without its adapters, inside the block."""
    layers = [m for m in model.modules() if isinstance(m, LoRALinear | MergedLinear)]
    for layer in layers:
        layer.enabled = False
    try:
        yield
    finally:
        for layer in layers:
            layer.enabled = True


def apply_lora(
    model: nn.Module, targets: tuple[str, ...], rank: int, alpha: float, dropout: float = 0.0
) -> list[str]:
    """Wrap every nn.Linear whose name ends with one of `targets`; return their names."""
    wrapped = []
    for name, module in list(model.named_modules()):
        for child_name, child in list(module.named_children()):
            full = f"{name}.{child_name}" if name else child_name
            if isinstance(child, nn.Linear) and full.endswith(targets):
                setattr(module, child_name, LoRALinear(child, rank, alpha, dropout))
                wrapped.append(full)
    return wrapped
