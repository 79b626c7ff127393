"""The index's per-row strings (names, identifiers) in one UTF-8 buffer: what is written is read back
(None, empty, CJK and astral characters), overwrites and growth keep every other row, and the buffer
is packed again once most of it is overwritten bytes."""

import random

import numpy as np
import pytest

from search.backends.database.strings import PackedStrings


def test_values_read_back_as_written():
    values = ["天府智算集群1", None, "", "NVIDIA A100 80GB", "CN.510000/A00000001K", "表情😀", "é" * 300]
    strings = PackedStrings()
    strings.extend(values[:3])
    for value in values[3:]:
        strings.append(value)
    assert len(strings) == len(values)
    assert [strings[at] for at in range(len(values))] == values
    assert list(strings) == strings.tolist() == values
    with pytest.raises(IndexError):
        strings[len(values)]


def test_overwrites_and_growth_keep_the_other_rows():
    rng = random.Random(13)
    expected = [f"集群{at}" if at % 7 else None for at in range(5000)]
    strings = PackedStrings()
    strings.reserve(100)
    for at in range(0, 5000, 999):  # chunks, growing past the reserved room
        strings.extend(expected[at : at + 999])
    for _ in range(20_000):
        at = rng.randrange(len(expected))
        expected[at] = rng.choice((None, "", f"改名{rng.random()}", "x" * rng.randrange(50)))
        strings[at] = expected[at]
    assert strings.tolist() == expected
    # as the index writes a read's rows: some overwritten, the new ones appended in order
    strings.put(np.array([3, 5000, 1, 5001]), ["三", "新1", None, "新2"])
    expected[3], expected[1] = "三", None
    assert strings.tolist() == [*expected, "新1", "新2"]


def test_overwritten_bytes_are_dropped_once_they_are_most_of_the_buffer():
    strings = PackedStrings()
    strings.extend(["a" * 100] * 100)  # 10,000 live bytes
    for _ in range(50):
        for at in range(100):
            strings[at] = "b" * 100
    # without packing 510,000 bytes would be held; at most half of the buffer is ever dead
    assert strings.nbytes() < 2 * 10_000 + 100 * 12 + 4096 + 100
    assert strings.tolist() == ["b" * 100] * 100


@pytest.mark.parametrize("extra", ["", "İstanbul 集群"])  # "İ" lowercases to two characters: row by row
def test_text_index_over_packed_strings_matches_brute_force_after_overwrites(extra):
    from search.backends.database.text_index import _TextIndex

    rng = random.Random(7)
    words = ["A100", "昇腾910B", "集群12", "H20", "边缘", "CN.510000/A0001K", "ÉCOLE", "", None, extra]
    values = [rng.choice(words) for _ in range(3000)]
    strings = PackedStrings()
    strings.extend(values)
    for _ in range(2500):  # most of the rows overwritten, some twice: old values stay in the buffer for a while
        at = rng.randrange(len(values))
        values[at] = rng.choice(words) if rng.random() < 0.7 else f"{rng.choice(words) or ''}{rng.randrange(99)}"
        strings[at] = values[at]
    text = _TextIndex([strings])
    for term in ["a100", "昇腾", "集群1", "h2", "边缘", "cn.510000/a", "école", "i̇stanbul", "12", "0", "zz", "1k"]:
        expected = [term in (value or "").lower() for value in values]
        assert text.mask(term).tolist() == expected, term
