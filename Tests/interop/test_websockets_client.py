"""The Python `websockets` client against /ws/echo, with and without permessage-deflate."""
import asyncio

import pytest
import websockets

SIZES = [0, 125, 126, 64 * 1024, 1024 * 1024]


async def exchange(url: str, compression, ssl=None):
    """Echoes text and binary of every size; returns the extension the server agreed to. `ssl`: the client context
    for wss://."""
    async with websockets.connect(url, compression=compression, max_size=None, ssl=ssl) as ws:
        negotiated = ws.response.headers.get("Sec-WebSocket-Extensions")
        for size in SIZES:
            text = "".join(chr(0x41 + i % 26) if i % 7 else "\u00e9" for i in range(size))[:size]
            await ws.send(text)
            assert await ws.recv() == text, f"text of {size} characters"
            data = bytes(i % 251 for i in range(size))
            await ws.send(data)
            reply = await ws.recv()
            assert isinstance(reply, bytes) and reply == data, f"binary of {size} bytes"
        await ws.close()
        assert ws.close_code == 1000
        return negotiated


@pytest.mark.parametrize("compression", [None, "deflate"])
def test_echo_text_and_binary_of_every_size(server, compression):
    negotiated = asyncio.run(exchange(server.ws_url + "/ws/echo", compression))
    if compression is None:
        assert negotiated is None
    else:
        assert negotiated is not None and negotiated.startswith("permessage-deflate")


def test_hub_broadcasts_to_every_member(server):
    async def run():
        url = server.ws_url + "/ws/hub"
        async with websockets.connect(url) as a, websockets.connect(url, compression=None) as b:
            # Each member joined before its 101 response was written, so both are members now.
            await a.send("hello hub")
            assert await asyncio.wait_for(a.recv(), 10) == "hello hub"
            assert await asyncio.wait_for(b.recv(), 10) == "hello hub"
    asyncio.run(run())
