"""A loopback TCP proxy in front of an emulator, for network faults no HTTP server can make.

It can refuse connections (as a host that is down does) and cut a connection after a request
reached the emulator but before its answer reaches the client (as a broken network does).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit


class TcpProxy:
    def __init__(self, upstream_url: str) -> None:
        parts = urlsplit(upstream_url)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._server: asyncio.Server | None = None
        self.port = 0
        self.cut_after: list[bytes] = []  # request-line prefixes whose answers are cut off
        self.cuts = 0
        self._open: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def open(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def refuse(self) -> None:
        """Stop listening: new connections are refused until `open()`."""
        if self._server is not None:
            self._server.close()
            for writer in list(self._open):  # kept-alive connections break too
                writer.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self._upstream)
        self._open.add(writer)
        cut = asyncio.Event()

        async def client_to_upstream() -> None:
            while data := await reader.read(65536):
                if any(data.startswith(prefix) for prefix in self.cut_after):
                    self.cut_after = [p for p in self.cut_after if not data.startswith(p)]
                    cut.set()
                up_writer.write(data)
                await up_writer.drain()

        async def upstream_to_client() -> None:
            while data := await up_reader.read(65536):
                if cut.is_set():
                    self.cuts += 1
                    return  # the answer was produced; the client never gets it
                writer.write(data)
                await writer.drain()

        tasks = [
            asyncio.create_task(client_to_upstream()),
            asyncio.create_task(upstream_to_client()),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._open.discard(writer)
            for task in tasks:
                task.cancel()
            for stream in (writer, up_writer):
                stream.close()
                with contextlib.suppress(Exception):
                    await stream.wait_closed()


@contextlib.asynccontextmanager
async def proxy_to(upstream_url: str) -> AsyncIterator[TcpProxy]:
    proxy = TcpProxy(upstream_url)
    await proxy.open()
    try:
        yield proxy
    finally:
        await proxy.refuse()
