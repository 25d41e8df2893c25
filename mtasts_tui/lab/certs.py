"""Test certificates: a trusted lab CA, an untrusted second CA, server contexts made on demand."""

from __future__ import annotations

import datetime as dt
import ssl
import warnings
from pathlib import Path

import trustme

from .model import CertKind, TlsVersion

WRONG_NAME = "wrong-name.invalid-host.test"
"""The name on every ``wrong-name`` certificate."""

_VERSIONS: dict[str, ssl.TLSVersion] = {
    "1.0": ssl.TLSVersion.TLSv1,
    "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}


class CertStore:
    """Mints certificates lazily (about 2 ms each) and caches one server context per variant."""

    def __init__(self, directory: Path) -> None:
        self.ca = trustme.CA(organization_name="mtasts-tui lab CA")
        self.rogue_ca = trustme.CA(organization_name="mtasts-tui untrusted CA")
        self.ca_file = directory / "lab-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self._contexts: dict[tuple[str, str, str | None, str | None], ssl.SSLContext] = {}
        self._leaves: dict[tuple[str, str, str | None], trustme.LeafCert] = {}
        self._intermediates: dict[str, trustme.CA] = {}

    def server_context(
        self,
        name: str,
        kind: CertKind = "valid",
        max_tls: TlsVersion | None = None,
        issuer: str | None = None,
    ) -> ssl.SSLContext:
        """A server-side context presenting a certificate of ``kind`` for host ``name``.

        ``issuer`` names an intermediate CA (its organisation, e.g. "Let's Encrypt") under the lab
        CA that signs the leaf; the server then sends it after the leaf, as real servers do.
        """
        key = (name.lower(), kind, max_tls, issuer)
        ctx = self._contexts.get(key)
        if ctx is None:
            ctx = self._contexts[key] = self._make(name.lower(), kind, max_tls, issuer)
        return ctx

    def chain_der(
        self, name: str, kind: CertKind = "valid", issuer: str | None = None
    ) -> tuple[bytes, ...]:
        """The certificates a server for ``name`` sends, leaf first, in DER."""
        leaf = self._leaf(name.lower(), kind, issuer)
        return tuple(ssl.PEM_cert_to_DER_cert(pem.bytes().decode()) for pem in leaf.cert_chain_pems)

    def ca_der(self) -> bytes:
        """The lab CA's own certificate (the root the ``ca_file`` trusts)."""
        return ssl.PEM_cert_to_DER_cert(self.ca.cert_pem.bytes().decode())

    def rogue_der(self) -> bytes:
        """A certificate no lab server presents: the untrusted CA's."""
        return ssl.PEM_cert_to_DER_cert(self.rogue_ca.cert_pem.bytes().decode())

    def _intermediate(self, organisation: str) -> trustme.CA:
        ca = self._intermediates.get(organisation)
        if ca is None:
            ca = self._intermediates[organisation] = trustme.CA(
                parent_cert=self.ca, organization_name=organisation
            )
        return ca

    def _leaf(self, name: str, kind: CertKind, issuer: str | None) -> trustme.LeafCert:
        key = (name, kind, issuer)
        leaf = self._leaves.get(key)
        if leaf is None:
            leaf = self._leaves[key] = self._issue(name, kind, issuer)
        return leaf

    def _issue(self, name: str, kind: CertKind, issuer: str | None) -> trustme.LeafCert:
        ca = self._intermediate(issuer) if issuer is not None else self.ca
        if kind == "valid":
            return ca.issue_cert(name)
        if kind == "wrong-name":
            return ca.issue_cert(WRONG_NAME)
        if kind == "untrusted":
            return self.rogue_ca.issue_cert(name)
        if kind == "expired":
            now = dt.datetime.now(dt.UTC)
            return ca.issue_cert(
                name, not_before=now - dt.timedelta(days=400), not_after=now - dt.timedelta(days=2)
            )
        raise ValueError(f"unknown certificate kind {kind!r}")  # pragma: no cover

    def _make(
        self, name: str, kind: CertKind, max_tls: TlsVersion | None, issuer: str | None
    ) -> ssl.SSLContext:
        leaf = self._leaf(name, kind, issuer)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        leaf.configure_cert(ctx)
        if max_tls is not None:
            version = _VERSIONS[max_tls]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                if version < ssl.TLSVersion.TLSv1_2:
                    # OpenSSL 3 refuses TLS < 1.2 at its default security level.
                    ctx.minimum_version = ssl.TLSVersion.TLSv1
                    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
                ctx.maximum_version = version
        return ctx
