"""Reading certificates and TLS failures into words."""

from __future__ import annotations

import _ssl
import ssl
from datetime import UTC
from typing import TypeVar

from cryptography import x509
from cryptography.x509.oid import NameOID

from mtasts_tui.core.facts import CertProblem

E = TypeVar("E", bound=BaseException)


def certificate_names(der: bytes) -> tuple[tuple[str, ...], str | None]:
    """DNS names (subjectAltName, else the CN) and the expiry of a DER certificate."""
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return (), None
    names: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        names = [str(n) for n in san.value.get_values_for_type(x509.DNSName)]
    except x509.ExtensionNotFound:
        pass
    if not names:
        names = [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    not_after = cert.not_valid_after_utc.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return tuple(names), not_after


def presented_chain(ssl_object: ssl.SSLObject | ssl.SSLSocket | None) -> tuple[bytes, ...]:
    """The certificates the peer sent, DER, leaf first (for DANE, which may match any of them).

    ``get_unverified_chain`` is public from Python 3.13; on 3.11 and 3.12 the same method lives
    on the private ``_sslobj``. Where neither exists, the leaf alone is returned.
    """
    if ssl_object is None:
        return ()
    getter = getattr(ssl_object, "get_unverified_chain", None)
    if getter is None:
        getter = getattr(getattr(ssl_object, "_sslobj", None), "get_unverified_chain", None)
    if getter is not None:
        try:
            chain = getter() or []
            return tuple(_der(cert) for cert in chain)
        except (ssl.SSLError, ValueError, AttributeError):
            pass
    leaf = ssl_object.getpeercert(binary_form=True)
    return (leaf,) if leaf else ()


def _der(cert: object) -> bytes:
    """DER bytes of a certificate object from ``get_unverified_chain``."""
    if isinstance(cert, bytes):  # Python 3.13 returns DER bytes
        return cert
    return bytes(cert.public_bytes(_ssl.ENCODING_DER))  # type: ignore[attr-defined]


def _find_in_chain(exc: BaseException, kind: type[E]) -> E | None:
    """Walk the cause chain (httpx and asyncio wrap the ssl error) to the first ``kind``."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, kind):
            return current
        current = current.__cause__ or current.__context__
    return None


def find_verification_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    return _find_in_chain(exc, ssl.SSLCertVerificationError)


def find_ssl_error(exc: BaseException) -> ssl.SSLError | None:
    return _find_in_chain(exc, ssl.SSLError)


def classify_verification(err: ssl.SSLCertVerificationError) -> tuple[CertProblem, str]:
    message = err.verify_message or str(err)
    lowered = message.lower()
    if "hostname mismatch" in lowered or "ip address mismatch" in lowered:
        return "name-mismatch", "the certificate is not valid for this host name"
    if "expired" in lowered:
        return "expired", "the certificate has expired"
    if "not yet valid" in lowered:
        return "other", "the certificate is not valid yet"
    if any(
        key in lowered
        for key in ("self-signed", "self signed", "unable to get local issuer", "untrusted")
    ):
        return "untrusted", f"the certificate does not chain to a trusted CA ({message})"
    return "other", message


def is_protocol_version_error(err: ssl.SSLError) -> bool:
    text = f"{err.reason or ''} {err}".lower()
    return "unsupported protocol" in text or "protocol version" in text or "no protocols" in text
