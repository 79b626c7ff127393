"""GmSSL's trace lines kept off standard error.

GmSSL reports every failed check with ``error_print()``, a ``fprintf(stderr, "%s:%d:%s():\\n", ...)``
(``include/gmssl/error.h``). Whether it prints is decided when GmSSL is compiled (the ``DEBUG`` macro,
default 1, which the ``gmssl-pyx`` wheels keep); neither GmSSL nor ``gmssl_pyx`` offers a switch at run time,
and a signature that does not verify is such a failed check (``sm2_fast_verify``, ``sm2_verify_finish``).
Every forged or stale SM2 request therefore wrote two lines to the node's standard error.

So the one call that fails this way (``gmssl_pyx.sm2_verify``, which holds the GIL while it runs) runs with
file descriptor 2 pointed at a per-process scratch file. Narrowly and thread-safely:

- a process-wide lock: two verifications never swap descriptor 2 over each other;
- anything else written to descriptor 2 in that window (another thread between the swaps, a C library) is
  not lost: after the call, every captured line that is not a GmSSL trace line is written to the real
  standard error (only lines of the form ``<file>.c:<line>:<function>():`` are dropped);
- the scratch file is made once per process (a forked process makes its own) and emptied on each use.
"""

import os
import re
import tempfile
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

TRACE_LINE = re.compile(rb"^\S+\.c:\d+:\w+\(\):[^\n]*\n?$")  # error_print() / error_print_msg()
_lock = threading.Lock()
_scratch: dict[int, int] = {}  # process id -> descriptor of its scratch file


def _scratch_fd() -> int:
    pid = os.getpid()
    if pid not in _scratch:
        _scratch.clear()  # one inherited through a fork is the parent's
        with tempfile.TemporaryFile(prefix="gmssl-stderr-") as handle:  # unlinked: the duplicate keeps it
            _scratch[pid] = os.dup(handle.fileno())
    return _scratch[pid]


def without_trace(call: Callable[..., T], *args) -> T:
    """``call(*args)`` with GmSSL's trace lines kept off standard error (everything else written meanwhile
    still reaches it)."""
    with _lock:
        scratch = _scratch_fd()
        os.ftruncate(scratch, 0)
        os.lseek(scratch, 0, os.SEEK_SET)
        saved = os.dup(2)
        os.dup2(scratch, 2)
        try:
            return call(*args)
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            _pass_on(scratch)


def _pass_on(scratch: int) -> None:
    size = os.lseek(scratch, 0, os.SEEK_END)
    if not size:
        return
    os.lseek(scratch, 0, os.SEEK_SET)
    captured = os.read(scratch, size)
    kept = b"".join(line for line in captured.splitlines(keepends=True) if not TRACE_LINE.match(line))
    if kept:
        os.write(2, kept)
