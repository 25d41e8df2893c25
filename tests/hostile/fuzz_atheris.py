"""Coverage-guided fuzzing (atheris / libFuzzer) of every parser in one process.

The first input byte picks the target — policy, records, report JSON, mail, gzip — and the rest
is its input. A target may return anything or raise only its documented exception; anything
else is a crash that libFuzzer reports (and saves as ``crash-*`` in the working folder).

    python tests/hostile/fuzz_atheris.py -max_total_time=600       # a longer campaign
    python tests/hostile/fuzz_atheris.py crash-<hash>              # replay one input

``test_atheris.py`` runs it for a few seconds in the test suite.
"""

from __future__ import annotations

import sys
import zlib

import atheris

with atheris.instrument_imports():
    from mtasts_tui.core.policy import parse_policy
    from mtasts_tui.core.stsrecord import check_sts_records
    from mtasts_tui.core.tlsrpt import check_tlsrpt_records
    from mtasts_tui.reports.parse import MAX_COUNT, ReportParseError, parse_report
    from mtasts_tui.reports.sources import TooLarge, WorkBudget, _read_email, gunzip_capped


def _policy(data: bytes) -> None:
    result = parse_policy(data)
    assert result.valid == (result.policy is not None)


def _records(data: bytes) -> None:
    parts = data.split(b"\0")
    text = [p.decode("utf-8", "replace") for p in parts]
    check_sts_records([*text, parts])
    check_tlsrpt_records([*parts, text])


def _report(data: bytes) -> None:
    try:
        report = parse_report(data, "fuzz.json")
    except ReportParseError:
        return
    for p in report.policies:
        assert 0 <= p.successful <= MAX_COUNT


def _mail(data: bytes) -> None:
    list(_read_email(iter(data.splitlines(keepends=True)), "fuzz.eml", WorkBudget()))


def _gzip(data: bytes) -> None:
    try:
        assert len(gunzip_capped(data, 1 << 16, max_members=64)) <= 1 << 16
    except (TooLarge, ValueError, zlib.error, EOFError):
        pass


TARGETS = (_policy, _records, _report, _mail, _gzip)


def test_one_input(data: bytes) -> None:
    if data:
        TARGETS[data[0] % len(TARGETS)](data[1:])


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
