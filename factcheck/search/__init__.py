"""One search box over claims, claimants, articles, rulings and imported rulings (issue 16):
full text (SQLite FTS5, PostgreSQL tsvector) and a "similar meaning" mode over the embeddings."""
