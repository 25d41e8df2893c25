"""`check` over a fleet (issue 12): `--domains FILE`, `--resume`, `--order input`, `--rate`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mtasts_tui.cli import main
from mtasts_tui.lab import DnsFault, Lab, scenarios

from tests.conftest import Labs, lab_network_args

SLOW = scenarios.healthy(
    "slow",
    "Its MX answer takes half a second",
    dns_faults=[DnsFault("slow.test", "delay", rdtype="MX", delay=0.5)],
)
FLEET = scenarios.bulk(24)
NAMES = [s.domain for s in FLEET]


@pytest.fixture(scope="module")
def lab(labs: Labs) -> Lab:
    return labs.get([SLOW, *FLEET])


def check(lab: Lab, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = main(["check", "--json", "--no-history", *args, *lab_network_args(lab)])
    captured = capsys.readouterr()
    domains = [json.loads(line)["domain"] for line in captured.out.splitlines() if line]
    return code, domains, captured.err


def test_domains_file_checks_each_listed_domain_once_and_names_the_bad_lines(
    lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    listing = tmp_path / "domains.txt"
    lines = ["# the fleet", *NAMES[:10], NAMES[3].upper(), "not a domain!", "", NAMES[10]]
    listing.write_text("\n".join(lines) + "\n")
    code, domains, err = check(lab, capsys, "--domains", str(listing), NAMES[11])
    assert sorted(domains) == sorted(NAMES[:12])  # the repeat (in capitals) is checked once
    assert "line 13" in err and "skipped" in err
    assert code == 2  # the checked domains stand; the run says some input was not checked


def test_resume_skips_the_domains_a_cut_off_output_file_already_answers(
    lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    listing = tmp_path / "domains.txt"
    listing.write_text("\n".join(NAMES) + "\n")
    out = tmp_path / "out.jsonl"
    _, first, _ = check(lab, capsys, NAMES[0], NAMES[1], NAMES[2])
    assert sorted(first) == sorted(NAMES[:3])
    # The interruption cut the fourth line in half: that domain is checked again.
    answered = [json.dumps({"domain": d}) for d in NAMES[:3]]
    out.write_text("\n".join(answered) + '\n{"domain": "' + NAMES[3] + '", "mx": [\n')
    code, rest, err = check(lab, capsys, "--domains", str(listing), "--resume", str(out))
    assert code == 0, err
    assert sorted(rest) == sorted(NAMES[3:])


def test_order_input_prints_in_the_order_of_the_list_behind_a_slow_domain(
    lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    listing = tmp_path / "domains.txt"
    wanted = [SLOW.domain, *reversed(NAMES)]
    listing.write_text("\n".join(wanted) + "\n")
    args = ("--domains", str(listing), "--concurrency", "8")
    code, domains, err = check(lab, capsys, *args, "--order", "input")
    assert code == 0, err
    assert domains == wanted
    # By default each result prints as it lands: the slow domain comes later.
    code, domains, err = check(lab, capsys, *args)
    assert code == 0, err
    assert sorted(domains) == sorted(wanted) and domains[0] != SLOW.domain


def test_rate_limits_new_connections_and_must_be_positive(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    code, domains, _ = check(lab, capsys, "--rate", "500", *NAMES[:4])
    assert code == 0 and sorted(domains) == sorted(NAMES[:4])
    for bad in ("0", "-3", "nan"):
        code, _, err = check(lab, capsys, "--rate", bad, NAMES[0])
        assert code == 2 and "--rate" in err


def test_a_list_that_is_not_a_regular_file_is_refused_before_any_check(
    lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, domains, err = check(lab, capsys, "--domains", str(tmp_path))
    assert (code, domains) == (2, []) and "not a regular file" in err
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, _, err = check(lab, capsys, "--domains", str(fifo))  # never blocks on the pipe
    assert code == 2 and "not a regular file" in err
    code, _, err = check(lab, capsys, "--resume", str(tmp_path / "missing.jsonl"), NAMES[0])
    assert code == 2 and "--resume" in err
    code, _, err = check(lab, capsys)
    assert code == 2 and "no domain given" in err


def test_watch_takes_the_same_rate_limit(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["watch", "--once", "--no-history", "--baseline", "latest", *lab_network_args(lab)]
    assert main([*argv, "--rate", "0", NAMES[0]]) == 2
    assert "--rate" in capsys.readouterr().err
    assert main([*argv, "--rate", "200", NAMES[0]]) in (0, 1)


def test_check_runs_on_the_loop_the_fast_extra_brings_or_on_asyncios_when_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mtasts_tui.commands.fleet import LOOP_ENV_VAR, event_loop_factory

    monkeypatch.delenv(LOOP_ENV_VAR, raising=False)
    try:
        import uvloop
    except ImportError:
        assert event_loop_factory() is None  # without the extra: asyncio's own loop
    else:
        assert event_loop_factory() is uvloop.new_event_loop
    monkeypatch.setenv(LOOP_ENV_VAR, "asyncio")
    assert event_loop_factory() is None
