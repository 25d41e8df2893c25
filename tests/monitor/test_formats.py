"""Remote text in Markdown and JUnit output stays inert."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from mtasts_tui.commands.formats import Report, md, xml_text
from mtasts_tui.commands.monitor import Outcome

from tests.monitor.results import result

HOSTILE = "[click](https://evil.test) ![img](x) `code` <b>|cell|</b> *bold* \x1b[31m\n# heading"


def test_markdown_escapes_every_markup_character_and_keeps_one_line() -> None:
    text = md(HOSTILE)
    assert "\n" not in text and "\x1b" not in text
    # Every markup character is preceded by a backslash.
    assert not re.search(r"(?<!\\)[\[\]()`<>|*#!]", text)


def test_junit_survives_control_characters_and_markup() -> None:
    data = result()
    data["findings"] = [{"severity": "error", "code": "x", "message": HOSTILE + "\x00\x07"}]
    outcome = Outcome("ex.test", data, datetime.now(UTC), (), None, True, False)
    out = io.StringIO()
    report = Report("junit", out, "check")
    report.add(outcome)
    report.close()
    root = ET.fromstring(out.getvalue().encode())
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None and "<b>|cell|</b>" in (failure.text or "")
    assert xml_text("a\x00b") == "a\\x00b"


@settings(max_examples=100, deadline=None)
@given(
    domain=st.text(min_size=1, max_size=20),
    host=st.text(max_size=20),
    ready=st.sampled_from([True, False, None, "yes", 3]),
    mx_tls=st.sampled_from([None, True, "x", [1, "a"], [{"addresses": "no"}]]),
)
def test_the_textfile_parses_whatever_the_result_holds(
    domain: str, host: str, ready: object, mx_tls: object
) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    from mtasts_tui.alerts.prometheus import render

    data = result()
    data.update(domain=domain, enforce_ready=ready)
    data["mx_tls"][0]["host"] = host  # quotes, backslashes and newlines must be escaped
    odd = {**result(), "mx_tls": mx_tls, "findings": "not a list"}
    text = render([(data, datetime.now(UTC)), (odd, datetime.now(UTC))])
    families = {f.name: f for f in text_string_to_metric_families(text)}
    samples = families["mtasts_enforce_ready"].samples
    assert samples[0].labels["domain"] == domain
    assert samples[0].value == (1 if ready is True else 0 if ready is False else -1)
    hosts = {s.labels["host"] for s in families["mtasts_cert_expiry_days"].samples}
    assert host in hosts
