"""Benchmark ``mtasts-tui reports`` on hostile inputs: linear time, flat memory.

For each input size it runs the real program in a child process and prints its wall time and peak
RSS (from ``wait4``), so a quadratic step or an unbounded buffer shows up as a curve:

- a gzip stream of many empty members (1, 4, 16 MB: the issue's 1 s / 14 s / never case);
- a tiny .json.gz that expands to millions of empty objects;
- an e-mail whose attachment is larger than the cap (streamed, not kept).

    .venv/bin/python bench/bench_hostile.py
"""

from __future__ import annotations

import base64
import gzip
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

MiB = 1024 * 1024


# Linux carries the peak RSS of the image a process had before exec into ru_maxrss, so the program
# is started by a tiny launcher (a few MB), not by this process, which holds the inputs.
_LAUNCHER = """
import os, sys
null = os.open(os.devnull, os.O_WRONLY)
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ,
                     file_actions=[(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)])
_, _, usage = os.wait4(pid, 0)
print(usage.ru_maxrss)
"""


PROGRAM = [sys.executable, "-m", "mtasts_tui", "reports"]


def run(path: Path) -> tuple[float, float]:
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-S", "-c", _LAUNCHER, *PROGRAM, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return time.monotonic() - start, int(done.stdout) / 1024


def empty_objects(size: int) -> bytes:
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    out = bytearray(comp.compress(b'{"policies":['))
    for _ in range(size // MiB):
        out += comp.compress(b"{}," * (MiB // 3))
    return bytes(out + comp.compress(b"{}]}") + comp.flush())


def big_attachment(size: int) -> bytes:
    body = base64.encodebytes(b"\x1f\x8b" + b"A" * size)
    return (
        b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n--b\n'
        b'Content-Type: application/tlsrpt+gzip; name="r.json.gz"\n'
        b"Content-Transfer-Encoding: base64\n\n" + body + b"--b--\n"
    )


def main() -> None:
    def members(n: int) -> bytes:
        return gzip.compress(b"") * (n * MiB // 20)

    cases = [
        *((f"gzip, {n} MB of empty members", "m.json.gz", members, n) for n in (1, 4, 16)),
        *((f"gzip of {n} MiB of {{}}", "o.json.gz", empty_objects, n * MiB) for n in (4, 19)),
        *((f"e-mail, {n} MiB attachment", "a.eml", big_attachment, n * MiB) for n in (8, 30, 60)),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'input':<36} {'file':>10} {'seconds':>8} {'peak RSS':>9}")
        for label, name, make, arg in cases:
            path = Path(tmp) / name
            path.write_bytes(make(arg))
            seconds, rss = run(path)
            size = path.stat().st_size / MiB
            print(f"{label:<36} {size:>8.2f}MB {seconds:>8.2f} {rss:>7.0f}MB")
            path.unlink()


if __name__ == "__main__":
    main()
