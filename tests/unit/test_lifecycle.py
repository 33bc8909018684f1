"""The bot's run: start-up, taking updates and the stop, in python-telegram-bot's order, with
every step of the stop run even when one before it fails (bot/app/main.py ``_lifecycle``)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.app import main

WEBHOOKLESS: Any = None  # the settings only reach _take_updates, replaced here


class Part:
    def __init__(self, name: str, calls: list[str]) -> None:
        self.name, self.calls, self.running = name, calls, False

    async def stop(self) -> None:
        self.calls.append(f"{self.name} stops")
        self.running = False


class Application(Part):
    def __init__(self, calls: list[str]) -> None:
        super().__init__("application", calls)
        self.updater = Part("updater", calls)
        self.started = asyncio.Event()

    async def initialize(self) -> None:
        self.calls.append("initialize")

    async def start(self) -> None:
        self.calls.append("application starts")
        self.running = True
        self.started.set()

    async def shutdown(self) -> None:
        self.calls.append("shutdown")


class Stopper:
    """GracefulStop without signals or its watchdog (which would end the test run)."""

    def __init__(self) -> None:
        self.event = asyncio.Event()

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        pass

    @property
    def requested(self) -> bool:
        return self.event.is_set()

    async def wait(self) -> None:
        await self.event.wait()


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []

    async def step(name: str) -> None:
        calls.append(name)

    async def take_updates(application: Application, updater: Part, settings: object) -> None:
        calls.append("updates taken")
        updater.running = True

    async def stop_services(application: Application) -> None:
        calls.append("stop_services")
        raise RuntimeError("a feature failed to stop")

    monkeypatch.setattr(main, "start_services", lambda app: step("start_services"))
    monkeypatch.setattr(main, "stop_services", stop_services)
    monkeypatch.setattr(main, "close_services", lambda app: step("close_services"))
    monkeypatch.setattr(main, "_take_updates", take_updates)
    return calls


async def test_every_step_of_the_stop_runs_even_when_one_fails(calls: list[str]) -> None:
    application, stopper = Application(calls), Stopper()
    run = asyncio.create_task(main._lifecycle(application, WEBHOOKLESS, stopper))  # type: ignore[arg-type]
    await application.started.wait()
    stopper.event.set()
    with pytest.raises(RuntimeError, match="failed to stop"):
        await run
    assert calls == [
        "initialize",
        "start_services",
        "updates taken",
        "application starts",
        "updater stops",
        "application stops",
        "stop_services",
        "shutdown",
        "close_services",  # the database is closed all the same
    ]


async def test_a_stop_during_start_up_lets_it_finish_and_takes_no_updates(calls: list[str]) -> None:
    application, stopper = Application(calls), Stopper()
    stopper.event.set()
    with pytest.raises(RuntimeError):
        await main._lifecycle(application, WEBHOOKLESS, stopper)  # type: ignore[arg-type]
    assert calls == ["initialize", "start_services", "stop_services", "shutdown", "close_services"]
