"""The desk's pages: the ones that bring several features together.

The queue, "my claims", "awaiting an editor", one claim with its whole story (context,
holder, verdict revisions, decisions, ruling, timeline), one revision, the articles list,
ingest and one article with its sentences. Each feature below (sources, claims, review,
verdicts, editorial) keeps its own actions and reads; these pages compose them, so the
features never import each other's views and nothing below imports the desk.

The blueprints keep their names ("claims" for /claims pages, "sources" for /articles),
so addresses and endpoint names are unchanged.
"""
