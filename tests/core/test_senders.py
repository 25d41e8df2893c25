"""Who rejects what: the sender names every strict finding quotes."""

from __future__ import annotations

from mtasts_tui.core.senders import GO_MTASTS, MOX, POSTFIX_RESOLVER, TLSPOL, who


def test_one_name_stands_alone() -> None:
    assert who(MOX) == "mox"


def test_two_names_are_joined_with_and() -> None:
    assert who(TLSPOL, MOX) == "postfix-tlspol and mox"


def test_more_names_are_a_list_ending_in_and() -> None:
    assert who(POSTFIX_RESOLVER, TLSPOL, GO_MTASTS) == (
        "postfix-mta-sts-resolver, postfix-tlspol and go-mtasts (maddy)"
    )


def test_no_name_is_empty() -> None:
    assert who() == ""
