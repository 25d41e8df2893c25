"""``mtasts-tui reports serve``: the options, start-up checks and exit codes of the HTTPS intake
server (the server itself is ``mtasts_tui.reports.serve``).

Exit codes: 0 stopped cleanly (SIGTERM); 2 usage error (bad ``--listen``, certificate or key,
limits, store, or the address cannot be bound); 130 interrupted.
"""

from __future__ import annotations

import argparse
import signal
import ssl
import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from mtasts_tui.core.domain import normalize_host
from mtasts_tui.reports.render import clean
from mtasts_tui.reports.serve import IntakeConfig, IntakeServer
from mtasts_tui.reports.store import ReportStore
from mtasts_tui.store.db import StoreError


def parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) < 65536:
        raise ValueError(f"--listen {text!r}: give HOST:PORT, e.g. 127.0.0.1:8443")
    return host.strip("[]") or "0.0.0.0", int(port)


_DEFAULTS = IntakeConfig()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mtasts-tui reports serve",
        description="Receive TLS-RPT reports by HTTPS POST (RFC 8460 §5.3) into the store.",
    )
    parser.add_argument("--listen", required=True, metavar="HOST:PORT")
    parser.add_argument("--tls-cert", metavar="PEM", help="certificate chain (with --tls-key)")
    parser.add_argument("--tls-key", metavar="PEM", help="private key")
    parser.add_argument(
        "--path", action="append", default=[], metavar="PATH", help="serve only this path"
    )
    parser.add_argument(
        "--allow-host", action="append", default=[], metavar="HOST", help="serve only this Host"
    )
    parser.add_argument("--db", metavar="FILE", help="the store (default: the history database)")
    parser.add_argument("--max-body", type=int, default=_DEFAULTS.max_body, metavar="BYTES")
    parser.add_argument("--max-report", type=int, default=_DEFAULTS.max_report, metavar="BYTES")
    parser.add_argument(
        "--client-timeout", type=float, default=_DEFAULTS.client_timeout, metavar="SECONDS"
    )
    parser.add_argument("--workers", type=int, default=_DEFAULTS.workers, metavar="N")
    return parser


def main(argv: list[str], out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    args = _parser().parse_args(argv)
    try:
        address = parse_listen(args.listen)
    except ValueError as exc:
        print(f"mtasts-tui reports serve: error: {exc}", file=err)
        return 2
    if bool(args.tls_cert) != bool(args.tls_key):
        print("mtasts-tui reports serve: error: give --tls-cert and --tls-key together", file=err)
        return 2
    if min(args.max_body, args.max_report, args.workers) < 1 or args.client_timeout <= 0:
        print("mtasts-tui reports serve: error: limits must be positive", file=err)
        return 2
    context = None
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            context.load_cert_chain(args.tls_cert, args.tls_key)
        except (OSError, ssl.SSLError) as exc:
            print(f"mtasts-tui reports serve: error: cannot load the TLS key pair: {exc}", file=err)
            return 2
    config = IntakeConfig(
        max_body=args.max_body,
        max_report=args.max_report,
        client_timeout=args.client_timeout,
        workers=args.workers,
        paths=tuple(args.path),
        hosts=tuple(normalize_host(h) for h in args.allow_host),
    )
    try:
        store = ReportStore.open(Path(args.db) if args.db else None)
    except StoreError as exc:
        print(f"mtasts-tui reports serve: error: {clean(str(exc))}", file=err)
        return 2

    def log(line: str) -> None:
        print(time.strftime("%Y-%m-%dT%H:%M:%SZ ", time.gmtime()) + line, file=err, flush=True)

    try:
        server = IntakeServer(address, store, config=config, ssl_context=context, log=log)
    except OSError as exc:
        store.close()
        print(f"mtasts-tui reports serve: error: cannot listen on {args.listen}: {exc}", file=err)
        return 2
    scheme = "https" if context is not None else "http"
    host = address[0] if ":" not in address[0] else f"[{address[0]}]"
    print(f"Receiving TLS-RPT reports on {scheme}://{host}:{server.port}/", file=out, flush=True)
    if context is None:
        print("(plain HTTP: put a TLS-terminating proxy in front; senders require HTTPS)", file=out)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        print("Interrupted.", file=err)
        return 130
    finally:
        server.server_close()
        store.close()
    return 0
