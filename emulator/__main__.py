"""Run the sandbox: ``python -m emulator [--port 8081]`` then open the printed address.

The bot connects to it as to Telegram, with ``base_url=<address>/bot`` and the printed token.
"""

from __future__ import annotations

import argparse
import asyncio
import logging

from emulator.core import Emulator

DEMO_TOKEN = "123456:SANDBOX-TOKEN"  # noqa: S105 - the sandbox's fake token


async def populate(emu: Emulator) -> None:
    """A few people with roles, and one group with the bot in it, to try things with."""
    ana = emu.add_user("Ana", username="ana", label="facilitator")
    ben = emu.add_user("Ben", username="ben", label="member")
    cleo = emu.add_user("Cleo", username="cleo", language_code="es", label="member (Spanish)")
    emu.add_user("Dana", username="dana", label="coordinator")
    group = emu.add_group("Tuesday Circle")
    await group.add_member(ana, owner=True)
    await group.add_member(ben)
    await group.add_member(cleo)
    await group.add_bot(by=ana, admin=True)


async def serve(host: str, port: int) -> None:
    emu = Emulator(DEMO_TOKEN, "KindredSandboxBot", sandbox=True, host=host, port=port)
    await emu.start()
    await populate(emu)
    print(f"Sandbox at {emu.url}/  (bot: token {DEMO_TOKEN}, base_url {emu.url}/bot)")
    try:
        await asyncio.Event().wait()
    finally:
        await emu.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
