"""Fixtures for the intake tests: a real Dovecot with a 1,000-message mailbox, a fresh store."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from mtasts_tui.reports.store import ReportStore

from tests.intake.dovecot import Dovecot, dovecot_missing_reason, make_dovecot
from tests.intake.mailgen import Mailbox, write_mailbox

BIG = {"reports": 880, "duplicates": 40, "spam": 50, "broken": 30}
"""1,000 messages in all."""


@pytest.fixture(scope="session")
def test_ca() -> trustme.CA:
    return trustme.CA(organization_name="mtasts-tui intake test CA")


@pytest.fixture(scope="module")
def dovecot(test_ca: trustme.CA) -> Iterator[Dovecot]:
    """A Dovecot whose INBOX holds the 1,000-message mailbox (tests only read it)."""
    reason = dovecot_missing_reason()
    if reason is not None:
        pytest.skip(reason)
    # Not pytest's tmp_path: its parents are 0700, and as root Dovecot's own users must get in.
    root = Path(tempfile.mkdtemp(prefix="mtasts-tui-dovecot-"))
    try:
        server = make_dovecot(root, test_ca)
        server.mailbox = write_mailbox(server.maildir, **BIG)
        try:
            server.start()
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def big_mailbox(dovecot: Dovecot) -> Mailbox:
    assert dovecot.mailbox is not None
    return dovecot.mailbox


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ReportStore]:
    with ReportStore.open(tmp_path / "store.sqlite3") as opened:
        yield opened
