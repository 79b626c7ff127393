"""Per-row strings of the columnar index (names, identifiers), packed."""

import numpy as np

# A buffer is packed again once more than this share of it belongs to overwritten values.
DEAD_SHARE = 0.5


class PackedStrings:
    """A list of ``str | None`` held as one UTF-8 buffer with a start and a length per row (-1: None).

    A Python ``str`` per row costs 50–75 bytes of object header and a list pointer beside its
    characters; at 100,000 names and identifiers those were the largest part of the index
    (18 MB of 64 MB, ``make bench-search``), and they were scattered among the build's temporaries,
    so the allocator could not give those pages back. Here a row costs its UTF-8 bytes and 12
    bytes of offsets. Reading a row decodes it (a page of documents reads 20); overwriting one
    appends its new bytes, and the buffer is packed again when more than ``DEAD_SHARE`` of it is
    overwritten bytes. Every value (also None, as empty) is followed by a newline, so that the free
    text index can decode and lowercase the whole buffer at once (``layout``)."""

    def __init__(self):
        self._buffer = bytearray()
        self._starts = np.zeros(0, dtype=np.int64)
        self._lengths = np.zeros(0, dtype=np.int32)
        self._size = 0
        self._dead = 0

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, position: int) -> str | None:
        if not 0 <= position < self._size:
            raise IndexError(position)
        length = int(self._lengths[position])
        if length < 0:
            return None
        start = int(self._starts[position])
        return self._buffer[start : start + length].decode()

    def __setitem__(self, position: int, value: str | None) -> None:
        if not 0 <= position < self._size:
            raise IndexError(position)
        self._dead += max(0, int(self._lengths[position])) + 1
        data = b"" if value is None else value.encode()
        self._starts[position] = len(self._buffer)
        self._lengths[position] = -1 if value is None else len(data)
        self._buffer += data + b"\n"
        if self._dead > 4096 and self._dead > len(self._buffer) * DEAD_SHARE:
            self._pack()

    def __iter__(self):
        """The values one by one (decoded as they are read: no list of them all at once)."""
        buffer = bytes(self._buffer)
        for start, length in zip(
            self._starts[: self._size].tolist(), self._lengths[: self._size].tolist(), strict=True
        ):
            yield None if length < 0 else buffer[start : start + length].decode()

    def reserve(self, capacity: int) -> None:
        """Room for ``capacity`` rows' offsets (the index reserves its capacity before loading)."""
        if capacity > len(self._starts):
            self._starts = np.resize(self._starts, capacity)
            self._lengths = np.resize(self._lengths, capacity)

    def append(self, value: str | None) -> None:
        self.extend([value])

    def extend(self, values) -> None:
        values = list(values)
        count = len(values)
        if not count:
            return
        encoded = [b"" if value is None else value.encode() for value in values]
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=count)
        if self._size + count > len(self._starts):
            self.reserve(max(self._size + count, len(self._starts) + len(self._starts) // 4, 16))
        end = self._size + count
        self._starts[self._size : end] = len(self._buffer) + np.cumsum(lengths + 1) - (lengths + 1)
        self._lengths[self._size : end] = lengths
        self._lengths[self._size : end][np.array([value is None for value in values])] = -1
        self._buffer += b"\n".join(encoded) + b"\n"
        self._size = end

    def put(self, positions: np.ndarray, values) -> None:
        """Write ``values`` at these row positions; the positions from ``len(self)`` on are new rows
        (appended in the order given, as the index places new ids)."""
        values = list(values)
        count = len(values)
        if (
            count
            and positions[0] == self._size
            and bool(np.all(positions == np.arange(self._size, self._size + count)))
        ):
            self.extend(values)
            return
        for position, value in zip(positions.tolist(), values, strict=True):
            if position == self._size:
                self.append(value)
            else:
                self[position] = value

    def tolist(self) -> list[str | None]:
        return list(self)

    def layout(self) -> tuple[str, np.ndarray, np.ndarray]:
        """The whole buffer decoded (every value followed by a newline; overwritten values still in
        it), and each row's first and end character in that text (None: empty)."""
        text = self._buffer.decode()
        starts = self._starts[: self._size]
        lengths = np.maximum(self._lengths[: self._size], 0).astype(np.int64)
        if len(text) == len(self._buffer):  # ASCII: a character per byte
            return text, starts.copy(), starts + lengths
        # characters before a byte = the bytes before it that do not continue a UTF-8 sequence
        data = np.frombuffer(self._buffer, dtype=np.uint8)
        following = ((data & 0xC0) == 0x80).view(np.uint8)
        del data  # (a view of the buffer: the buffer cannot grow while it lives)
        order = np.argsort(starts, kind="stable")
        begins, ends = starts[order], starts[order] + lengths[order]
        bounds = np.empty(2 * len(order), dtype=np.int64)
        bounds[0::2], bounds[1::2] = begins, ends  # (a newline follows every value: increasing)
        spans = np.add.reduceat(following, bounds, dtype=np.int64) if len(order) else np.zeros(0, np.int64)
        inside = np.where(lengths[order] > 0, spans[0::2], 0)  # (reduceat of an empty span: one element)
        before = np.cumsum(inside + spans[1::2]) - inside - spans[1::2]
        if len(order):
            before += int(following[: begins[0]].sum(dtype=np.int64))
        first = np.empty(len(order), dtype=np.int64)
        last = np.empty(len(order), dtype=np.int64)
        first[order] = begins - before
        last[order] = ends - before - inside
        return text, first, last

    def nbytes(self) -> int:
        return len(self._buffer) + self._starts.nbytes + self._lengths.nbytes

    def _pack(self) -> None:
        """Drop the overwritten bytes: the live values again in one buffer, in row order."""
        values = self.tolist()
        self._buffer = bytearray()
        self._size = 0
        self._dead = 0
        self.extend(values)
