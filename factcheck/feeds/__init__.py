"""Watched sources: RSS/Atom feeds and sitemaps per outlet, polled on a schedule by the job
runner, each new item ingested once (README, "Watched feeds")."""
