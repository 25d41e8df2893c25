"""Generators of hostile inputs: small to store, expensive to read naively."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from collections.abc import Iterable
from typing import Any


def report(report_id: str = "r-1", *, domain: str = "example.com", **over: Any) -> dict[str, Any]:
    """A valid RFC 8460 report with one sts policy: 90 successful and 10 failed sessions."""
    doc: dict[str, Any] = {
        "organization-name": "Sender Inc.",
        "contact-info": "tlsrpt@sender.example",
        "report-id": report_id,
        "date-range": {
            "start-datetime": "2026-03-01T00:00:00Z",
            "end-datetime": "2026-03-01T23:59:59Z",
        },
        "policies": [
            {
                "policy": {"policy-type": "sts", "policy-domain": domain},
                "summary": {
                    "total-successful-session-count": 90,
                    "total-failure-session-count": 10,
                },
                "failure-details": [
                    {
                        "result-type": "certificate-expired",
                        "receiving-mx-hostname": f"mx.{domain}",
                        "failed-session-count": 10,
                    }
                ],
            }
        ],
    }
    doc.update(over)
    return doc


def report_bytes(report_id: str = "r-1", **over: Any) -> bytes:
    return json.dumps(report(report_id, **over)).encode()


def raw_zip(members: Iterable[tuple[str, bytes]], *, claim: int | None = None) -> bytes:
    """A stored (uncompressed) zip, built by hand: fast for tens of thousands of members.

    ``claim`` overrides the member count in the end record (a lying archive).
    """
    local = bytearray()
    central = bytearray()
    n = 0
    for name, data in members:
        raw = name.encode()
        crc = zlib.crc32(data)
        offset = len(local)
        local += struct.pack(
            "<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0, crc, len(data), len(data), len(raw), 0
        )
        local += raw + data
        central += struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            20,
            20,
            0,
            0,
            0,
            0,
            crc,
            len(data),
            len(data),
            len(raw),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += raw
        n += 1
    count = n if claim is None else claim
    end = b""
    if count > 0xFFFE:  # zip64: the real count is in the zip64 end record
        at = len(local) + len(central)
        end += struct.pack(
            "<4sQHHIIQQQQ",
            b"PK\x06\x06",
            44,
            45,
            45,
            0,
            0,
            count,
            count,
            len(central),
            len(local),
        )
        end += struct.pack("<4sIQI", b"PK\x06\x07", 0, at, 1)
        count = 0xFFFF
    end += struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, len(central), len(local), 0)
    return bytes(local + central + end)


def gzip_bomb(size: int, unit: bytes = b" ") -> bytes:
    """gzip of ``size`` bytes of ``unit`` repeated, compressed at 1:1000 or so."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = unit * (1024 * 1024 // len(unit))
    out = bytearray()
    left = size
    while left > 0:
        piece = block[: min(left, len(block))]
        out += comp.compress(piece)
        left -= len(piece)
    out += comp.flush()
    return bytes(out)


def gzip_wrapped(prefix: bytes, unit: bytes, count: int, suffix: bytes) -> bytes:
    """gzip of ``prefix + unit * count + suffix`` without building it in memory."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    out = bytearray(comp.compress(prefix))
    per = max(1, (1024 * 1024) // len(unit))
    left = count
    while left > 0:
        k = min(left, per)
        out += comp.compress(unit * k)
        left -= k
    out += comp.compress(suffix) + comp.flush()
    return bytes(out)


def mime_message(
    attachments: Iterable[tuple[str, str, bytes]],
    *,
    headers: str = "From: reporter@sender.example\nTo: tlsrpt@example.com\n",
    boundary: str = "=-=hostile=-=",
) -> bytes:
    """A multipart/report-ish message; each (content type, file name, body) base64-encoded."""
    out = bytearray(
        (
            f"{headers}Subject: Report\nMIME-Version: 1.0\n"
            f'Content-Type: multipart/mixed; boundary="{boundary}"\n\n'
            f"--{boundary}\nContent-Type: text/plain\n\nThis is a TLS report.\n"
        ).encode()
    )
    for ctype, filename, body in attachments:
        out += (
            f"--{boundary}\nContent-Type: {ctype}\n"
            f'Content-Disposition: attachment; filename="{filename}"\n'
            "Content-Transfer-Encoding: base64\n\n"
        ).encode()
        out += base64.encodebytes(body)
    out += f"--{boundary}--\n".encode()
    return bytes(out)


def mbox(messages: Iterable[bytes]) -> bytes:
    out = bytearray()
    for message in messages:
        out += b"From reporter@sender.example Sun Mar  1 00:00:00 2026\n" + message
        if not message.endswith(b"\n"):
            out += b"\n"
        out += b"\n"
    return bytes(out)
