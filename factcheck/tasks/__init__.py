"""Jobs as the app runs them: the kinds of job (ingest, bulk ingest, rescore, export,
mail, feed polls), how a committed job reaches a worker (in-process threads, Celery, or at
once), and the job pages. The job state itself is factcheck.jobs."""
