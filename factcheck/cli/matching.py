"""`factcheck model match-pairs`: how well claims are matched across articles, measured
on labelled pairs, to choose MATCH_SUGGEST_SIMILARITY and MATCH_SAME_SIMILARITY."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from factcheck.classifier.data import DataError
from factcheck.cli.model import DATA, _fail

DEFAULT_PAIRS = Path("tests/data/claim_matching/pairs.tsv")
# A suggestion must show the true repeats; an automatic link must almost never be wrong.
SUGGEST_RECALL = 0.95
SAME_PRECISION = 0.95


def _grid() -> list[float]:
    return [round(0.5 + 0.05 * i, 2) for i in range(10)]


@click.command("match-pairs")
@click.option(
    "--pairs",
    type=DATA,
    default=None,
    help=f"Labelled pairs: label<TAB>category<TAB>a<TAB>b (default {DEFAULT_PAIRS}).",
)
def match_pairs_command(pairs: Path | None) -> None:
    """Precision and recall of "suggest" (cosine alone) and "same claim" (cosine and the
    text checks) per threshold, per category, on all pairs and on a held-out half."""
    from factcheck.classifier import ModelUnavailable
    from factcheck.classifier.loader import get_classifier
    from factcheck.matching.rule import read_pairs, similarities
    from factcheck.matching.services import MatchSettings

    path = pairs or DEFAULT_PAIRS
    if not path.is_file():
        _fail(f"{path}: no such file")
    try:
        rows = read_pairs(path)
        sims = similarities(rows, get_classifier().embed)
    except (DataError, ModelUnavailable) as exc:
        _fail(str(exc))
    settings = MatchSettings.from_config(current_app.config)
    for line in report(rows, sims, settings.suggest, settings.same):
        click.echo(line)


def report(rows, sims, suggest: float, same: float) -> list[str]:  # noqa: ANN001
    """The lines match-pairs prints (a function, so a test can check the figures)."""
    from factcheck.matching.rule import CATEGORIES, score, split

    positives = sum(p.same for p in rows)
    lines = [f"{len(rows)} pairs, {positives} the same claim; per category, pairs called same."]
    header = "  ".join(c[:14].ljust(14) for c in CATEGORIES)
    for title, with_rule in (("cosine alone (suggest)", False), ("cosine + rule (same)", True)):
        lines += ["", f"{title}:", f"  cosine >=  precision  recall  F1     {header}"]
        for t in sorted({*_grid(), suggest, same}):
            s = score(rows, sims, t, with_rule=with_rule)
            total = {c: sum(p.category == c for p in rows) for c in CATEGORIES}
            counts = "  ".join(f"{s.called[c]}/{total[c]}".ljust(14) for c in CATEGORIES)
            lines.append(
                f"  {t:.2f}       {s.precision:.3f}      {s.recall:.3f}   {s.f1:.3f}  {counts}"
            )
    tune, test = split(rows)
    lines += ["", "Held out: thresholds chosen on one half (every other pair of each category),"]
    lines.append("measured on the other half:")
    for name, idx_tune, idx_test in (("A", tune, test), ("B", test, tune)):
        tr = [rows[i] for i in idx_tune]
        ts = [rows[i] for i in idx_test]
        st, ss = sims[idx_tune], sims[idx_test]
        fine = [round(0.5 + 0.01 * i, 2) for i in range(46)]
        # Suggest: the highest cosine that still keeps SUGGEST_RECALL of the true repeats.
        sug = max(
            (t for t in fine if score(tr, st, t, with_rule=False).recall >= SUGGEST_RECALL),
            default=0.5,
        )
        # Same: the best F1 among thresholds with precision >= SAME_PRECISION.
        ok = [
            score(tr, st, t, with_rule=True)
            for t in fine
            if score(tr, st, t, with_rule=True).precision >= SAME_PRECISION
        ]
        best = max(ok, key=lambda s: (s.f1, s.threshold)).threshold if ok else 0.95
        a = score(ts, ss, sug, with_rule=False)
        b = score(ts, ss, best, with_rule=True)
        lines.append(
            f"  split {name}: suggest {sug:.2f} -> held-out recall {a.recall:.3f} precision "
            f"{a.precision:.3f}; same {best:.2f} -> held-out precision {b.precision:.3f} "
            f"recall {b.recall:.3f}"
        )
    lines += ["", f"Configured: MATCH_SUGGEST_SIMILARITY {suggest}, MATCH_SAME_SIMILARITY {same}:"]
    for label, part in (("all pairs", range(len(rows))), ("half A", tune), ("half B", test)):
        part = list(part)
        sub, subsims = [rows[i] for i in part], sims[part]
        a = score(sub, subsims, suggest, with_rule=False)
        b = score(sub, subsims, same, with_rule=True)
        lines.append(
            f"  {label}: suggest recall {a.recall:.3f} precision {a.precision:.3f}; "
            f"same claim precision {b.precision:.3f} recall {b.recall:.3f} "
            f"(wrong links: {sum(v for c, v in b.called.items() if c != 'paraphrase')})"
        )
    return lines
