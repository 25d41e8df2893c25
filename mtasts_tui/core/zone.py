"""TXT values as DNS zone files and provider web forms need them."""

from __future__ import annotations

from collections.abc import Sequence

TXT_STRING_LIMIT = 255
"""A TXT character-string holds at most 255 octets (RFC 1035 §3.3)."""


def split_txt(value: str, limit: int = TXT_STRING_LIMIT) -> list[str]:
    """Cut a TXT value into character-strings of at most ``limit`` bytes.

    Senders join the strings of one record without spaces (RFC 8461 §3.1, RFC 8460 §3), so the
    cut points do not matter to them. Cuts never split a UTF-8 sequence.
    """
    data = value.encode("utf-8")
    if not data:
        return [""]
    chunks: list[str] = []
    start = 0
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1
        chunks.append(data[start:end].decode("utf-8"))
        start = end
    return chunks


def quote_txt_string(chunk: str, *, octal: bool = False) -> str:
    """One zone-file character-string: quotes and backslashes escaped, other bytes as \\DDD.

    DDD is decimal as RFC 1035 says; Route 53 reads it as octal (``octal=True``).
    """
    out = []
    for byte in chunk.encode("utf-8"):
        ch = chr(byte)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= byte <= 0x7E:
            out.append(ch)
        else:
            out.append(f"\\{byte:03o}" if octal else f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def zone_txt_rdata(value: str) -> str:
    """``"part1" "part2"``: the RDATA of one TXT record in BIND syntax."""
    return " ".join(quote_txt_string(chunk) for chunk in split_txt(value))


def zone_line(owner: str, ttl: int, rrtype: str, rdata: str) -> str:
    return f"{owner:<32} {ttl:>6} IN {rrtype:<5} {rdata}"


def txt_strings_from_rdata(strings: Sequence[bytes]) -> list[str]:
    """dnspython hands TXT strings as bytes; show them as text without losing bad bytes."""
    return [s.decode("utf-8", errors="replace") for s in strings]
