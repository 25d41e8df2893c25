"""The policy GET on the event loop's own TLS transports, against raw HTTPS servers on loopback.

Each server here sends exactly the bytes a test scripts (``tests/probe/policy_server.py``): the
answers a careful web server gives and the ones a broken or hostile one gives. The fetch must
read what httpx read, word failures as it did, never follow a redirect, cut a long body, hold
the whole exchange to its time limit, close every socket, and pool a connection only for the
(address, SNI name) it was made for. Every test runs on asyncio's loop and on uvloop's (the one
a fleet `check` uses) when that is installed.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pytest

from mtasts_tui.core.facts import PolicyFetch
from mtasts_tui.core.policy import MAX_POLICY_BYTES
from mtasts_tui.probe.cache import RunCache
from mtasts_tui.probe.http1 import KEEPALIVE, MAX_HEADER_BYTES
from mtasts_tui.probe.https import _fetch_one
from mtasts_tui.probe.network import Network

from tests.probe.policy_server import PolicyServer, Session, serving

HOST = "mta-sts.example.test"
URL = f"https://{HOST}/.well-known/mta-sts.txt"
BODY = b"version: STSv1\r\nmode: enforce\r\nmx: mx.example.test\r\nmax_age: 86400\r\n"
DISCONNECTED = (
    "the server broke the HTTP exchange (Server disconnected without sending a response.)"
)

T = TypeVar("T")


def _loops() -> list[Any]:
    loops: list[Any] = [pytest.param(None, id="asyncio")]
    try:
        import uvloop
    except ImportError:
        loops.append(pytest.param(None, id="uvloop", marks=pytest.mark.skip("uvloop missing")))
    else:
        loops.append(pytest.param(uvloop.new_event_loop, id="uvloop"))
    return loops


@pytest.fixture(params=_loops())
def run(request: pytest.FixtureRequest) -> Callable[[Coroutine[Any, Any, T]], T]:
    factory = request.param

    def runner(coro: Coroutine[Any, Any, T]) -> T:
        with asyncio.Runner(loop_factory=factory) as r:
            return r.run(coro)

    return runner


def ok(body: bytes = BODY, extra: bytes = b"") -> bytes:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n" % len(body)
    return head + extra + b"\r\n" + body


async def fetch(
    server: PolicyServer, net: Network | None = None, timeout: float = 2.0
) -> PolicyFetch:
    return await _fetch_one(net or server.network(timeout), HOST, URL, "127.0.0.1", timeout)


async def answer_once(data: bytes, s: Session) -> None:
    await s.request()
    await s.send(data)
    await s.wait_closed_by_client(3.0)


def once(data: bytes) -> Callable[[Session], Awaitable[None]]:
    return lambda s: answer_once(data, s)


async def settle(server: PolicyServer, count: int = 1, limit: float = 3.0) -> None:
    """Wait until ``count`` connections have been seen closed by the client."""
    deadline = time.monotonic() + limit
    while sum(c.closed_by_client for c in server.connections) < count:
        assert time.monotonic() < deadline, [c.closed_by_client for c in server.connections]
        await asyncio.sleep(0.01)


# --- what is sent, what is read ----------------------------------------------------------------


def test_the_request_carries_the_policy_host_and_the_same_headers_as_before(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    async def go() -> tuple[PolicyFetch, PolicyServer]:
        async with serving(tmp_path, once(ok()), HOST) as server:
            result = await fetch(server)
            await settle(server)
            return result, server

    result, server = run(go())
    (conn,) = server.connections
    assert conn.sni == HOST  # SNI names the policy host, while we connected to an address
    assert conn.requests == [
        b"GET /.well-known/mta-sts.txt HTTP/1.1\r\n"
        + f"Host: {HOST}:{server.port}\r\n".encode()
        + b"Connection: keep-alive\r\nAccept: text/plain\r\nAccept-Encoding: identity\r\n"
        b"Cache-Control: no-cache\r\nUser-Agent: mtasts-tui (MTA-STS checker)\r\n\r\n"
    ]
    assert (result.status, result.body, result.content_type) == (200, BODY, "text/plain")
    assert result.address == "127.0.0.1" and not result.truncated
    assert result.cert_names == (HOST,) and result.tls_version in ("TLSv1.2", "TLSv1.3")
    assert result.cert_not_after and result.cert_issuer
    assert result.error is None and result.tls_error is None


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"a\r\n"
        + BODY[:10]
        + b"\r\n"
        + b"%x;ext=1\r\n" % (len(BODY) - 10)
        + BODY[10:]
        + b"\r\n0\r\nX-Trailer: 1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + BODY,  # read until close
        b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + BODY,
        b"HTTP/1.1 100 Continue\r\n\r\n" + ok(),  # an interim answer is skipped
    ],
    ids=["chunked", "until-close", "http-1.0", "100-continue"],
)
def test_every_way_of_framing_a_body_reads_the_same_policy(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any], answer: bytes
) -> None:
    async def go() -> PolicyFetch:
        async def close_after(s: Session) -> None:
            await s.request()
            await s.send(answer)

        async with serving(tmp_path, close_after, HOST) as server:
            return await fetch(server)

    result = run(go())
    assert (result.status, result.body, result.content_type) == (200, BODY, "text/plain")


def test_a_body_ended_by_a_bare_tcp_close_is_read_as_httpx_read_it(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    """No TLS close_notify, only a FIN: a body framed by the close is whole (as httpx, with
    anyio's lenient EOF, took it); a body framed by its length is still short."""

    def ragged(answer: bytes) -> Callable[[Session], Awaitable[None]]:
        async def handler(s: Session) -> None:
            await s.request()
            await s.send(answer)
            s.writer.get_extra_info("socket").shutdown(socket.SHUT_WR)
            await s.wait_closed_by_client(3.0)

        return handler

    async def go() -> list[PolicyFetch]:
        out = []
        for answer in (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + BODY,
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nversion",
        ):
            async with serving(tmp_path, ragged(answer), HOST) as server:
                out.append(await fetch(server))
        return out

    whole, short = run(go())
    assert (whole.status, whole.body) == (200, BODY)
    assert short.error == (
        "the server broke the HTTP exchange (peer closed connection without sending "
        "complete message body (received 7 bytes, expected 100))"
    )


def test_a_redirect_is_reported_and_never_followed(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    moved = b"HTTP/1.1 301 Moved\r\nLocation: https://elsewhere.test/x\r\nContent-Length: 0\r\n\r\n"

    async def go() -> tuple[PolicyFetch, int]:
        async with serving(tmp_path, once(moved), HOST) as server:
            result = await fetch(server)
            return result, sum(len(c.requests) for c in server.connections)

    result, requests = run(go())
    assert (result.status, result.location, result.body) == (301, "https://elsewhere.test/x", b"")
    assert requests == 1


def test_headers_read_as_httpx_read_them_repeated_folded_and_not_ascii(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    async def go() -> list[PolicyFetch]:
        out = []
        for answer in (
            ok(extra=b"Content-Type: text/html\r\n"),
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain;\r\n charset=utf-8\r\n"
            b"Content-Length: 2\r\n\r\nok",
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\xe9\x9b\r\nLocation: /\xff\r\n"
            b"Content-Length: 2\r\n\r\nok",
        ):
            async with serving(tmp_path, once(answer), HOST) as server:
                out.append(await fetch(server))
        return out

    repeated, folded, latin = run(go())
    assert repeated.content_type == "text/plain, text/html"
    assert folded.content_type == "text/plain; charset=utf-8"
    assert (latin.content_type, latin.location) == ("text/plain\xe9\x9b", "/\xff")


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_the_limit_is_cut_and_flagged_and_the_socket_dropped(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any], chunked: bool
) -> None:
    size = 4 * MAX_POLICY_BYTES

    async def endless(s: Session) -> None:
        await s.request()
        if chunked:
            await s.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            for _ in range(size // 4096):
                await s.send(b"1000\r\n" + b"b" * 4096 + b"\r\n")
        else:
            await s.send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size + b"a" * size)
        await s.wait_closed_by_client(3.0)

    async def go() -> tuple[PolicyFetch, PolicyServer]:
        async with serving(tmp_path, endless, HOST) as server:
            result = await fetch(server, net=_pooled(server))
            await settle(server)
            return result, server

    result, server = run(go())
    assert result.truncated and result.body is not None and len(result.body) == MAX_POLICY_BYTES
    assert server.connections[0].closed_by_client  # never kept: the rest was never read


def test_a_body_of_exactly_the_limit_is_whole(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    async def go() -> PolicyFetch:
        async with serving(tmp_path, once(ok(b"c" * MAX_POLICY_BYTES)), HOST) as server:
            return await fetch(server)

    result = run(go())
    assert not result.truncated and result.body == b"c" * MAX_POLICY_BYTES


# --- broken answers, in the words users saw ----------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (b"", DISCONNECTED),
        (b"HTTP/1.1 200 OK\r\nContent-Ty", DISCONNECTED),  # closed mid-headers
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nversion",
            "the server broke the HTTP exchange (peer closed connection without sending "
            "complete message body (received 7 bytes, expected 100))",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc",
            "the server broke the HTTP exchange (peer closed connection without sending "
            "complete message body (incomplete chunked read))",
        ),
        (
            b"HELLO THERE\r\n\r\n",
            "the server broke the HTTP exchange (illegal status line: bytearray(b'HELLO THERE'))",
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
            "the server broke the HTTP exchange (conflicting Content-Length headers)",
        ),
    ],
    ids=["nothing", "mid-headers", "short-body", "short-chunk", "not-http", "two-lengths"],
)
def test_a_broken_answer_is_a_failed_fetch_in_words(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any], answer: bytes, words: str
) -> None:
    async def close_after(s: Session) -> None:
        await s.request()
        await s.send(answer)

    async def go() -> PolicyFetch:
        async with serving(tmp_path, close_after, HOST) as server:
            return await fetch(server)

    result = run(go())
    assert result.error == words and result.status is None and result.body is None


@pytest.mark.parametrize(
    "head",
    [b"X-Pad: " + b"p" * (2 * MAX_HEADER_BYTES) + b"\r\n", b"X-A: b\r\n" * 30_000],
    ids=["one-huge-header", "endless-headers"],
)
def test_a_header_block_without_end_is_refused_not_buffered(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any], head: bytes
) -> None:
    async def go() -> tuple[PolicyFetch, PolicyServer]:
        async with serving(
            tmp_path, once(b"HTTP/1.1 200 OK\r\n" + head + head + b"\r\n"), HOST
        ) as server:
            result = await fetch(server)
            await settle(server)
            return result, server

    result, _ = run(go())
    assert result.error == "the server broke the HTTP exchange (Receive buffer too long)"


def test_a_reset_connection_is_named(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    async def reset(s: Session) -> None:
        await s.request()
        s.reset()

    async def go() -> PolicyFetch:
        async with serving(tmp_path, reset, HOST) as server:
            return await fetch(server)

    assert run(go()).error == "the server reset the connection"


def test_a_refused_connection_is_named(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    async def go() -> PolicyFetch:
        with socket.socket() as bound:  # bound, never listening: connections are refused
            bound.bind(("127.0.0.1", 0))
            async with serving(tmp_path, once(ok()), HOST) as server:
                net = server.network()
            net.config = replace(net.config, https_port=bound.getsockname()[1])
            return await fetch(server, net=net)

    result = run(go())
    assert result.error == "connection refused on the HTTPS port" and result.tls_error is None


def test_tls_failures_are_tls_errors_in_words(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    async def go() -> list[PolicyFetch]:
        out = []
        async with serving(tmp_path, once(ok()), "other.example.test") as server:
            out.append(await fetch(server))  # a certificate for another name

        async def plain(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read(100)
            writer.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
            await writer.drain()
            writer.close()

        async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.close()

        async with serving(tmp_path, once(ok()), HOST) as server:
            for handler in (plain, hang_up):
                tcp = await asyncio.start_server(handler, "127.0.0.1", 0)
                net = server.network()
                net.config = replace(net.config, https_port=tcp.sockets[0].getsockname()[1])
                out.append(await fetch(server, net=net))
                tcp.close()
        return out

    wrong_name, plain_http, hung_up = run(go())
    assert wrong_name.tls_error == "the certificate is not valid for this host name"
    assert plain_http.tls_error == "TLS handshake failed: WRONG_VERSION_NUMBER"
    assert hung_up.tls_error == "TLS handshake failed: the server closed the connection"
    assert all(r.status is None and r.error is None for r in (wrong_name, plain_http, hung_up))


# --- time and sockets --------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["head", "body"])
def test_a_trickling_server_is_cut_at_the_step_timeout_and_its_socket_closed(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any], where: str
) -> None:
    async def trickle(s: Session) -> None:
        await s.request()
        if where == "body":
            await s.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")

        async def drip() -> None:
            for byte in b"HTTP/1.1 200 OK\r\n" * 20:
                s.writer.write(bytes([byte]))
                await asyncio.sleep(0.02)

        dripping = asyncio.ensure_future(drip())
        await s.wait_closed_by_client(3.0)
        dripping.cancel()

    async def go() -> tuple[PolicyFetch, float, PolicyServer]:
        async with serving(tmp_path, trickle, HOST) as server:
            started = time.monotonic()
            result = await fetch(server, timeout=0.5)
            took = time.monotonic() - started
            await settle(server)
            return result, took, server

    result, took, server = run(go())
    assert result.error == "timed out after 0.5 s"
    assert 0.45 < took < 1.0
    assert server.connections[0].closed_by_client


def test_a_server_silent_in_the_handshake_is_cut_at_the_timeout_and_its_socket_closed(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    async def go() -> tuple[PolicyFetch, float, list[bool]]:
        closed: list[bool] = []

        async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while await reader.read(4096):  # the ClientHello, then nothing back
                    pass
                closed.append(True)
            except OSError:
                closed.append(True)
            finally:
                writer.close()

        tcp = await asyncio.start_server(silent, "127.0.0.1", 0)
        try:
            async with serving(tmp_path, once(ok()), HOST) as server:
                net = server.network()
            net.config = replace(net.config, https_port=tcp.sockets[0].getsockname()[1])
            started = time.monotonic()
            result = await fetch(server, net=net, timeout=0.5)
            took = time.monotonic() - started
            for _ in range(300):
                if closed:
                    break
                await asyncio.sleep(0.01)
            return result, took, closed
        finally:
            tcp.close()

    result, took, closed = run(go())
    assert result.error == "timed out after 0.5 s" and result.tls_error is None
    assert 0.45 < took < 1.0
    assert closed == [True]


def test_a_cancelled_fetch_closes_its_socket(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    async def stall(s: Session) -> None:
        await s.request()
        await s.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nversion")
        await s.wait_closed_by_client(3.0)

    async def go() -> PolicyServer:
        async with serving(tmp_path, stall, HOST) as server:
            task = asyncio.ensure_future(fetch(server, net=_pooled(server)))
            while not server.connections or not server.connections[0].requests:
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await settle(server)
            return server

    server = run(go())
    assert server.connections[0].closed_by_client


def test_without_a_run_cache_nothing_is_kept_open(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    async def go() -> PolicyServer:
        async with serving(tmp_path, keep_alive, HOST) as server:
            net = server.network()
            assert net.cache is None
            for _ in range(2):
                assert (await fetch(server, net=net)).status == 200
            await settle(server, 2)
            return server

    server = run(go())
    assert [len(c.requests) for c in server.connections] == [1, 1]


# --- the pool: per (address, SNI name), never another name's ---------------------------------


async def keep_alive(s: Session) -> None:
    """Answer every request on the connection, as a server with keep-alive does."""
    while await s.request() is not None:
        await s.send(ok(extra=b"X-Sni: %s\r\n" % (s.seen.sni or "").encode()))


def _pooled(server: PolicyServer, **limits: int) -> Network:
    net = server.network()
    net.cache = RunCache(**limits)
    return net


def test_a_kept_connection_serves_only_the_name_it_was_made_for(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    names = [f"mta-sts.shop{i}.test" for i in range(3)]

    async def go() -> tuple[PolicyServer, list[tuple[str, str]], list[PolicyFetch]]:
        async with serving(tmp_path, keep_alive, *names) as server:
            net = _pooled(server)
            assert net.cache is not None
            results = []
            for _ in range(2):
                for name in names:
                    url = f"https://{name}/.well-known/mta-sts.txt"
                    results.append(await _fetch_one(net, name, url, "127.0.0.1", 2.0))
            keys = net.cache.pool_keys()
            await net.cache.aclose()
            await settle(server, len(names))
            return server, keys, results

    server, keys, results = run(go())
    assert all(r.status == 200 and r.body == BODY for r in results)
    assert [r.cert_names for r in results] == [(n,) for n in names] * 2
    # One connection per name, each carrying both of its rounds, and only its own Host.
    assert sorted(c.sni or "" for c in server.connections) == sorted(names)
    for conn in server.connections:
        assert len(conn.requests) == 2
        assert all(f"Host: {conn.sni}:".encode() in r for r in conn.requests)
    assert sorted(keys) == sorted(("127.0.0.1", n) for n in names)


def test_a_kept_connection_the_server_closed_while_idle_is_replaced_not_a_failure(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    async def answer_then_close(s: Session) -> None:
        await s.request()
        await s.send(ok())  # no "Connection: close": the client may keep it, then it goes

    async def go() -> tuple[list[PolicyFetch], PolicyServer]:
        async with serving(tmp_path, answer_then_close, HOST) as server:
            net = _pooled(server)
            first = await fetch(server, net=net)
            await asyncio.sleep(0.05)  # the server's close arrives while the connection idles
            second = await fetch(server, net=net)
            return [first, second], server

    results, server = run(go())
    assert [r.status for r in results] == [200, 200]
    assert [len(c.requests) for c in server.connections] == [1, 1]


def test_a_kept_connection_closed_as_the_request_went_out_is_retried_once(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    """The race no idle check can see: the server closes on reading the second request."""

    async def one_answer_per_connection(s: Session) -> None:
        await s.request()
        await s.send(ok())
        await s.request()  # the client reused the connection: hang up without a word

    async def go() -> tuple[list[PolicyFetch], PolicyServer]:
        async with serving(tmp_path, one_answer_per_connection, HOST) as server:
            net = _pooled(server)
            results = [await fetch(server, net=net) for _ in range(3)]
            assert net.cache is not None
            await net.cache.aclose()
            return results, server

    results, server = run(go())
    assert [r.status for r in results] == [200, 200, 200]
    assert [len(c.requests) for c in server.connections] == [2, 2, 1]


def test_a_connection_idle_past_the_keepalive_time_is_not_reused(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    async def go() -> PolicyServer:
        async with serving(tmp_path, keep_alive, HOST) as server:
            net = _pooled(server)
            assert net.cache is not None
            await fetch(server, net=net)
            kept = net.cache._pools[("127.0.0.1", HOST)].idle
            assert kept is not None
            kept.idle_since -= KEEPALIVE + 1  # as if it had waited that long
            await fetch(server, net=net)
            await settle(server)
            await net.cache.aclose()
            return server

    server = run(go())
    assert [len(c.requests) for c in server.connections] == [1, 1]


def test_pools_are_bounded_and_what_falls_out_is_closed(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    names = [f"mta-sts.shop{i}.test" for i in range(3)]

    async def go() -> tuple[PolicyServer, list[tuple[str, str]], list[tuple[str, str]]]:
        async with serving(tmp_path, keep_alive, *names) as server:
            net = _pooled(server, max_pools=2)
            cache = net.cache
            assert cache is not None
            for name in names:
                url = f"https://{name}/.well-known/mta-sts.txt"
                assert (await _fetch_one(net, name, url, "127.0.0.1", 2.0)).status == 200
            await settle(server, 1)  # the first name's pool fell out: its connection closed
            by_sni = {c.sni: c.closed_by_client for c in server.connections}
            assert by_sni == {names[0]: True, names[1]: False, names[2]: False}
            keys = cache.pool_keys()
            # A connection handed back for a pair no longer pooled is closed, not kept.
            conn = cache.idle_https("127.0.0.1", names[1])
            assert conn is not None
            cache.idle_https("127.0.0.1", "mta-sts.elsewhere.test")  # pushes names[2] out
            cache.idle_https("127.0.0.1", "mta-sts.third.test")  # and names[1]
            cache.keep_https("127.0.0.1", names[1], conn)
            await settle(server, 3)
            after = cache.pool_keys()
            await cache.aclose()
            return server, keys, after

    server, keys, after = run(go())
    assert keys == [("127.0.0.1", names[1]), ("127.0.0.1", names[2])]
    assert after == [("127.0.0.1", "mta-sts.elsewhere.test"), ("127.0.0.1", "mta-sts.third.test")]
    assert all(c.closed_by_client for c in server.connections)


def test_a_connection_close_answer_is_not_kept(
    tmp_path: Path, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    async def go() -> tuple[PolicyServer, bool]:
        async with serving(tmp_path, once(ok(extra=b"Connection: close\r\n")), HOST) as server:
            net = _pooled(server)
            assert (await fetch(server, net=net)).status == 200
            await settle(server)
            assert net.cache is not None
            kept = net.cache.idle_https("127.0.0.1", HOST) is not None
            await net.cache.aclose()
            return server, kept

    server, kept = run(go())
    assert not kept and server.connections[0].closed_by_client
