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

from collections.abc import Iterable, Sequence

from mtasts_tui.core.domain import normalize_host
from mtasts_tui.probe import dnswire
from mtasts_tui.probe.dns import AddressType, Family, family_from_records

MAX_RRSETS = 64
"""Record sets of one additional section looked at: an honest one holds an A and an AAAA set
per MX host, and no more than 32 MX hosts are probed (``probe.inspect.MAX_MX_PROBES``)."""

_TYPES: dict[int, AddressType] = {dnswire.A: "A", dnswire.AAAA: "AAAA"}


def mx_glue(
    additional: Sequence[dnswire.Record], targets: Iterable[str]
) -> dict[tuple[str, AddressType], Family]:
    """(host, "A" or "AAAA") -> its addresses, for each MX target the section answers for."""
    wanted = {normalize_host(t) for t in targets}
    sets: dict[tuple[str, int, int], list[dnswire.Record]] = {}
    for record in additional:
        key = (record.owner, record.rtype, record.rclass)
        if key not in sets:
            if len(sets) >= MAX_RRSETS:
                continue  # past the bound no new set is read (the section is bounded in bytes)
            sets[key] = []
        sets[key].append(record)
    found: dict[tuple[str, AddressType], Family] = {}
    for (owner, rtype, rclass), records in sets.items():
        rdtype = _TYPES.get(rtype)
        if rdtype is None or rclass != dnswire.IN:
            continue
        host = normalize_host(owner)
        if host not in wanted:
            continue
        family = family_from_records(rdtype, records)
        if family.status == "ok" and (host, rdtype) not in found:
            found[(host, rdtype)] = family
    return found
