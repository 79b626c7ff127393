"""One background worker per asyncio event loop, started by its first client, woken from any thread.

The live drain (search.live.drain) and the tiles poller (monitoring.tiles_poller) each run one task
per ASGI process (per event loop) that polls the database for the sockets of that loop. A worker
class gives ``__init__(loop)``, ``start()`` (creates ``self.task``), ``wake`` (an ``asyncio.Event``)
and ``clients`` (a count its task reads to stop when idle); ``LoopWorkers`` keeps one per loop.
"""

import asyncio
import contextlib
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

Worker = TypeVar("Worker")


class LoopWorkers(Generic[Worker]):
    def __init__(self, factory: Callable[[asyncio.AbstractEventLoop], Worker]):
        self.factory = factory
        self.workers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Worker] = weakref.WeakKeyDictionary()

    def attach(self) -> Worker:
        """A client connected: make sure this loop's worker runs, and count the client."""
        loop = asyncio.get_running_loop()
        worker = self.workers.get(loop)
        if worker is None or worker.task is None or worker.task.done():
            worker = self.factory(loop)
            self.workers[loop] = worker
            worker.start()
        worker.clients += 1
        return worker

    @staticmethod
    def detach(worker: Worker) -> None:
        worker.clients -= 1

    def wake_all(self) -> None:
        """Called (from any thread) after this process changed what the workers poll: poll now."""
        try:
            workers = list(self.workers.items())
        except RuntimeError:  # changed while copied (another loop started its worker): nothing to wake there
            return
        for loop, worker in workers:
            try:
                loop.call_soon_threadsafe(worker.wake.set)
            except RuntimeError:  # the loop is closed
                self.workers.pop(loop, None)

    async def stop(self) -> None:
        """Stop the worker of the running loop (tests, shutdown)."""
        worker = self.workers.pop(asyncio.get_running_loop(), None)
        if worker and worker.task and not worker.task.done():
            worker.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker.task
