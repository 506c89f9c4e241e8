"""Run a parser where it can be stopped: a child process, killed at a deadline.

A hostile file can keep a parser busy far longer than its size suggests (one page of a
PDF kept pypdf busy for minutes), and a thread cannot be stopped from outside. The child
is forked, so it shares the modules already loaded (no start-up cost); it only parses the
bytes it was given and never touches the parent's database connections or locks.
"""

from __future__ import annotations

import multiprocessing
import pickle
import time
from collections.abc import Callable
from typing import Any, TypeVar

from factcheck.sources.limits import ExtractionError, ExtractLimits

T = TypeVar("T")


def _child(send: Any, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        result: tuple[str, Any] = ("ok", function(*args))
    except ExtractionError as exc:
        result = ("raise", exc)
    except MemoryError:
        result = ("raise", ExtractionError("This file needs too much memory to read."))
    except Exception as exc:  # noqa: BLE001  (a parser's own bug on a hostile file)
        result = ("raise", ExtractionError(f"This file could not be read ({type(exc).__name__})."))
    try:
        send.send(result)
    except (pickle.PicklingError, TypeError, AttributeError):
        send.send(("raise", ExtractionError("This file could not be read.")))
    send.close()


def run_with_deadline(function: Callable[..., T], *args: Any, limits: ExtractLimits) -> T:
    """Return function(*args), computed in a child process; kill the child and raise
    limits.timed_out() when it runs past limits.seconds. Its errors are raised here."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, function, args), daemon=True)
    deadline = time.monotonic() + limits.seconds
    child.start()
    send.close()
    try:
        if not receive.poll(max(0.0, deadline - time.monotonic())):
            raise limits.timed_out()
        try:
            kind, value = receive.recv()
        except EOFError:  # the child died without answering (killed for memory, say)
            raise ExtractionError("This file could not be read (the reader stopped).") from None
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()
        child.close()
    if kind == "raise":
        raise value
    return value
