"""How the loaded model runs: the runtime (CLASSIFIER_RUNTIME) and torch's threads
(CLASSIFIER_THREADS). Flask-free, so the offline `factcheck score` checks them too.

Every runtime first merges the LoRA adapters into the encoder's weights (W + scale·B·A,
one matmul per layer) and drops the encoder's unused pooler; the packaged base weights
of the adapted layers stay beside the merged ones for the claim embeddings (adapters off).

  "torch": fp32, the merged weights; scores equal the unmerged model's within 1e-5.
  "int8":  torch dynamic quantisation of the merged linear layers (int8 weights per
           output channel, activations quantised per batch): 1.6-1.9x the sentences/s
           at batch 64; flags agree with fp32's on 99.3-99.7 % of sentences, CLEF 2019
           MAP 0.0095 lower (README, "Faster scoring"), so not the default. The claim
           embeddings stay fp32 on the base weights, so matching is unchanged.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from torch import nn

RUNTIMES = ("torch", "int8")
MAX_THREADS = 256


class SettingError(ValueError):
    """A classifier setting has a value it cannot take; the message says which and why."""


def check_runtime(value: object) -> str:
    """Return CLASSIFIER_RUNTIME as one of RUNTIMES, or raise SettingError."""
    if value in (None, ""):
        return "torch"
    if not isinstance(value, str) or value.strip().lower() not in RUNTIMES:
        raise SettingError(
            f"CLASSIFIER_RUNTIME must be one of {', '.join(RUNTIMES)} (it is {value!r})"
        )
    return value.strip().lower()


def check_threads(value: object) -> int:
    """Return CLASSIFIER_THREADS as a whole number 0..MAX_THREADS, or raise SettingError."""
    if value in (None, ""):
        return 0
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_THREADS:
        raise SettingError(
            f"CLASSIFIER_THREADS must be a whole number from 0 (torch's default) to "
            f"{MAX_THREADS} (it is {value!r})"
        )
    return value


def classifier_options(config: Mapping[str, Any]) -> tuple[Path | None, dict[str, Any]]:
    """(model directory or None for the shipped one, TransformerClassifier options) from
    the CLASSIFIER_* settings; raises SettingError for a value that cannot work."""
    configured = config.get("CLASSIFIER_MODEL_DIR") or ""
    threshold = config.get("CLASSIFIER_THRESHOLD")
    try:
        batch_size = int(config.get("CLASSIFIER_BATCH_SIZE", 32))
        if not 1 <= batch_size <= 4096:
            raise ValueError
    except (TypeError, ValueError):
        raise SettingError(
            "CLASSIFIER_BATCH_SIZE must be a whole number from 1 to 4096 "
            f"(it is {config.get('CLASSIFIER_BATCH_SIZE')!r})"
        ) from None
    try:
        threshold = float(threshold) if threshold not in (None, "") else None
    except (TypeError, ValueError):
        raise SettingError(
            f"CLASSIFIER_THRESHOLD must be a number or empty (it is {threshold!r})"
        ) from None
    return Path(configured) if configured else None, {
        "batch_size": batch_size,
        "threshold": threshold,
        "runtime": check_runtime(config.get("CLASSIFIER_RUNTIME")),
        "threads": check_threads(config.get("CLASSIFIER_THREADS")),
    }


def use_threads(threads: int) -> None:
    """Set torch's intra-op threads for this process (0: leave torch's default)."""
    if threads > 0:
        import torch

        torch.set_num_threads(threads)


def prepare(model: nn.Module, runtime: str) -> nn.Module:
    """Merge the adapters and apply the runtime; return the model to run (in eval mode)."""
    from factcheck.classifier.lora import merge_adapters

    encoder = model.encoder
    merge_adapters(encoder)
    if getattr(encoder, "pooler", None) is not None:
        encoder.pooler = None  # its output is never read: states are mean-pooled
    if runtime == "int8":
        model = quantize(model)
    model.eval()
    return model


def quantize(model: nn.Module) -> nn.Module:
    """Dynamic int8 quantisation (weights per output channel, activations per batch) of
    the merged layers only (`*.fast`): the base layers (claim embeddings) and the head
    stay fp32."""
    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    # One weight scale per output channel: on the news set's labelled body sentences 98.4 %
    # of flags agree with fp32, against 95.5 % with one scale per tensor (README).
    names = {
        name: per_channel_dynamic_qconfig
        for name, _ in model.named_modules()
        if name.endswith(".fast")
    }
    if "qnnpack" in torch.backends.quantized.supported_engines and (
        "fbgemm" not in torch.backends.quantized.supported_engines
    ):
        torch.backends.quantized.engine = "qnnpack"  # ARM builds
    with warnings.catch_warnings():
        # torch marks its eager quantisation API deprecated (in favour of torchao, not
        # installable offline here); it is present and tested in the pinned torch 2.13.
        warnings.filterwarnings("ignore", "torch.ao.quantization is deprecated")
        warnings.filterwarnings("ignore", ".*quantized tensor creation functions")
        return quantize_dynamic(model, names, dtype=torch.qint8, inplace=True)
