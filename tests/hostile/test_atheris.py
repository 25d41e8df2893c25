"""Runs the coverage-guided fuzzer (``fuzz_atheris.py``) for a bounded time in the suite.

Skipped with the reason when atheris is not installed (it ships wheels for Linux x86-64 only).
Raise ``MTASTS_ATHERIS_SECONDS`` for a longer run.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

SECONDS = int(os.environ.get("MTASTS_ATHERIS_SECONDS", "6"))
SCRIPT = Path(__file__).with_name("fuzz_atheris.py")
SEEDS = [
    b"\x00version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 86400\r\n",
    b"\x01v=STSv1; id=20260301T000000Z\x00v=TLSRPTv1; rua=mailto:a@example.com",
    b'\x02{"organization-name": "o", "report-id": "r", "policies": [{"policy": {"policy-type":'
    b' "sts", "policy-domain": "example.com"}, "summary": {"total-successful-session-count":'
    b' 1, "total-failure-session-count": 2}, "failure-details": [{"result-type": "x",'
    b' "failed-session-count": 2}]}], "date-range": {"start-datetime":'
    b' "9999-12-31T23:00:00-05:00"}}',
    b'\x03Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: application/json\n'
    b"Content-Transfer-Encoding: base64\n\neyJhIjogMX0=\n--b--\n",
    b"\x04\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xabV*\xceO\xadT\xb2R0\xac\x05\x00\x0b\xa6"
    b"\x19\x8b\x0c\x00\x00\x00",
]


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris is not installed")
def test_parsers_survive_coverage_guided_fuzzing(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, seed in enumerate(SEEDS):
        (corpus / f"seed{i}").write_bytes(seed)
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            f"-max_total_time={SECONDS}",
            "-rss_limit_mb=1024",
            "-timeout=10",
            "-max_len=4096",
            str(corpus),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=SECONDS + 60,
        check=False,
    )
    tail = done.stderr[-4000:]
    assert done.returncode == 0, tail
    assert "Done" in tail and "runs in" in tail
    assert not list(tmp_path.glob("crash-*")), tail
