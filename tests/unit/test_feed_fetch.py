"""Fetching a feed link: only https, only public addresses (no requests leave this machine here)."""

from __future__ import annotations

import pytest

from bot.runtime.feed_fetch import FetchError, FetchErrorCode, check_url, fetch_feed, is_public


def resolver(*addresses: str):
    async def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("192.168.0.10", False),
        ("169.254.169.254", False),  # cloud metadata
        ("::1", False),
        ("fe80::1%eth0", False),
        ("100.64.0.1", False),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public(address) is public


async def test_only_https_links_to_public_hosts_pass() -> None:
    assert await check_url(" https://feeds.example.org/x.json", resolver("93.184.216.34")) == (
        "https://feeds.example.org/x.json"
    )
    for url in (
        "http://feeds.example.org/x.json",
        "ftp://x",
        "feeds.example.org",
        "https://",
        "https://[::1",
    ):
        with pytest.raises(FetchError) as caught:
            await check_url(url, resolver("93.184.216.34"))
        assert caught.value.code is FetchErrorCode.NOT_HTTPS, url
    for addresses in (("127.0.0.1",), ("93.184.216.34", "10.0.0.1"), ()):
        with pytest.raises(FetchError) as caught:
            await check_url("https://sneaky.example.org/", resolver(*addresses))
        assert caught.value.code is FetchErrorCode.PRIVATE_ADDRESS


async def test_a_loopback_link_is_refused_before_any_request() -> None:
    with pytest.raises(FetchError) as caught:
        await fetch_feed("https://127.0.0.1:1/feed.json")
    assert caught.value.code is FetchErrorCode.PRIVATE_ADDRESS
