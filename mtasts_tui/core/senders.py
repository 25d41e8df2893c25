"""The sender implementations our strict rules are measured against, named once.

Findings say who rejects a record or policy so a reader can judge the risk. These are the parsers
read for issue 8 (their public source); Exim has no MTA-STS client of its own (its users add one
of these resolvers), and the large mailbox providers do not publish their parsers, so the RFC
grammar stands in for them.
"""

from __future__ import annotations

POSTFIX_RESOLVER = "postfix-mta-sts-resolver"
"""Snawoot/postfix-mta-sts-resolver: lenient parser; the last of a repeated key wins."""
TLSPOL = "postfix-tlspol"
"""Zuplu/postfix-tlspol: strict line and record grammar; first of a repeated key wins."""
MOX = "mox"
"""mjl-/mox mtasts and tlsrpt packages: a character-exact ABNF parser; IDNA checks on mx."""
GO_MTASTS = "go-mtasts (maddy)"
"""foxcpp/go-mtasts: one ':' per line, the last of a repeated key wins, one TXT record only."""


def who(*names: str) -> str:
    """``a``, ``a and b``, ``a, b and c``: a list of implementations for a message."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
