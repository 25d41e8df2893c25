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
        self._contexts: dict[tuple[str, str, str | None], ssl.SSLContext] = {}

    def server_context(
        self, name: str, kind: CertKind = "valid", max_tls: TlsVersion | None = None
    ) -> ssl.SSLContext:
        """A server-side context presenting a certificate of ``kind`` for host ``name``."""
        key = (name.lower(), kind, max_tls)
        ctx = self._contexts.get(key)
        if ctx is None:
            ctx = self._contexts[key] = self._make(name.lower(), kind, max_tls)
        return ctx

    def _make(self, name: str, kind: CertKind, max_tls: TlsVersion | None) -> ssl.SSLContext:
        if kind == "valid":
            leaf = self.ca.issue_cert(name)
        elif kind == "wrong-name":
            leaf = self.ca.issue_cert(WRONG_NAME)
        elif kind == "untrusted":
            leaf = self.rogue_ca.issue_cert(name)
        elif kind == "expired":
            now = dt.datetime.now(dt.UTC)
            leaf = self.ca.issue_cert(
                name, not_before=now - dt.timedelta(days=400), not_after=now - dt.timedelta(days=2)
            )
        else:  # pragma: no cover - guarded by the CertKind literal
            raise ValueError(f"unknown certificate kind {kind!r}")
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
