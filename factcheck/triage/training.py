"""Train and measure stage two (the ranker): `factcheck model train-ranker`, `crossval --ranker`.

Training data, each read as documents so context features mean the same as at ingest:
- the news set (articles labelled by kind and flag; body sentences only), weighted up
  because it is what a desk means by check-worthy (NEWS_WEIGHT);
- CLEF CheckThat! 2019 debates (in transcript order, with speakers);
- CLEF CheckThat! 2020 tweets (one document each).

Stage one (the shipped encoder + adapters) encodes every sentence once; the ranker is a
logistic regression over those outputs, so a fit takes seconds and cross-validation is cheap.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sklearn.metrics import confusion_matrix_at_thresholds, precision_score, recall_score
from sklearn.model_selection import LeaveOneGroupOut

from factcheck.classifier.data import DataError
from factcheck.classifier.features import TRANSCRIPT_FEATURES, SentenceInput, document_features
from factcheck.classifier.metrics import average_precision, ranking_report
from factcheck.classifier.ranker import Ranker, fit_ranker
from factcheck.text.attribution import attribute
from factcheck.text.segment import Span
from factcheck.triage.newsset import NewsArticle, read_news_set

NEWS_WEIGHT = 20.0
L2 = 10.0
L2_EMBEDDING = 300.0
# The transcript ranker: debates only, TRANSCRIPT_FEATURES, stronger regularisation. Its
# threshold is where leave-debates-out recall reaches TRANSCRIPT_RECALL: CLEF's labels are
# what one outlet chose to check (2.7 % of turns), so 50 % recall means flagging about the
# top tenth of a debate's turns.
L2_TRANSCRIPT = 30.0
TRANSCRIPT_RECALL = 0.50
# The flag threshold is the highest score at which the news set's recall reaches this.
TARGET_RECALL = 0.90

Encoder = Callable[[list[str]], tuple[np.ndarray, np.ndarray]]


@dataclass
class Corpus:
    """Documents of one source, encoded: features, pooled states, labels, groups."""

    name: str
    features: np.ndarray
    pooled: np.ndarray
    labels: np.ndarray
    groups: list[str]
    logits: np.ndarray
    files: list[dict] = field(default_factory=list)

    def take(self, rows: np.ndarray) -> Corpus:
        """The rows given by a boolean mask or by indices, in corpus order."""
        mask = np.zeros(len(self.labels), dtype=bool)
        mask[rows] = True
        return Corpus(
            self.name,
            self.features[mask],
            self.pooled[mask],
            self.labels[mask],
            [g for g, keep in zip(self.groups, mask, strict=True) if keep],
            self.logits[mask],
            self.files,
        )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _encode_documents(
    name: str,
    documents: list[tuple[str, list[SentenceInput], list[int]]],
    encoder: Encoder,
    files: list[dict],
) -> Corpus:
    texts = [item.text for _, items, _ in documents for item in items]
    logits, pooled = encoder(texts)
    rows, labels, groups, start = [], [], [], 0
    for group, items, item_labels in documents:
        rows.append(document_features(items, logits[start : start + len(items)]))
        labels += item_labels
        groups += [group] * len(items)
        start += len(items)
    return Corpus(name, np.vstack(rows), pooled, np.asarray(labels), groups, logits, files)


def news_documents(
    articles: Sequence[NewsArticle],
) -> list[tuple[str, list[SentenceInput], list[int]]]:
    """Each article's body sentences as the ranker sees them at ingest (attribution run)."""
    documents = []
    for article in articles:
        spans = [
            Span(r.start, r.end, r.text, article.text.count("\n\n", 0, r.start), None, r.kind)
            for r in article.rows
        ]
        attributions = attribute(spans)
        items, labels = [], []
        for row, attribution in zip(article.rows, attributions, strict=True):
            if row.kind != "body":
                continue
            items.append(
                SentenceInput(row.text, "body", attribution.claimant, attribution.reporting_verb)
            )
            labels.append(row.flag)
        documents.append((article.name, items, labels))
    return documents


def _read_csv(path: Path, columns: set[str]) -> list[dict]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            if not columns <= set(reader.fieldnames or ()):
                raise DataError(f"{path}: needs the columns {', '.join(sorted(columns))}")
            return list(reader)
    except FileNotFoundError as exc:
        raise DataError(f"{path}: no such file") from exc


def debate_documents(path: Path) -> list[tuple[str, list[SentenceInput], list[int]]]:
    """CLEF 2019 debates in transcript order; SYSTEM lines (applause) have no speaker."""
    rows = _read_csv(path, {"text", "label", "debate", "line_number", "speaker"})
    debates: dict[str, list[dict]] = {}
    for row in rows:
        debates.setdefault(row["debate"], []).append(row)
    documents = []
    for debate, lines in sorted(debates.items()):
        lines.sort(key=lambda r: int(r["line_number"]))
        items = [
            SentenceInput(
                r["text"], speaker=None if r["speaker"] == "SYSTEM" else r["speaker"], turn=True
            )
            for r in lines
        ]
        documents.append((debate, items, [int(r["label"]) for r in lines]))
    return documents


def tweet_documents(path: Path) -> list[tuple[str, list[SentenceInput], list[int]]]:
    """CLEF 2020 tweets, each its own document."""
    rows = _read_csv(path, {"id", "text", "label"})
    return [(f"tweet:{r['id']}", [SentenceInput(r["text"])], [int(r["label"])]) for r in rows]


def load_corpora(
    encoder: Encoder,
    *,
    news: Path | None = None,
    debates: Path | None = None,
    tweets: Sequence[Path] = (),
) -> dict[str, Corpus]:
    """Encode every source given; keys 'news', 'debates', 'tweets'."""
    corpora: dict[str, Corpus] = {}
    if news is not None:
        articles = read_news_set(news)
        files = [{"file": f"{a.name}.tsv", "rows": len(a.rows)} for a in articles]
        corpora["news"] = _encode_documents("news", news_documents(articles), encoder, files)
    if debates is not None:
        files = [{"file": debates.name, "sha256": _sha256(debates)}]
        corpora["debates"] = _encode_documents("debates", debate_documents(debates), encoder, files)
    if tweets:
        documents = [d for path in tweets for d in tweet_documents(path)]
        files = [{"file": p.name, "sha256": _sha256(p)} for p in tweets]
        corpora["tweets"] = _encode_documents("tweets", documents, encoder, files)
    return corpora


def fit(corpora: Sequence[Corpus]) -> Ranker:
    """One ranker over the corpora (news weighted by NEWS_WEIGHT)."""
    weights = [np.full(len(c.labels), NEWS_WEIGHT if c.name == "news" else 1.0) for c in corpora]
    return fit_ranker(
        np.vstack([c.features for c in corpora]),
        np.concatenate([c.labels for c in corpora]),
        pooled=np.vstack([c.pooled for c in corpora]),
        sample_weight=np.concatenate(weights),
        l2=L2,
        l2_embedding=L2_EMBEDDING,
    )


def fit_transcript(debates: Corpus) -> Ranker:
    """The ranker for transcripts: stage one's logit, its neighbours' and the speaker's
    share of the turns, fitted on debates."""
    return fit_ranker(
        debates.features,
        debates.labels,
        l2=L2_TRANSCRIPT,
        feature_names=TRANSCRIPT_FEATURES,
    )


def transcript_threshold(debates: Corpus, folds: int = 4) -> dict:
    """The transcript ranker's flag threshold, from leave-debates-out scores."""
    names = sorted(set(debates.groups))
    groups = np.asarray(debates.groups)
    scores = np.zeros(len(debates.labels))
    for number in range(folds):
        held = np.isin(groups, names[number::folds])
        scores[held] = fit_transcript(debates.take(~held)).scores(debates.features[held])
    threshold = threshold_for_recall(debates.labels, scores, TRANSCRIPT_RECALL)
    return {
        "threshold": round(threshold, 6),
        "debate_cross_validation": flag_report(debates.labels, scores, threshold),
    }


def threshold_for_recall(labels: np.ndarray, scores: np.ndarray, recall: float) -> float:
    """The highest score at which at least `recall` of the positives score at or above it."""
    *_, tps, thresholds = confusion_matrix_at_thresholds(labels, scores)
    return float(thresholds[int(np.argmax(tps >= recall * labels.sum()))])


def flag_report(labels: np.ndarray, scores: np.ndarray, threshold: float) -> dict:
    """Precision, recall and share flagged at a threshold, and average precision."""
    flagged = (scores >= threshold).astype(np.int64)
    return {
        "threshold": threshold,
        "precision": float(precision_score(labels, flagged, zero_division=0.0)),
        "recall": float(recall_score(labels, flagged, zero_division=0.0)),
        "flagged_share": float(flagged.mean()) if len(flagged) else 0.0,
        "average_precision": average_precision(labels, scores),
        "sentences": int(len(labels)),
        "positives": int(labels.sum()),
    }


def cross_validate_news(corpora: dict[str, Corpus]) -> tuple[np.ndarray, dict]:
    """Leave-one-article-out: out-of-fold scores of the news set's body sentences."""
    news = corpora["news"]
    others = [c for name, c in corpora.items() if name != "news"]
    scores = np.zeros(len(news.labels))
    splits = LeaveOneGroupOut().split(news.features, groups=news.groups)
    for train, held in splits:
        ranker = fit([news.take(train), *others])
        scores[held] = ranker.scores(news.features[held], news.pooled[held])
    threshold = threshold_for_recall(news.labels, scores, TARGET_RECALL)
    report = flag_report(news.labels, scores, threshold)
    report["articles"] = len(set(news.groups))
    report["stage_one_average_precision"] = average_precision(news.labels, news.logits)
    return scores, report


def cross_validate_debates(
    corpora: dict[str, Corpus], folds: int = 4, report: Callable[[str], None] = print
) -> dict:
    """Leave-debates-out (sorted, round-robin, as `crossval`): MAP of stage one's logit
    alone, of the prose ranker (trained on the other debates plus every other corpus) and
    of the transcript ranker (trained on the other debates), per fold and pooled."""
    debates = corpora["debates"]
    others = [c for name, c in corpora.items() if name != "debates"]
    names = sorted(set(debates.groups))
    groups = np.asarray(debates.groups)
    prose = np.zeros(len(debates.labels))
    transcript = np.zeros(len(debates.labels))
    rows = []
    for number in range(folds):
        held_names = set(names[number::folds])
        held = np.isin(groups, list(held_names))
        prose[held] = fit([debates.take(~held), *others]).scores(
            debates.features[held], debates.pooled[held]
        )
        transcript[held] = fit_transcript(debates.take(~held)).scores(debates.features[held])
        held_groups = [g for g, h in zip(debates.groups, held, strict=True) if h]
        row = {"fold": number + 1, "debates": sorted(held_names)}
        for name, scores in (
            ("stage_one", debates.logits),
            ("prose_ranker", prose),
            ("transcript_ranker", transcript),
        ):
            row[f"{name}_map"] = ranking_report(debates.labels[held], scores[held], held_groups)[
                "map"
            ]
        rows.append(row)
        report(
            f"fold {number + 1}: MAP stage one {row['stage_one_map']:.4f}  prose ranker "
            f"{row['prose_ranker_map']:.4f}  transcript ranker {row['transcript_ranker_map']:.4f}"
        )
    return {
        "folds": rows,
        "stage_one": ranking_report(debates.labels, debates.logits, debates.groups),
        "prose_ranker": ranking_report(debates.labels, prose, debates.groups),
        "transcript_ranker": ranking_report(debates.labels, transcript, debates.groups),
        "share_above_0_99": float((transcript > 0.99).mean()),
    }


def train_ranker(corpora: dict[str, Corpus], out: Path) -> dict:
    """Cross-validate on the news set, fit on everything, write out/ranker.json."""
    if "news" not in corpora:
        raise DataError("the ranker's flag threshold is chosen on the news set: give --news")
    _, news_cv = cross_validate_news(corpora)
    ranker = fit(list(corpora.values()))
    if "debates" in corpora:
        ranker.transcript = fit_transcript(corpora["debates"])
        ranker.transcript.info = transcript_threshold(corpora["debates"])
    digest = hashlib.sha256(
        np.concatenate([ranker.weights, ranker.embedding_weights]).tobytes()
    ).hexdigest()[:8]
    ranker.info = {
        "version": f"ranker-{datetime.now(UTC):%Y.%m.%d}-{digest}",
        "threshold": round(news_cv["threshold"], 6),
        "news_cross_validation": news_cv,
        "training": {
            "news_weight": NEWS_WEIGHT,
            "l2": L2,
            "l2_embedding": L2_EMBEDDING,
            "target_recall": TARGET_RECALL,
            "data": [f for c in corpora.values() for f in c.files],
            "sentences": {name: int(len(c.labels)) for name, c in corpora.items()},
        },
    }
    out.mkdir(parents=True, exist_ok=True)
    ranker.save(out / "ranker.json")
    return ranker.info


def stage_one_encoder(model_dir: Path) -> Encoder:
    """Stage one of a model directory as an encoder (logits and pooled states)."""
    from factcheck.classifier import TransformerClassifier

    classifier = TransformerClassifier(model_dir, batch_size=64)
    return lambda texts: classifier._encode(texts)  # noqa: SLF001
