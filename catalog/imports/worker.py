"""Preparing batches in a second process while the importing one writes.

A large import is a pipeline of two stages of similar cost: reading and validating rows (pure
Python) and writing them (mostly the database's own work). ``prepared_batches`` runs the first stage
in a child forked from the importing process — it inherits the preloaded tables, the parsers and the
open file, so nothing has to be set up again — and hands the prepared batches back through a pipe
(its buffer widened to 1 MiB where Linux allows), one or two ahead of the writer, so memory stays
bounded. A prepared batch is column-wise (``batches.Prepared``): a few dozen lists, cheap to pickle.

The child never touches the database (it inherits the parent's connection object but does not use
or close it, and leaves with ``os._exit``). It is only forked where that is safe: the platform can
fork and the importing process runs a single thread (management commands, task workers, the
benchmark); a threaded server (daphne) prepares the batches in the importing process instead, with
the same code and the same results.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator

from .batches import Prepared
from .readers import FileError

try:
    import fcntl
except ImportError:  # not on Windows (which cannot fork either)
    fcntl = None

# Below this many rows (the table's size hint) the batches are prepared in the importing process.
PARALLEL_MIN_ROWS = 20_000
PIPE_BYTES = 1 << 20  # the pipe's buffer, if the platform lets it be set (Linux's default maximum)


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _widen(connection, size: int = PIPE_BYTES) -> None:
    """A bigger pipe buffer (Linux: 64 KiB by default): a prepared batch (a few MB) then crosses in
    a few writes, with fewer switches between the two processes while the importer waits for it."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if set_size is None:
        return
    with contextlib.suppress(OSError):
        fcntl.fcntl(connection.fileno(), set_size, size)


def _produce(connection, batches: Iterable, prepare: Callable) -> None:
    # The inherited heap stays out of this process's garbage collections (they would walk all of it,
    # and touch its pages, which fork shares with the parent until they are written to).
    gc.freeze()
    try:
        for raw in batches:
            connection.send(prepare(raw))
        connection.send(None)
    except FileError as error:
        connection.send(FileError(str(error)))
    except BaseException:  # anything else: the parent raises it with this traceback
        connection.send(RuntimeError("import worker failed:\n" + traceback.format_exc()))
    finally:
        connection.close()


def prepared_batches(batches: Iterable, prepare: Callable, *, parallel: bool) -> Iterator[Prepared]:
    """``prepare(raw)`` for each raw batch, in order: in a forked child when ``parallel`` (and safe)."""
    if not (parallel and can_fork()):
        for raw in batches:
            yield prepare(raw)
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    _widen(sender)
    process = context.Process(target=_produce, args=(sender, batches, prepare), daemon=True)
    try:
        process.start()
    except (AssertionError, OSError):  # e.g. inside a daemonic process, or out of processes
        receiver.close()
        sender.close()
        for raw in batches:
            yield prepare(raw)
        return
    sender.close()
    try:
        while True:
            try:
                item = receiver.recv()
            except EOFError:
                raise RuntimeError(f"import worker ended unexpectedly (exit code {process.exitcode})") from None
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        receiver.close()
        if process.is_alive():
            process.terminate()  # the import stopped early (an error): the child has nothing left to do
        process.join()
