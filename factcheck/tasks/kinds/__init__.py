"""The kinds of job, one module each: importing this package registers every module's
handlers with factcheck.jobs.runner (factcheck.tasks.dispatch.init_app imports it, so
every app, web or worker, knows them all). A new kind is a new module here."""

from __future__ import annotations

import importlib
import pkgutil


def load_all() -> None:
    """Import every module of this package (each registers its kinds on import)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


load_all()
