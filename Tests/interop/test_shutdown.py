"""Graceful shutdown of the real binary: SIGTERM closes WebSockets with 1001 and the process exits 0."""
import asyncio
import signal

import websockets

from conftest import start_server, stop_server


def test_sigterm_closes_websockets_with_1001_and_exits_cleanly():
    server = start_server()

    async def run():
        async with websockets.connect(server.ws_url + "/ws/echo") as ws:
            await ws.send("before shutdown")
            assert await ws.recv() == "before shutdown"
            server.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(ws.recv(), 15)
            except websockets.ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None
        return None

    code = asyncio.run(run())
    assert code == 1001
    assert stop_server(server, timeout=30) == 0
