"""Measuring and training the triage as a whole: the news set, the ranker's training and
cross-validation, and the evaluation of ingest's full pipeline on labelled news.

It sits above claims (structure, attribution, flagging) and classifier (the two stages),
so neither of those depends on the other's training code.
"""
