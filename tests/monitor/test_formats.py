"""Remote text in Markdown and JUnit output stays inert."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

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
