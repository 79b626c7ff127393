"""Giving the memory a build freed back to the operating system."""

import ctypes
import functools


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None (musl, macOS: no such function)."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> None:
    """Return the free pages of every malloc arena to the OS (glibc ``malloc_trim(0)``).

    Building the index allocates and frees far more than it keeps (fetched rows, sort temporaries),
    in the thread that builds it (the warm-up's: its own malloc arena); glibc keeps most of those
    freed pages mapped, so the process's resident memory stays near the build's peak. One call
    after a build costs a few milliseconds and a no-op where glibc is not the allocator."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
