"""Our DEFLATE encoder writes streams any inflater reads back, the same bytes on every run.

Oracles besides our own code: zlib's inflater reads every stream back to its input, ends
exactly at the stream's end and finds nothing after it; the bits of three tiny streams are
derived by hand from RFC 1951's fixed Huffman tables, not from the encoder's tables. That two
interpreters with different hash seeds produce the same bytes starts processes, so it is checked
in tests/engines/test_deflate_interpreters.py.
"""

from __future__ import annotations

import random
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constructs_lib.deflate import deflate
from support.lambda_code import LAMBDA_SOURCES, ROOT

WINDOW = 32768


def inflate(stream: bytes) -> bytes:
    """zlib's reading of a raw DEFLATE stream, which must end with its last block and hold
    nothing after it."""
    reader = zlib.decompressobj(wbits=-15)
    data = reader.decompress(stream) + reader.flush()
    assert reader.eof, "the stream has no final block"
    assert reader.unused_data == b"", f"{len(reader.unused_data)} bytes after the final block"
    return data


def assert_round_trip(data: bytes) -> bytes:
    stream = deflate(data)
    assert inflate(stream) == data
    # BFINAL=1 then BTYPE=01 (fixed Huffman), in the first byte's three low bits.
    assert stream[0] & 0b111 == 0b011
    return stream


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # Bits in the order they are sent; a byte is filled from its least significant bit.
        # Header: BFINAL=1, then BTYPE=01 least significant bit first: 1, 1, 0.
        # End of block, symbol 256: 7-bit code 0000000, most significant bit first.
        # Stream: 1 1 0 | 0 0 0 0 0 0 0 = 10 bits; byte 0 = bits 0-7 = 0b00000011, byte 1 = 0.
        (b"", "0300"),
        # 'a' = 97, a literal in 0-143: 8-bit code 0x30 + 97 = 0x91 = 1001 0001, sent as
        # 1 0 0 1 0 0 0 1 after the header, then end of block.
        # Bits 0-7: 1 1 0 | 1 0 0 1 0 -> 1 + 2 + 8 + 64 = 0x4b; bits 8-15: 0 0 1 | 0 0 0 0 0 -> 0x04;
        # bits 16-17: 0 0 -> 0x00.
        (b"a", "4b0400"),
        # 'a', then the other nine as a copy of length 9 at distance 1 (the 3 bytes at
        # position 1 first occurred at position 0; nothing longer is possible).
        # Length 9: symbol 263 (257 + 9 - 3, no extra bits), 7-bit code 263 - 256 = 0000111.
        # Distance 1: code 0, 5 bits 00000, no extra bits. End of block: 0000000.
        # Bits: 110 | 10010001 | 0000111 | 00000 | 0000000 (30 bits)
        # bits 0-7: 1 1 0 1 0 0 1 0 -> 0x4b; bits 8-15: 0 0 1 0 0 0 0 1 -> 4 + 128 = 0x84;
        # bits 16-23: 1 1 0 0 0 0 0 0 -> 0x03; bits 24-29: 0 -> 0x00.
        (b"a" * 10, "4b840300"),
    ],
)
def test_tiny_streams_are_the_bits_rfc_1951_prescribes(data: bytes, expected: str) -> None:
    assert deflate(data).hex() == expected
    assert inflate(bytes.fromhex(expected)) == data


@pytest.mark.parametrize("data", [b"", b"x", b"xy", b"xyz", b"xyzx", b"\x00\xff", b"\xff" * 3, bytes(range(256))])
def test_inputs_shorter_than_a_match_or_without_repeats(data: bytes) -> None:
    assert_round_trip(data)


def repeats() -> st.SearchStrategy[bytes]:
    """Pieces of a small alphabet repeated: many candidates, matches of every length."""
    piece = st.binary(min_size=1, max_size=12)
    return st.lists(st.tuples(piece, st.integers(1, 60)), max_size=25).map(
        lambda parts: b"".join(chunk * times for chunk, times in parts)
    )


def runs() -> st.SearchStrategy[bytes]:
    """Runs of one byte longer than the longest match (258), between other bytes."""
    return st.tuples(st.binary(max_size=40), st.integers(0, 255), st.integers(259, 3000), st.binary(max_size=40)).map(
        lambda t: t[0] + bytes([t[1]]) * t[2] + t[3]
    )


@st.composite
def copies(draw: st.DrawFn) -> bytes:
    """Random bytes, then slices of what came before at random distances: matches that
    overlap themselves, sit at the window's edge or just beyond it."""
    data = bytearray(draw(st.binary(min_size=1, max_size=200)))
    for _ in range(draw(st.integers(1, 12))):
        if draw(st.booleans()):
            data += draw(st.binary(max_size=50))
        start = draw(st.integers(0, len(data) - 1))
        length = draw(st.integers(1, 300))
        # Overlapping copies, like a run: the decoder repeats the last `distance` bytes.
        data += bytes(data[start + i % (len(data) - start)] for i in range(length))
    return bytes(data)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=3000), repeats(), runs(), copies()))
def test_zlib_inflates_every_stream_back_to_its_input(data: bytes) -> None:
    assert_round_trip(data)


@settings(max_examples=30, deadline=None)
@given(st.integers(WINDOW - 3, WINDOW + 3), st.integers(3, 300), st.integers(0, 2**32))
def test_copies_near_the_edge_of_the_window(distance: int, length: int, seed: int) -> None:
    block = random.Random(seed).randbytes(distance)
    assert_round_trip(block + block[:length])


# RFC 1951 3.2.5: the first distance of each distance code, and one past the last.
DISTANCE_CODE_EDGES = (1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025,
                       1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577, 32769)


def test_every_match_length() -> None:
    rng = random.Random(3)
    block = rng.randbytes(300)
    for length in range(3, 259):
        # The copy ends where the next byte differs from the original's next byte.
        assert_round_trip(block + block[:length] + bytes([block[length] ^ 0xFF]))


@pytest.mark.parametrize(
    "distance",
    sorted({d for edge in DISTANCE_CODE_EDGES for d in (edge - 1, edge, edge + 1) if 1 <= d <= WINDOW}),
)
def test_the_first_and_last_distance_of_every_distance_code(distance: int) -> None:
    marker = bytes(random.Random(distance).randrange(1, 256) for _ in range(12))
    if distance > len(marker):
        # Zeros between the two markers: the marker's only earlier occurrence is `distance` back.
        data = marker + bytes(distance - len(marker)) + marker
    else:
        data = marker[:distance] * (len(marker) // distance + 2)
    assert_round_trip(data)


def test_a_copy_at_distance_32768_is_a_match_and_at_32769_is_not() -> None:
    """Random bytes do not repeat, so the only long match is the copy itself: within reach
    it costs a few bytes, one byte beyond it costs at least a byte per byte."""
    rng = random.Random(20261123)
    for distance, within_reach in ((WINDOW, True), (WINDOW + 1, False)):
        block = rng.randbytes(distance)
        copy = block[:258]
        extra = len(assert_round_trip(block + copy)) - len(assert_round_trip(block))
        if within_reach:
            assert extra <= 5, extra
        else:
            assert extra >= 250, extra


def test_inputs_longer_than_several_windows() -> None:
    """Long enough that the encoder drops strings that fell out of the window, in text
    (mostly matches) and in random bytes (only literals)."""
    rng = random.Random(7)
    words = [rng.randbytes(rng.randint(2, 9)).hex().encode() for _ in range(400)]
    text = b" ".join(rng.choice(words) for _ in range(20_000))
    assert len(text) > 5 * WINDOW
    assert_round_trip(text)
    assert_round_trip(rng.randbytes(5 * WINDOW))


@pytest.mark.parametrize("path", LAMBDA_SOURCES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_lambda_sources_round_trip_about_as_small_as_zlibs_fixed_huffman_mode(path: Path) -> None:
    data = path.read_bytes()
    stream = assert_round_trip(data)
    fixed = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_FIXED)
    assert len(stream) <= 1.1 * len(fixed.compress(data) + fixed.flush())


def test_bytes_like_inputs_give_the_stream_of_their_bytes() -> None:
    data = b"abcabcabcabc-abcabc"
    assert deflate(bytearray(data)) == deflate(memoryview(data)) == deflate(data)
