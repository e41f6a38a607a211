"""Base45 (RFC 9285): bytes as QR-code alphanumeric text, strict on decoding.

Two bytes ``a, b`` become ``n = 256 a + b`` written as three characters ``c, d, e`` with
``n = c + 45 d + 45^2 e``; a last single byte becomes two characters. The 45 characters are
exactly the QR alphanumeric set, which packs 11 bits per two characters: 1.5 characters and
8.25 bits of QR data per byte, against 8 bits per byte in byte mode but readable by any scanner.
:func:`b45decode` refuses any other character, a length of the form ``3k + 1``, and groups
above ``65535`` (or ``255`` for the last pair): every text decodes to at most one byte string.
"""

from __future__ import annotations

__all__ = ["ALPHABET", "b45encode", "b45decode"]

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}


def b45encode(data: bytes) -> str:
    """Encode ``data`` in base45."""
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        out += [ALPHABET[n % 45], ALPHABET[n // 45 % 45], ALPHABET[n // 2025]]
    if len(data) % 2:
        n = data[-1]
        out += [ALPHABET[n % 45], ALPHABET[n // 45]]
    return "".join(out)


def b45decode(text: str) -> bytes:
    """Decode base45 text; raise :class:`ValueError` saying where it is not base45."""
    if len(text) % 3 == 1:
        raise ValueError(f"a base45 text has 3k or 3k + 2 characters (got {len(text)})")
    out = bytearray()
    for i in range(0, len(text), 3):
        group = text[i:i + 3]
        try:
            digits = [_VALUE[c] for c in group]
        except KeyError as exc:
            raise ValueError(f"character {exc.args[0]!r} at {i + group.index(exc.args[0])}"
                             " is not base45") from None
        n = sum(d * 45**k for k, d in enumerate(digits))
        if len(group) == 3:
            if n > 0xFFFF:
                raise ValueError(f"group {group!r} at {i} is above 65535")
            out += bytes([n >> 8, n & 0xFF])
        else:
            if n > 0xFF:
                raise ValueError(f"final pair {group!r} at {i} is above 255")
            out.append(n)
    return bytes(out)
