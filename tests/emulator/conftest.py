"""Fixtures for the emulator's own tests: a running emulator and a raw Bot API client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from emulator import Emulator

TOKEN = "123456:TEST-TOKEN"
Call = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]


class FakeClock:
    """A monotonic clock tests move by hand, so rate-limit windows need no real waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def emu(clock: FakeClock) -> AsyncIterator[Emulator]:
    emulator = Emulator(TOKEN, "KindredTestBot", clock=clock)
    await emulator.start()
    yield emulator
    await emulator.stop()


def form_value(value: Any) -> str:
    """Encode one parameter as PTB does in form bodies: objects as JSON, everything as text."""
    if isinstance(value, str):
        return value
    return json.dumps(value)


@pytest.fixture
async def api(emu: Emulator) -> AsyncIterator[Call]:
    """``await api("sendMessage", chat_id=1, text="hi")`` -> (HTTP status, Telegram JSON)."""
    async with aiohttp.ClientSession() as session:

        async def call(
            method: str, *, _form: bool = False, _token: str = TOKEN, **params: Any
        ) -> tuple[int, dict[str, Any]]:
            url = f"{emu.url}/bot{_token}/{method}"
            if _form:
                body = {key: form_value(value) for key, value in params.items()}
                response = await session.post(url, data=body)
            else:
                response = await session.post(url, json=params)
            async with response:
                return response.status, await response.json()

        yield call
