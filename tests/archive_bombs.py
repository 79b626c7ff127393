"""Small, cheap decompression bombs for tests: megabytes of spaces deflate to a few kB."""

import io
import zipfile


def inflated(archive: bytes, member: str, *, spaces: int, before: bytes) -> bytes:
    """``archive`` with ``spaces`` spaces inserted into ``member`` before the bytes ``before``."""
    source = zipfile.ZipFile(io.BytesIO(archive))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == member:
                head, tail = data.rsplit(before, 1)
                data = head + b" " * spaces + before + tail
            target.writestr(info.filename, data)
    return buffer.getvalue()


def many_members(count: int, *, first: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name, data in (first or {}).items():
            target.writestr(name, data)
        for number in range(count):
            target.writestr(f"x/{number}.xml", b"")
    return buffer.getvalue()
