"""Addresses of the MX hosts that came with the MX answer (its additional section).

Resolvers often add the A and AAAA records of the exchanges to an MX answer (RFC 1035 §3.3.9
asks for "additional section processing" of MX). Taking them saves a round trip before the
STARTTLS probes can start.

Why this is safe to trust, and where it stops:

- We talk to one recursive resolver (``--resolver`` or the system's) and already take its A and
  AAAA answers as they come: nothing is validated on our side. Before a recursive resolver puts
  a record into an additional section it ranks it by credibility and bailiwick (RFC 2181
  §5.4.1) as it does for an answer, so these records are as trustworthy as the answer to the
  query we would otherwise send to the same resolver, over the same transport, and a spoofed
  response would have to match the same query id and question (dnspython checks both).
- Only what that MX answer asked for is taken: records whose owner is exactly one of the MX
  targets *of that answer*, class IN, type A or AAAA. Anything else (other names, other types
  or classes) is ignored, so an answer cannot plant addresses for a name it did not name.
- A hostile or broken section is bounded: at most :data:`MAX_RRSETS` record sets are looked at;
  past that the hosts are simply asked for, as without a section.
- A family (A or AAAA) that is missing from the section is still asked for: the section may
  hold only part of what the resolver knows.
"""

from __future__ import annotations

from collections.abc import Iterable

import dns.message
import dns.rdataclass
import dns.rdatatype

from mtasts_tui.core.domain import normalize_host
from mtasts_tui.probe.dns import AddressType, Family, family_from_rrset

MAX_RRSETS = 64
"""Record sets of one additional section looked at: an honest one holds an A and an AAAA set
per MX host, and no more than 32 MX hosts are probed (``probe.inspect.MAX_MX_PROBES``)."""

_TYPES: dict[int, AddressType] = {dns.rdatatype.A: "A", dns.rdatatype.AAAA: "AAAA"}


def mx_glue(
    response: dns.message.Message | None, targets: Iterable[str]
) -> dict[tuple[str, AddressType], Family]:
    """(host, "A" or "AAAA") -> its addresses, for each MX target the section answers for."""
    if response is None:
        return {}
    wanted = {normalize_host(t) for t in targets}
    found: dict[tuple[str, AddressType], Family] = {}
    for rrset in response.additional[:MAX_RRSETS]:
        rdtype = _TYPES.get(rrset.rdtype)
        if rdtype is None or rrset.rdclass != dns.rdataclass.IN:
            continue
        owner = normalize_host(rrset.name.to_text())
        if owner not in wanted:
            continue
        family = family_from_rrset(rdtype, rrset)
        if family.status == "ok" and (owner, rdtype) not in found:
            found[(owner, rdtype)] = family
    return found
