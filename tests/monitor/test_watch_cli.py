"""`check` records, `watch` reports only what changed, `history` tells the story — against the
lab's real DNS, HTTPS and SMTP servers, with real webhook and textfile consumers."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from prometheus_client.parser import text_string_to_metric_families

from mtasts_tui.alerts import webhook
from mtasts_tui.cli import main
from mtasts_tui.lab import Lab, scenarios
from mtasts_tui.store.db import open_store
from mtasts_tui.store.history import runs

from tests.conftest import Labs, lab_network_args
from tests.waiting import wait_until


@pytest.fixture(autouse=True)
def _quick_webhook_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries really wait 0.5 s, 1 s, ...; what is checked here is how many and what is said."""
    monkeypatch.setattr(webhook, "post_webhook", partial(webhook.post_webhook, backoff=0.01))


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_check_records_each_result_and_repeats_add_only_a_run(
    lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "h.sqlite3"
    good = lab.domain("good")
    for _ in range(2):
        code, out, _ = cli(capsys, "check", "--json", "--db", str(db), good, *lab_network_args(lab))
        assert code == 0 and json.loads(out)["domain"] == good
    conn = open_store(db)
    stored = runs(conn, good)
    assert len(stored) == 2 and stored[0].result_id == stored[1].result_id
    assert stored[0].result["policy"]["fetched"] is True
    assert conn.execute("SELECT COUNT(*) FROM addresses").fetchone()[0] >= 2


def test_no_history_records_nothing_and_the_env_var_moves_the_store(
    lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "env.sqlite3"
    monkeypatch.setenv("MTASTS_TUI_DB", str(db))
    cli(capsys, "check", "--no-history", lab.domain("good"), *lab_network_args(lab))
    assert not db.exists()
    cli(capsys, "check", lab.domain("good"), *lab_network_args(lab))
    assert len(runs(open_store(db), lab.domain("good"))) == 1


def test_watch_once_prints_first_checks_then_nothing_when_nothing_changed(
    lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "h.sqlite3")
    domains = [lab.domain("good"), lab.domain("demo")]
    listing = tmp_path / "domains.txt"
    listing.write_text(f"# watched\n{domains[1]}  # the shop\n\n{domains[0]}\n")
    code, out, _ = cli(
        capsys,
        "watch",
        "--once",
        "--db",
        db,
        "--domains",
        str(listing),
        domains[0],
        *lab_network_args(lab),
    )
    assert code == 0
    assert sorted(line.split(":")[0] for line in out.splitlines()) == sorted(domains)
    assert all("[first-check]" in line for line in out.splitlines())
    code, out, _ = cli(capsys, "watch", "--db", db, *domains, *lab_network_args(lab))
    assert (code, out) == (0, "")


def _drift_lab(labs: Labs, mode: str) -> AbstractContextManager[Lab]:
    """The session's lab for drift.test serving its policy in ``mode`` (a ``with`` block reads
    as the time that policy was up)."""
    scenario = scenarios.healthy("drift", "a domain that changes", domain="drift.test", mode=mode)
    return nullcontext(labs.get([scenario]))


def test_a_policy_edited_without_a_new_id_makes_watch_exit_1_and_history_shows_it(
    labs: Labs, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "h.sqlite3")
    with _drift_lab(labs, "enforce") as before:
        code, _, _ = cli(capsys, "watch", "--db", db, "drift.test", *lab_network_args(before))
        assert code == 0
    with _drift_lab(labs, "testing") as after:
        code, out, _ = cli(capsys, "watch", "--db", db, "drift.test", *lab_network_args(after))
        assert code == 1
        assert "[policy-changed-same-id]" in out and "[mode-downgraded]" in out
        assert "first seen" in out
        # Unchanged since the last run: nothing printed, nothing got worse.
        code, out, _ = cli(capsys, "watch", "--db", db, "drift.test", *lab_network_args(after))
        assert (code, out) == (0, "")

    code, out, _ = cli(capsys, "history", "--db", db, "drift.test")
    assert code == 0
    timeline = [line for line in out.splitlines() if line.startswith("20")]
    codes = [line.split("[")[1].split("]")[0] for line in timeline]
    assert codes[0] == "first-check" and "policy-changed-same-id" in codes
    assert len(timeline) == len(set(timeline))  # one line per change, not per run (3 runs)
    assert "  -mode: enforce" in out and "  +mode: testing" in out

    code, out, _ = cli(capsys, "history", "--json", "--db", db, "drift.test")
    data = json.loads(out)
    assert data["runs"] == 3 and len(data["policy_diffs"]) == 1
    code, out, _ = cli(
        capsys, "history", "--json", "--db", db, "--since", "2999-01-01", "drift.test"
    )
    assert json.loads(out)["runs"] == 0


def _baseline_file(
    lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path, **policy: object
) -> Path:
    """`check --json` output for the good domain, edited to say the policy used to differ."""
    _, out, _ = cli(
        capsys, "check", "--json", "--no-history", lab.domain("good"), *lab_network_args(lab)
    )
    data = json.loads(out)
    data["policy"].update(policy)
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(data) + "\n")
    return path


def test_a_check_json_file_serves_as_the_baseline(
    lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    baseline = _baseline_file(lab, capsys, tmp_path, mode="testing")
    code, out, _ = cli(
        capsys,
        "watch",
        "--no-history",
        "--baseline",
        str(baseline),
        "--format",
        "json",
        lab.domain("good"),
        *lab_network_args(lab),
    )
    (line,) = out.splitlines()
    change = json.loads(line)
    assert code == 0 and change["got_worse"] is False
    (drift,) = change["drift"]
    assert (drift["code"], drift["was"], drift["now"]) == ("mode-upgraded", "testing", "enforce")


def test_check_with_a_baseline_adds_drift_to_its_json(
    lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    baseline = _baseline_file(lab, capsys, tmp_path, max_age=86400)
    code, out, _ = cli(
        capsys,
        "check",
        "--json",
        "--baseline",
        str(baseline),
        lab.domain("good"),
        *lab_network_args(lab),
    )
    data = json.loads(out)
    assert [d["code"] for d in data["drift"]] == ["max-age-changed"]
    assert data["checked_at"].endswith("Z") and code == 0
    code, out, _ = cli(
        capsys, "check", "--baseline", str(baseline), lab.domain("good"), *lab_network_args(lab)
    )
    assert "changed since the baseline:" in out and "[max-age-changed] max_age went from" in out


def test_a_bad_baseline_is_a_clear_error(
    lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("not json\n")
    code, _, err = cli(
        capsys, "watch", "--baseline", str(bad), lab.domain("good"), *lab_network_args(lab)
    )
    assert code == 2 and "line 1 is not JSON" in err and "Traceback" not in err
    code, _, err = cli(capsys, "watch", "--baseline", str(tmp_path / "nope"), "x.test")
    assert code == 2 and "not a date" in err


class _Receiver(BaseHTTPRequestHandler):
    statuses: ClassVar[list[int]] = []
    bodies: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).bodies.append(body)
        status = type(self).statuses.pop(0) if type(self).statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


Receiver = tuple[str, type[_Receiver]]
"""The webhook URL and the handler class that records what was posted to it."""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    handler = type("Handler", (_Receiver,), {"statuses": [500], "bodies": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", handler
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("fmt", ["generic", "slack"])
def test_the_webhook_is_posted_and_retried_after_a_500(
    lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path, receiver: Receiver, fmt: str
) -> None:
    url, handler = receiver
    baseline = _baseline_file(lab, capsys, tmp_path, mode="testing")
    code, _, err = cli(
        capsys,
        "watch",
        "--no-history",
        "--baseline",
        str(baseline),
        "--webhook",
        url,
        "--webhook-format",
        fmt,
        lab.domain("good"),
        *lab_network_args(lab),
    )
    assert code == 0 and err == ""
    assert len(handler.bodies) == 2  # the 500, then the retry that succeeded
    payload = json.loads(handler.bodies[-1])
    if fmt == "slack":
        assert "mode-upgraded" in payload["text"] and payload["mrkdwn"] is False
    else:
        (domain,) = payload["domains"]
        assert domain["domain"] == lab.domain("good")
        assert domain["drift"][0]["code"] == "mode-upgraded"


def test_a_webhook_that_keeps_failing_is_reported(
    lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path, receiver: Receiver
) -> None:
    url, handler = receiver
    handler.statuses = [500, 500, 500]
    baseline = _baseline_file(lab, capsys, tmp_path, mode="testing")
    _, _, err = cli(
        capsys,
        "watch",
        "--no-history",
        "--baseline",
        str(baseline),
        "--webhook",
        url,
        "--webhook-retries",
        "2",
        lab.domain("good"),
        *lab_network_args(lab),
    )
    assert len(handler.bodies) == 3 and "webhook failed after 3 attempt(s): HTTP 500" in err


def test_the_prometheus_textfile_parses_and_carries_the_metrics(
    lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    prom = tmp_path / "mtasts.prom"
    good, bad = lab.domain("good"), lab.domain("no-starttls")
    cli(
        capsys,
        "watch",
        "--db",
        str(tmp_path / "h.db"),
        "--prometheus",
        str(prom),
        good,
        bad,
        *lab_network_args(lab),
    )
    families = {f.name: f for f in text_string_to_metric_families(prom.read_text())}
    ready = {s.labels["domain"]: s.value for s in families["mtasts_enforce_ready"].samples}
    assert ready == {good: 1.0, bad: 0.0}
    certs = [s for s in families["mtasts_cert_expiry_days"].samples if s.labels["domain"] == good]
    assert {s.labels["role"] for s in certs} == {"policy", "mx"} and all(
        s.value > 30 for s in certs
    )
    findings = {
        (s.labels["domain"], s.labels["severity"]): s.value
        for s in families["mtasts_findings"].samples
    }
    assert findings[(good, "error")] == 0 and findings[(bad, "error")] >= 1
    stamps = [s.value for s in families["mtasts_last_check_timestamp_seconds"].samples]
    assert all(abs(v - time.time()) < 120 for v in stamps) and len(stamps) == 2
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".mtasts-")] == []


def test_check_junit_has_one_testcase_per_domain(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = lab.domain("good"), lab.domain("no-starttls")
    code, out, _ = cli(capsys, "check", "--format", "junit", good, bad, *lab_network_args(lab))
    root = ET.fromstring(out.encode())
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {good, bad} and code == 1
    assert cases[good].find("failure") is None
    assert cases[bad].find("failure") is not None
    suite = root.find("testsuite")
    assert suite is not None and suite.get("failures") == "1"


def test_check_csv_and_markdown(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    good, hostile = lab.domain("good"), lab.domain("hostile")
    _, out, _ = cli(capsys, "check", "--format", "csv", good, *lab_network_args(lab))
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["domain"], r["enforce_ready"], r["errors"]) for r in rows] == [(good, "yes", "0")]
    _, out, _ = cli(capsys, "check", "--format", "markdown", good, *lab_network_args(lab))
    assert out.startswith("### mtasts-tui check") and f"| {good} |" in out
    assert "| Domain | Ready to enforce |" in out
    _, out, _ = cli(capsys, "check", "--format", "markdown", hostile, *lab_network_args(lab))
    # Remote text stays inert: no escapes, and markup characters come out escaped.
    assert "\x1b" not in out and "[link=" not in out and "](" not in out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_watch_every_stops_cleanly_on_a_signal(
    lab: Lab, tmp_path: Path, sig: signal.Signals
) -> None:
    env = {**os.environ, "MTASTS_TUI_DB": str(tmp_path / "h.sqlite3")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mtasts_tui",
            "watch",
            "--every",
            "1s",
            lab.domain("good"),
            *lab_network_args(lab),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "[first-check]" in first
        wait_until(lambda: recorded_rounds(tmp_path / "h.sqlite3", lab.domain("good")) >= 2)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert err.strip() == "mtasts-tui watch: stopped" and "Traceback" not in err
    conn = open_store(tmp_path / "h.sqlite3")
    assert len(runs(conn, lab.domain("good"))) >= 2


def recorded_rounds(db: Path, domain: str) -> int:
    """How many runs the store holds for ``domain`` (0 before the store exists)."""
    if not db.exists():
        return 0
    conn = open_store(db)
    try:
        return len(runs(conn, domain))
    finally:
        conn.close()


def test_two_check_processes_at_once_both_record_everything(lab: Lab, tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    domains = [lab.domain(n) for n in ("good", "demo", "no-sts", "no-starttls")]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mtasts_tui",
                "check",
                "--json",
                "--db",
                str(db),
                *domains,
                *lab_network_args(lab),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        outputs = [p.communicate(timeout=60) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert all(err == "" for _, err in outputs), outputs
    conn = open_store(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert all(len(runs(conn, d)) == 2 for d in domains)


def test_a_check_whose_default_store_cannot_be_opened_still_checks(
    lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.delenv("MTASTS_TUI_DB")
    monkeypatch.setenv("MTASTS_TUI_DATA_DIR", str(blocker))
    code, out, err = cli(capsys, "check", lab.domain("good"), *lab_network_args(lab))
    assert code == 0 and lab.domain("good") in out
    assert "the history is not recorded" in err and "Traceback" not in err
    # Asked-for history is an error instead.
    code, _, err = cli(capsys, "watch", lab.domain("good"), *lab_network_args(lab))
    assert code == 2 and "cannot open the history database" in err


def test_history_without_a_database_or_runs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = cli(capsys, "history", "--db", str(tmp_path / "none.sqlite3"), "ex.test")
    assert code == 2 and "no history database" in err
    open_store(tmp_path / "empty.sqlite3").close()
    code, out, _ = cli(capsys, "history", "--db", str(tmp_path / "empty.sqlite3"), "ex.test")
    assert (code, out) == (0, "no history for ex.test\n")
    code, _, err = cli(capsys, "history", "--since", "last tuesday", "ex.test")
    assert code == 2 and "--since" in err


def test_watch_junit_markdown_and_csv_report_what_changed(
    lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    baseline = _baseline_file(lab, capsys, tmp_path, mode="testing")
    common = ["--no-history", "--baseline", str(baseline), lab.domain("good"), lab.domain("demo")]
    code, out, _ = cli(capsys, "watch", "--format", "junit", *common, *lab_network_args(lab))
    root = ET.fromstring(out.encode())
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {lab.domain("good"), lab.domain("demo")}  # every domain is a test case
    assert all(c.find("failure") is None for c in cases.values()) and code == 0
    assert "mode-upgraded" in (cases[lab.domain("good")].findtext("system-out") or "")

    _, out, _ = cli(capsys, "watch", "--format", "markdown", *common, *lab_network_args(lab))
    assert out.startswith("### mtasts-tui watch") and "| mode-upgraded |" in out
    assert "mode-upgraded" in out and "first-check" in out

    _, out, _ = cli(capsys, "watch", "--format", "csv", *common, *lab_network_args(lab))
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {(r["domain"], r["code"]) for r in rows} == {
        (lab.domain("good"), "mode-upgraded"),
        (lab.domain("demo"), "first-check"),  # not in the baseline file
    }


def test_watch_junit_fails_the_domain_that_got_worse(
    labs: Labs, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "h.sqlite3")
    with _drift_lab(labs, "enforce") as before:
        cli(capsys, "watch", "--db", db, "drift.test", *lab_network_args(before))
    with _drift_lab(labs, "testing") as after:
        code, out, _ = cli(
            capsys, "watch", "--db", db, "--format", "junit", "drift.test", *lab_network_args(after)
        )
    (case,) = ET.fromstring(out.encode()).iter("testcase")
    failure = case.find("failure")
    assert code == 1 and failure is not None
    assert "policy-changed-same-id" in (failure.get("message") or "")


def test_a_webhook_that_hangs_times_out(
    lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)  # accepts connections, never answers
    try:
        baseline = _baseline_file(lab, capsys, tmp_path, mode="testing")
        started = time.monotonic()
        code, _, err = cli(
            capsys,
            "watch",
            "--no-history",
            "--baseline",
            str(baseline),
            "--webhook",
            f"http://127.0.0.1:{listener.getsockname()[1]}/",
            "--webhook-timeout",
            "0.5",
            "--webhook-retries",
            "1",
            lab.domain("good"),
            *lab_network_args(lab),
        )
        assert time.monotonic() - started < 10
        assert code == 0 and "webhook failed after 2 attempt(s)" in err
    finally:
        listener.close()


def test_bad_watch_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    for args, text in [
        (["--every", "soon", "x.test"], "--every"),
        (["--webhook", "file:///etc/passwd", "x.test"], "--webhook"),
        ([], "no domain"),
        (["--domains", "/nonexistent/list"], "no such file"),
    ]:
        code, _, err = cli(capsys, "watch", *args)
        assert code == 2 and text in err, (args, err)


def test_a_date_baseline_compares_with_that_day_and_dates_the_change(
    lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from datetime import UTC, datetime, timedelta

    from mtasts_tui.core.drift import stamp
    from mtasts_tui.store.history import record

    db = tmp_path / "h.sqlite3"
    good = lab.domain("good")
    _, out, _ = cli(capsys, "check", "--json", "--no-history", good, *lab_network_args(lab))
    live = json.loads(out)
    older = json.loads(out)
    older["policy"]["mode"] = "testing"
    day1 = datetime(2026, 10, 1, 6, 0, tzinfo=UTC)
    conn = open_store(db)
    record(conn, older, checked_at=day1)  # testing on 1 October
    record(conn, live, checked_at=day1 + timedelta(days=1))  # enforce from 2 October on
    record(conn, live, checked_at=day1 + timedelta(days=2))
    code, out, _ = cli(
        capsys,
        "watch",
        "--db",
        str(db),
        "--baseline",
        "2026-10-01",
        "--format",
        "json",
        good,
        *lab_network_args(lab),
    )
    (drift,) = json.loads(out)["drift"]
    assert drift["code"] == "mode-upgraded" and code == 0
    assert drift["first_seen"] == stamp(day1 + timedelta(days=1))
    # Against the latest stored result, nothing changed.
    code, out, _ = cli(capsys, "watch", "--db", str(db), good, *lab_network_args(lab))
    assert (code, out) == (0, "")


def test_a_new_error_finding_is_printed_and_makes_watch_exit_1(
    lab: Lab, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    broken = lab.domain("no-starttls")
    _, out, _ = cli(capsys, "check", "--json", "--no-history", broken, *lab_network_args(lab))
    before = json.loads(out)
    # The baseline: the same domain before its MX lost STARTTLS (no errors, ready).
    errors = [f for f in before["findings"] if f["severity"] == "error"]
    before["findings"] = [f for f in before["findings"] if f["severity"] != "error"]
    before["enforce_ready"], before["verdict"] = True, "Ready to enforce"
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(before) + "\n")
    code, out, _ = cli(
        capsys, "watch", "--no-history", "--baseline", str(path), broken, *lab_network_args(lab)
    )
    assert code == 1
    for finding in errors:
        assert f"[finding-new] {finding['code']}: " in out
    assert "[verdict-changed] Ready to enforce → " in out


@pytest.mark.parametrize("command", ["watch", "check"])
def test_ctrl_c_during_a_round_exits_130_with_one_line(tmp_path: Path, command: str) -> None:
    import socket

    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))  # a resolver that never answers
    env = {**os.environ, "MTASTS_TUI_DB": str(tmp_path / "h.sqlite3")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mtasts_tui",
            command,
            "slow.test",
            "--resolver",
            f"127.0.0.1:{silent.getsockname()[1]}",
            "--timeout",
            "20",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # wait until the query is on the wire
            silent.settimeout(0.2)
            try:
                silent.recv(4096)
                break
            except TimeoutError:
                continue
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=15)
    finally:
        silent.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    assert err == "mtasts-tui: interrupted\n"  # one line, the same for every command


def test_a_db_that_is_not_a_database_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("these are my notes, not a database\n" * 100)
    for command in (["watch", "x.test"], ["check", "x.test"], ["history", "x.test"]):
        code, _, err = cli(capsys, *command, "--db", str(text))
        assert code == 2 and "history database" in err and "Traceback" not in err, err
    assert text.read_text().startswith("these are my notes")  # and it is left alone
