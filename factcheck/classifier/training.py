"""Fine-tune the check-worthiness model, and fit the frozen-encoder baseline.

Everything is seeded; the same data and settings give the same model on the same
machine. Progress bars go to stderr (tqdm) and switch themselves off when not a TTY.
"""

from __future__ import annotations

import contextlib
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from factcheck.classifier.data import Example
from factcheck.classifier.lora import adapters_off
from factcheck.classifier.model import CheckworthinessModel, ModelSpec, base_encoder_path

Scorer = Callable[[Sequence[str]], list[float]]


@dataclass
class TrainConfig:
    """Training settings; stored in model.json so a model says how it was made."""

    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 1e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.06
    seed: int = 13
    val_fraction: float = 0.1
    lora_rank: int = 16
    lora_alpha: float = 32.0
    max_length: int = 96
    # Weight positives by negatives/positives so scores do not depend on class rarity.
    balance_classes: bool = True


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def load_tokenizer():  # noqa: ANN201
    """Return the packaged encoder's tokenizer."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(base_encoder_path()), local_files_only=True)


def _batches(texts: Sequence[str], batch_size: int, rng: random.Random | None) -> list[list[int]]:
    """Index batches of similar-length texts (less padding); shuffled when rng is given."""
    order = list(range(len(texts)))
    if rng is None:
        order.sort(key=lambda i: len(texts[i]))
        return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(order)
    chunk = batch_size * 50
    batches = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lambda i: len(texts[i]))
        batches += [part[i : i + batch_size] for i in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


@torch.inference_mode()
def encode(
    model: CheckworthinessModel,
    tokenizer,  # noqa: ANN001
    texts: Sequence[str],
    batch_size: int = 64,
    progress: bool = False,
    adapters: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (logits, mean-pooled states) per text, in input order.

    With adapters=False the pooled states are those of the packaged sentence encoder
    (all-MiniLM-L6-v2 as trained for sentence similarity), and the logits mean nothing.
    """
    model.eval()
    logits = np.zeros(len(texts), dtype=np.float32)
    pooled = np.zeros((len(texts), model.encoder.config.hidden_size), dtype=np.float32)
    with contextlib.nullcontext() if adapters else adapters_off(model):
        for batch in tqdm(
            _batches(texts, batch_size, None),
            desc="scoring",
            disable=None if progress else True,  # off when stderr is not a terminal
            leave=False,
        ):
            enc = tokenizer(
                [texts[i] for i in batch],
                padding=True,
                truncation=True,
                max_length=model.spec.max_length,
                return_tensors="pt",
            )
            states = model.embed(enc["input_ids"], enc["attention_mask"])
            pooled[batch] = states.numpy()
            logits[batch] = model.head(states).squeeze(-1).numpy()
    return logits, pooled


def predict(
    model: CheckworthinessModel,
    tokenizer,  # noqa: ANN001
    texts: Sequence[str],
    batch_size: int = 64,
    progress: bool = False,
) -> list[float]:
    """Return stage one's probability in [0, 1] per text, in input order."""
    logits, _ = encode(model, tokenizer, texts, batch_size, progress)
    return (1.0 / (1.0 + np.exp(-logits.astype(np.float64)))).tolist()


def fine_tune(
    train: Sequence[Example], cfg: TrainConfig, *, progress: bool = True, version: str = "dev"
) -> tuple[CheckworthinessModel, object]:
    """Train LoRA adapters and the head on the examples; return (model, tokenizer)."""
    seed_everything(cfg.seed)
    spec = ModelSpec(
        version=version,
        lora_rank=cfg.lora_rank,
        lora_alpha=cfg.lora_alpha,
        max_length=cfg.max_length,
        training=asdict(cfg),
    )
    model = CheckworthinessModel(spec)
    tokenizer = load_tokenizer()
    texts = [e.text for e in train]
    labels = torch.tensor([e.label for e in train], dtype=torch.float32)
    positives = float(labels.sum())
    pos_weight = (len(train) - positives) / max(positives, 1.0) if cfg.balance_classes else 1.0
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pos_weight))
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    rng = random.Random(cfg.seed)
    steps_per_epoch = math.ceil(len(texts) / cfg.batch_size)
    total = steps_per_epoch * cfg.epochs
    warmup = max(1, int(total * cfg.warmup_fraction))

    def lr_at(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup))))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, lr_at)
    bar = tqdm(total=total, desc="training", disable=None if progress else True, unit="batch")
    model.train()
    for epoch in range(cfg.epochs):
        running = 0.0
        for n, batch in enumerate(_batches(texts, cfg.batch_size, rng), start=1):
            enc = tokenizer(
                [texts[i] for i in batch],
                padding=True,
                truncation=True,
                max_length=cfg.max_length,
                return_tensors="pt",
            )
            logits = model(enc["input_ids"], enc["attention_mask"])
            loss = loss_fn(logits, labels[batch])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
            scheduler.step()
            optimiser.zero_grad(set_to_none=True)
            running += loss.item()
            bar.update(1)
            bar.set_postfix(epoch=epoch + 1, loss=f"{running / n:.4f}")
    bar.close()
    model.eval()
    return model, tokenizer


def embed_frozen(
    texts: Sequence[str], *, max_length: int = 96, batch_size: int = 64, progress: bool = False
) -> np.ndarray:
    """Mean-pooled embeddings of the untouched packaged encoder (for the baseline)."""
    model = CheckworthinessModel(ModelSpec(lora_rank=0, max_length=max_length))
    _, pooled = encode(model, load_tokenizer(), texts, batch_size, progress)
    return pooled


def fit_logistic_regression(
    x: np.ndarray, y: np.ndarray, l2: float = 1.0, balance_classes: bool = True
) -> Callable[[np.ndarray], np.ndarray]:
    """Fit L2-regularised logistic regression (scikit-learn, L-BFGS, C = 1/l2); return a
    probability function. Balanced: positives weigh negatives/positives each."""
    # Imported here: scikit-learn takes most of a second to import, and scoring never fits.
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(y, dtype=np.int64)
    positives = int(y.sum())
    weights = {0: 1.0, 1: (len(y) - positives) / positives} if balance_classes else None
    model = LogisticRegression(C=1.0 / l2, class_weight=weights, tol=1e-8, max_iter=5000)
    model.fit(x.astype(np.float64), y)
    return lambda feats: model.predict_proba(feats.astype(np.float64))[:, 1]


def baseline_scorer(train: Sequence[Example], *, progress: bool = False) -> Scorer:
    """The reference point: frozen mean-pooled embeddings + logistic regression."""
    x = embed_frozen([e.text for e in train], progress=progress)
    y = np.array([e.label for e in train])
    classify = fit_logistic_regression(x, y)
    return lambda texts: classify(embed_frozen(list(texts), progress=progress)).tolist()


def elapsed(start: float) -> str:
    """Format seconds since start."""
    return f"{time.monotonic() - start:.0f}s"
