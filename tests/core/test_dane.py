"""DANE TLSA matching (RFC 7672, RFC 7671) against real certificates minted by the lab's CA.

The expected association data is computed here with hashlib and cryptography directly, not with
the matcher's own helper, so a bug in one cannot hide in the other.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mtasts_tui.core.dane import (
    TlsaLookup,
    TlsaRecord,
    association_data,
    dane_findings,
    dnssec_state,
    judge_tlsa,
    matching_records,
    record_matches,
    tlsa_name,
)
from mtasts_tui.lab.certs import CertStore

from tests.core.helpers import codes, severity_of

HOST = "mx1.dane.test"


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CertStore]:
    yield CertStore(Path(tmp_path_factory.mktemp("dane-ca")))


@pytest.fixture(scope="module")
def direct(certs: CertStore) -> tuple[bytes, ...]:
    """A leaf signed by the lab CA itself: the server sends the leaf only."""
    return certs.chain_der(HOST)


@pytest.fixture(scope="module")
def via_intermediate(certs: CertStore) -> tuple[bytes, ...]:
    """Leaf plus the intermediate CA that signed it, as a real server sends them."""
    return certs.chain_der(HOST, issuer="Lab Intermediate CA")


def expected(cert_der: bytes, selector: int, mtype: int) -> bytes:
    selected = cert_der
    if selector == 1:
        key = x509.load_der_x509_certificate(cert_der).public_key()
        selected = key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return {0: selected, 1: hashlib.sha256(selected).digest()}.get(
        mtype, hashlib.sha512(selected).digest()
    )


COMBOS = list(itertools.product((0, 1), (0, 1, 2)))


def test_the_chains_are_real_and_ordered_leaf_first(
    direct: tuple[bytes, ...], via_intermediate: tuple[bytes, ...]
) -> None:
    assert len(direct) == 1 and len(via_intermediate) == 2
    leaf, issuer = (x509.load_der_x509_certificate(d) for d in via_intermediate)
    leaf.verify_directly_issued_by(issuer)
    assert tlsa_name(HOST.upper() + ".") == "_25._tcp.mx1.dane.test"


@pytest.mark.parametrize(("selector", "mtype"), COMBOS)
def test_association_data_is_the_selected_bytes_or_their_digest(
    direct: tuple[bytes, ...], selector: int, mtype: int
) -> None:
    assert association_data(direct[0], selector, mtype) == expected(direct[0], selector, mtype)
    assert association_data(direct[0], 2, mtype) is None  # no such selector
    assert association_data(direct[0], selector, 3) is None  # no such matching type


@pytest.mark.parametrize(("selector", "mtype"), COMBOS)
def test_dane_ee_matches_the_leaf_for_every_selector_and_matching_type(
    direct: tuple[bytes, ...], via_intermediate: tuple[bytes, ...], selector: int, mtype: int
) -> None:
    for chain in (direct, via_intermediate):
        record = TlsaRecord(3, selector, mtype, expected(chain[0], selector, mtype))
        assert record_matches(record, chain, HOST)
        # DANE-EE ignores names: the same leaf matches whatever MX name it is served for.
        assert record_matches(record, chain, "another-name.test")


@pytest.mark.parametrize(("selector", "mtype"), COMBOS)
def test_dane_ee_does_not_match_an_issuer_certificate(
    via_intermediate: tuple[bytes, ...], selector: int, mtype: int
) -> None:
    record = TlsaRecord(3, selector, mtype, expected(via_intermediate[1], selector, mtype))
    assert not record_matches(record, via_intermediate, HOST)


@pytest.mark.parametrize(("selector", "mtype"), COMBOS)
def test_dane_ta_matches_the_intermediate_the_leaf_chains_to(
    via_intermediate: tuple[bytes, ...], selector: int, mtype: int
) -> None:
    record = TlsaRecord(2, selector, mtype, expected(via_intermediate[1], selector, mtype))
    assert record_matches(record, via_intermediate, HOST)


@pytest.mark.parametrize(("selector", "mtype"), COMBOS)
def test_dane_ta_never_matches_the_leaf_itself(
    via_intermediate: tuple[bytes, ...], selector: int, mtype: int
) -> None:
    record = TlsaRecord(2, selector, mtype, expected(via_intermediate[0], selector, mtype))
    assert not record_matches(record, via_intermediate, HOST)


def test_dane_ta_requires_the_mx_name_on_the_leaf(via_intermediate: tuple[bytes, ...]) -> None:
    record = TlsaRecord(2, 1, 1, expected(via_intermediate[1], 1, 1))
    assert not record_matches(record, via_intermediate, "mx2.dane.test")


def test_dane_ta_requires_the_leaf_to_be_signed_by_the_anchor(
    certs: CertStore, direct: tuple[bytes, ...], via_intermediate: tuple[bytes, ...]
) -> None:
    # The intermediate is appended to a chain whose leaf it did not sign: no signature path.
    forged = (direct[0], via_intermediate[1])
    record = TlsaRecord(2, 1, 1, expected(via_intermediate[1], 1, 1))
    assert not record_matches(record, forged, HOST)


def test_a_full_2_0_0_record_may_carry_an_anchor_the_server_does_not_send(
    certs: CertStore, direct: tuple[bytes, ...]
) -> None:
    ca = certs.ca_der()
    assert record_matches(TlsaRecord(2, 0, 0, ca), direct, HOST)
    # A digest cannot stand in for the anchor: the server must send it.
    assert not record_matches(TlsaRecord(2, 0, 1, expected(ca, 0, 1)), direct, HOST)
    assert not record_matches(TlsaRecord(2, 0, 0, certs.rogue_der()), direct, HOST)


@pytest.mark.parametrize("usage", [0, 1])
def test_pkix_usages_are_unusable_for_smtp_even_when_the_data_fits(
    via_intermediate: tuple[bytes, ...], usage: int
) -> None:
    for cert in via_intermediate:
        record = TlsaRecord(usage, 1, 1, expected(cert, 1, 1))
        assert not record.usable
        assert not record_matches(record, via_intermediate, HOST)


def test_unknown_selectors_and_matching_types_are_unusable(direct: tuple[bytes, ...]) -> None:
    assert not TlsaRecord(3, 2, 1, b"x").usable
    assert not TlsaRecord(3, 1, 3, b"x").usable
    assert not record_matches(TlsaRecord(3, 1, 255, b"x"), direct, HOST)


def test_a_certificate_that_cannot_be_read_matches_nothing() -> None:
    assert not record_matches(TlsaRecord(3, 1, 1, b"\x00" * 32), (b"not a certificate",), HOST)
    assert not record_matches(TlsaRecord(3, 0, 1, b"\x00" * 32), (), HOST)


def test_matching_records_names_the_ones_that_match(direct: tuple[bytes, ...]) -> None:
    records = [
        TlsaRecord(3, 1, 1, b"\x00" * 32),
        TlsaRecord(3, 1, 1, expected(direct[0], 1, 1)),
        TlsaRecord(1, 1, 1, expected(direct[0], 1, 1)),
    ]
    assert matching_records(records, direct, HOST) == (1,)


@settings(max_examples=60, deadline=None)
@given(
    usage=st.sampled_from([2, 3]),
    selector=st.sampled_from([0, 1]),
    mtype=st.sampled_from([0, 1, 2]),
    flip=st.integers(min_value=0, max_value=10_000),
)
def test_changing_any_byte_of_a_matching_record_breaks_the_match(
    certs: CertStore, usage: int, selector: int, mtype: int, flip: int
) -> None:
    # Not for "2 0 0": the record then carries the anchor itself, and a copy with a changed
    # serial or signature still holds the key that signed the leaf, so it rightly still works.
    assume((usage, selector, mtype) != (2, 0, 0))
    chain = certs.chain_der(HOST, issuer="Lab Intermediate CA")
    good = expected(chain[1 if usage == 2 else 0], selector, mtype)
    assert record_matches(TlsaRecord(usage, selector, mtype, good), chain, HOST)
    index = flip % len(good)
    bad = good[:index] + bytes([good[index] ^ 0x01]) + good[index + 1 :]
    assert not record_matches(TlsaRecord(usage, selector, mtype, bad), chain, HOST)


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=80), usage=st.integers(0, 255), selector=st.integers(0, 255))
def test_arbitrary_records_never_crash_and_random_data_does_not_match(
    certs: CertStore, data: bytes, usage: int, selector: int
) -> None:
    chain = certs.chain_der(HOST, issuer="Lab Intermediate CA")
    for mtype in (0, 1, 2, 7):
        assert not record_matches(TlsaRecord(usage, selector, mtype, data), chain, HOST)


# --- the verdict per MX host and its findings ---------------------------------------------


def lookup(records: list[TlsaRecord], authenticated: bool | None = True) -> TlsaLookup:
    return TlsaLookup(HOST, "ok", tuple(records), authenticated=authenticated)


def test_dnssec_state_needs_a_validating_resolver_to_say_unsigned() -> None:
    assert dnssec_state(True, None) == "signed"
    assert dnssec_state(True, False) == "signed"  # AD seen: it does validate after all
    assert dnssec_state(False, True) == "unsigned"
    assert dnssec_state(False, False) == "unknown"
    assert dnssec_state(False, None) == "unknown"
    assert dnssec_state(None, True) == "unknown"  # no answer at all


def test_signed_matching_records_are_explained_as_dane_present(
    direct: tuple[bytes, ...],
) -> None:
    verdict = judge_tlsa(
        HOST,
        lookup([TlsaRecord(3, 1, 1, expected(direct[0], 1, 1))]),
        [("192.0.2.1", direct)],
        True,
    )
    assert verdict.to_json() == {
        "present": True,
        "dnssec": "signed",
        "records": [f"3 1 1 {expected(direct[0], 1, 1).hex()}"],
        "matches": True,
    }
    findings = dane_findings(verdict, "192.0.2.53:53")
    assert codes(findings) == ["dane-present"]
    assert severity_of(findings, "dane-present") == "info"
    assert "ignore MTA-STS" in findings[0].message


def test_an_address_whose_chain_matches_no_record_is_named_in_an_error(
    direct: tuple[bytes, ...], via_intermediate: tuple[bytes, ...]
) -> None:
    records = [TlsaRecord(3, 1, 1, expected(direct[0], 1, 1))]
    chains = [("192.0.2.1", direct), ("2001:db8::1", via_intermediate)]
    verdict = judge_tlsa(HOST, lookup(records), chains, True)
    assert verdict.matches is False and verdict.mismatched == ("2001:db8::1",)
    findings = dane_findings(verdict, "r")
    assert severity_of(findings, "dane-tlsa-mismatch") == "error"
    mismatch = next(f for f in findings if f.code == "dane-tlsa-mismatch")
    assert "2001:db8::1" in mismatch.message and "192.0.2.1" not in mismatch.message


def test_only_unusable_records_are_a_mismatch_that_says_why(direct: tuple[bytes, ...]) -> None:
    records = [TlsaRecord(1, 1, 1, expected(direct[0], 1, 1))]
    verdict = judge_tlsa(HOST, lookup(records), [("192.0.2.1", direct)], True)
    message = next(f for f in dane_findings(verdict, "r") if f.code == "dane-tlsa-mismatch")
    assert "usable" in message.message


def test_unvalidated_records_are_a_warning_worded_by_what_is_known(
    direct: tuple[bytes, ...],
) -> None:
    records = [TlsaRecord(3, 1, 1, expected(direct[0], 1, 1))]
    unsigned = judge_tlsa(HOST, lookup(records, False), [("192.0.2.1", direct)], True)
    unknown = judge_tlsa(HOST, lookup(records, False), [("192.0.2.1", direct)], False)
    assert (unsigned.dnssec, unknown.dnssec) == ("unsigned", "unknown")
    for verdict in (unsigned, unknown):
        findings = dane_findings(verdict, "10.0.0.53:53")
        assert codes(findings) == ["dane-unsigned"]
        assert severity_of(findings, "dane-unsigned") == "warning"
    assert "10.0.0.53:53" in dane_findings(unknown, "10.0.0.53:53")[0].message
    assert "does not validate" in dane_findings(unknown, "x")[0].message


def test_no_records_or_no_chain_leaves_matches_unknown(direct: tuple[bytes, ...]) -> None:
    absent = judge_tlsa(HOST, TlsaLookup(HOST, "nxdomain", authenticated=True), [], True)
    assert absent.to_json() == {
        "present": False,
        "dnssec": "signed",
        "records": [],
        "matches": None,
    }
    assert dane_findings(absent, "r") == []
    unseen = judge_tlsa(HOST, lookup([TlsaRecord(3, 1, 1, b"\x01" * 32)]), [], True)
    assert unseen.matches is None and unseen.mismatched == ()
    assert judge_tlsa(HOST, None, [], None).dnssec == "unknown"


def test_dane_ta_accepts_the_tlsa_base_domain_of_an_aliased_mx(
    certs: CertStore,
) -> None:
    # The server's certificate names the alias target, which is also the TLSA base domain.
    chain = certs.chain_der("smtp.dane.test", issuer="Lab Intermediate CA")
    record = TlsaRecord(2, 1, 1, expected(chain[1], 1, 1))
    assert not record_matches(record, chain, HOST)
    assert record_matches(record, chain, HOST, also=["smtp.dane.test"])
    lookup = TlsaLookup(HOST, "ok", (record,), authenticated=True, base="smtp.dane.test")
    assert lookup.name == "_25._tcp.smtp.dane.test"
    assert judge_tlsa(HOST, lookup, [("192.0.2.1", chain)], True).matches is True
