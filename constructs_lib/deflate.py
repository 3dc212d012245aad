"""A raw DEFLATE (RFC 1951) encoder whose output depends only on the input bytes and this code.

Standard library only, integers only, no cdktf.

Why not zlib: a zip's bytes are Terraform's `source_code_hash`, and zlib's output is not
specified, only its decompression is. zlib-ng (Fedora's zlib, CPython 3.14's bundled zlib on
Windows) and zlib itself, even at the same level, pick different matches for the same input,
so a zlib-deflated Lambda zip would "change" between machines that hold the same code. This
encoder makes every choice itself, so the same input gives the same stream on every machine
and Python version; any conforming inflater (zlib, unzip, Lambda) reads it.

How: LZ77 over a 32 KiB window with hash chains keyed by the exact 3 bytes at each position
(no hash collisions to rule out), at most `_MAX_CHAIN` (32) candidates per position, the longest
match winning and the nearest one among equals (candidates are visited nearest first and
only a longer match replaces the best). Matching is greedy: the longest match at the
current position is taken, with no look-ahead for a better one a byte later. Match lengths
are found by comparing slices (doubling the length, then a binary search), not byte by
byte in Python. The tokens go out in a single fixed-Huffman block (BTYPE=01, BFINAL=1): no
code tables to build or send, no size limit, and a second block would only add its header
and end code.

What it costs, measured in CPython 3.11 on one core of a 2-core AMD EPYC VM: about 1 MB/s
of text (the verifier's two files, 32.6 KB, in ~25 ms; 1 MiB of Python source and prose in
~1 s), 1.4 MB/s of random bytes, 4 MB/s of long runs. The output is ~1.2x what zlib -9
reaches on Python source and ~3% more than zlib's own fixed-Huffman mode (the verifier:
12.6 KB, against 10.5 KB and 12.2 KB). Bytes that do not repeat (compressed archives,
images) come out ~5% larger than they went in; `assets.build_zip` stores such entries. For
tens of MB of vendored dependencies, deflating takes tens of seconds at every synth: store
them instead (`build_zip(..., compress=False)`, `PythonFunctionProps.compress_code=False`),
which Lambda's 50 MB limit for a direct upload usually allows.
"""

from __future__ import annotations

__all__ = ["deflate"]

WINDOW = 32768
MIN_MATCH = 3
MAX_MATCH = 258
# Candidates tried per position. More finds slightly longer matches in more time: 128 makes
# the verifier's zip 0.5% smaller and 1 MB of source and prose 1.5% smaller, at ~15% more
# time. Changing it changes the bytes of every zip, hence every function's source_code_hash.
_MAX_CHAIN = 32
_WINDOW_MASK = WINDOW - 1

# RFC 1951 3.2.5: (first length, extra bits) of length codes 257..285, and (first
# distance, extra bits) of distance codes 0..29.
_LENGTH_CODES = (
    (3, 0), (4, 0), (5, 0), (6, 0), (7, 0), (8, 0), (9, 0), (10, 0),
    (11, 1), (13, 1), (15, 1), (17, 1), (19, 2), (23, 2), (27, 2), (31, 2),
    (35, 3), (43, 3), (51, 3), (59, 3), (67, 4), (83, 4), (99, 4), (115, 4),
    (131, 5), (163, 5), (195, 5), (227, 5), (258, 0),
)
_DISTANCE_CODES = (
    (1, 0), (2, 0), (3, 0), (4, 0), (5, 1), (7, 1), (9, 2), (13, 2), (17, 3), (25, 3),
    (33, 4), (49, 4), (65, 5), (97, 5), (129, 6), (193, 6), (257, 7), (385, 7),
    (513, 8), (769, 8), (1025, 9), (1537, 9), (2049, 10), (3073, 10), (4097, 11),
    (6145, 11), (8193, 12), (12289, 12), (16385, 13), (24577, 13),
)


def _reversed(code: int, length: int) -> int:
    # Huffman codes are sent most significant bit first into a stream that is otherwise
    # filled from each byte's least significant bit (RFC 1951 3.1.1), so each code is stored
    # bit-reversed and every write is then a plain shift into the accumulator.
    result = 0
    for _ in range(length):
        result = (result << 1) | (code & 1)
        code >>= 1
    return result


def _fixed_literal_length_code(symbol: int) -> tuple[int, int]:
    """(code, bit length) of a literal/length symbol in the fixed Huffman code, RFC 1951 3.2.6."""
    if symbol < 144:
        return 0b00110000 + symbol, 8
    if symbol < 256:
        return 0b110010000 + symbol - 144, 9
    if symbol < 280:
        return symbol - 256, 7
    return 0b11000000 + symbol - 280, 8


def _symbol_bits(symbol: int) -> tuple[int, int]:
    code, length = _fixed_literal_length_code(symbol)
    return _reversed(code, length), length


# Per literal byte and per match length: the bits to send (Huffman code followed by the
# extra bits, already combined) and how many there are.
_LITERAL_BITS: tuple[tuple[int, int], ...] = tuple(_symbol_bits(byte) for byte in range(256))
_END_OF_BLOCK = _symbol_bits(256)


def _length_table() -> tuple[tuple[int, int], ...]:
    table: list[tuple[int, int]] = [(0, 0)] * MIN_MATCH
    for offset, (first, extra) in enumerate(_LENGTH_CODES):
        code, code_length = _symbol_bits(257 + offset)
        # Length 258 could also be code 284 with all extra bits set, which RFC 1951's table
        # leaves out and some inflaters refuse; it is code 285 only.
        last = MAX_MATCH - 1 if offset == len(_LENGTH_CODES) - 2 else first + (1 << extra) - 1
        for length in range(first, last + 1):
            table.append((code | (length - first) << code_length, code_length + extra))
    return tuple(table)


def _distance_code_table() -> tuple[int, ...]:
    # zlib's trick instead of a 32,768-entry table (~10 ms to build at every import): every
    # distance code above 256 starts one after a multiple of 128, so (distance - 1) >> 7
    # tells those codes apart. Entries 0-255 are distances 1-256, entries 256-511 hold the
    # codes of (distance - 1) >> 7 for larger ones.
    table = [0] * 512
    for number, (first, extra) in enumerate(_DISTANCE_CODES):
        for distance in range(first, first + (1 << extra)):
            index = distance - 1 if distance <= 256 else 256 + ((distance - 1) >> 7)
            table[index] = number
    return tuple(table)


_LENGTH_BITS = _length_table()
_DISTANCE_CODE = _distance_code_table()
# Per distance code: its 5 bits reversed (the fixed code sends every distance code in 5
# bits), its first distance, and the bits it takes with its extra bits.
_DISTANCE_SYMBOLS = tuple(
    (_reversed(number, 5), first, 5 + extra) for number, (first, extra) in enumerate(_DISTANCE_CODES)
)


def deflate(data: bytes) -> bytes:
    """`data` as one raw DEFLATE stream (no zlib or gzip header): what a zip's method-8 entry
    holds and `zlib.decompress(stream, wbits=-15)` reads back. A pure function of `data`."""
    data = bytes(data)
    size = len(data)
    out = bytearray()
    # The header is BFINAL=1 then BTYPE=01 (fixed Huffman), each field least significant bit first.
    bits = 0b011
    count = 3
    literal_bits = _LITERAL_BITS
    length_bits = _LENGTH_BITS
    distance_codes = _DISTANCE_CODE
    distance_symbols = _DISTANCE_SYMBOLS
    # head: the latest position of each 3-byte string; previous[p % WINDOW]: the position of
    # the same string before p. A slot is rewritten only WINDOW positions later, when its old
    # entry is out of reach anyway.
    head: dict[bytes, int] = {}
    previous = [0] * WINDOW
    last_start = size - MIN_MATCH  # the last position where a 3-byte string starts
    position = 0
    # Entries further back than any reachable match are dropped now and then, so the dict
    # holds at most three windows' worth of strings however long the input is.
    next_prune = 4 * WINDOW
    while position < size:
        best_length = best_distance = 0
        if position <= last_start:
            key = data[position : position + MIN_MATCH]
            candidate = newest = head.get(key, -1)
            lowest = position - WINDOW if position > WINDOW else 0
            if candidate >= lowest:
                limit = size - position if size - position < MAX_MATCH else MAX_MATCH
                chain = _MAX_CHAIN
                while candidate >= lowest and chain:
                    # A candidate can only win by agreeing one byte beyond the best so far.
                    if best_length == 0 or (
                        data[candidate + best_length] == data[position + best_length]
                        and data[candidate : candidate + best_length] == data[position : position + best_length]
                    ):
                        # Equal for `low` bytes (the key guarantees 3). Most matches are short,
                        # so the bound doubles from there before a binary search between.
                        low = best_length + 1 if best_length else MIN_MATCH
                        high = limit
                        while low < high:
                            probe = low << 1 if low << 1 < high else high
                            if data[candidate : candidate + probe] == data[position : position + probe]:
                                low = probe
                            else:
                                high = probe - 1
                                break
                        while low < high:
                            middle = (low + high + 1) >> 1
                            if data[candidate : candidate + middle] == data[position : position + middle]:
                                low = middle
                            else:
                                high = middle - 1
                        best_length = low
                        best_distance = position - candidate
                        if low == limit:
                            break
                    candidate = previous[candidate & _WINDOW_MASK]
                    chain -= 1
            # Linked in only now: at distance WINDOW a candidate shares this position's slot.
            previous[position & _WINDOW_MASK] = newest
            head[key] = position
        if best_length:
            code, code_count = length_bits[best_length]
            distance_code, first, distance_count = distance_symbols[
                distance_codes[best_distance - 1 if best_distance <= 256 else 256 + ((best_distance - 1) >> 7)]
            ]
            bits |= (code | (distance_code | (best_distance - first) << 5) << code_count) << count
            count += code_count + distance_count
            end = position + best_length
            # The strings starting inside the match are candidates for later positions too.
            for start in range(position + 1, end if end <= last_start else last_start + 1):
                key = data[start : start + MIN_MATCH]
                previous[start & _WINDOW_MASK] = head.get(key, -1)
                head[key] = start
            position = end
        else:
            code, code_count = literal_bits[data[position]]
            bits |= code << count
            count += code_count
            position += 1
        if count >= 32:
            out += (bits & 0xFFFFFFFF).to_bytes(4, "little")
            bits >>= 32
            count -= 32
        if position >= next_prune:
            reach = position - WINDOW
            head = {key: start for key, start in head.items() if start >= reach}
            next_prune = position + 2 * WINDOW
    code, code_count = _END_OF_BLOCK
    bits |= code << count
    count += code_count
    out += bits.to_bytes((count + 7) // 8, "little")
    return bytes(out)
