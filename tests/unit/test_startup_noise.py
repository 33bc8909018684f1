"""Start-up says only what matters: no library warnings, no font-subsetting chatter."""

from __future__ import annotations

import logging
import tomllib
import warnings
from pathlib import Path

from bot.app.application import build_application
from bot.runtime.logs import configure_logging
from bot.runtime.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_building_the_application_warns_nothing(tmp_path: Path) -> None:
    """PTB warned three times (PTBUserWarning, per_message=False) at every start."""
    settings = load_settings(
        bot_token="123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz",
        pseudonym_secret="s" * 40,
        database_path=tmp_path / "kindred.sqlite3",
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build_application(settings)
    assert [f"{w.filename}:{w.lineno}: {w.message}" for w in caught] == []


def test_fonttools_is_quiet_at_info(monkeypatch) -> None:
    """fpdf2 subsets the proof letter's font with fontTools: ~75 INFO lines per /proof."""
    root, fonttools = logging.getLogger(), logging.getLogger("fontTools")
    monkeypatch.setattr(root, "handlers", [])  # configure_logging replaces them; put them back after
    levels = root.level, fonttools.level
    try:
        configure_logging("INFO")
        assert not logging.getLogger("fontTools.subset").isEnabledFor(logging.INFO)
        assert logging.getLogger("fontTools.subset").isEnabledFor(logging.WARNING)
        assert logging.getLogger("bot.app.application").isEnabledFor(logging.INFO)
    finally:
        root.setLevel(levels[0])
        fonttools.setLevel(levels[1])


def test_the_license_is_an_spdx_expression() -> None:
    """The TOML-table form made every install print a setuptools deprecation warning."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["license"] == "MIT"
    assert any(r.startswith("setuptools>=77") for r in pyproject["build-system"]["requires"])


def test_the_last_get_updates_at_shutdown_is_a_warning_without_a_traceback() -> None:
    from telegram.error import TimedOut  # noqa: PLC0415

    from bot.runtime.logs import HandledAtShutdown  # noqa: PLC0415

    try:
        raise TimedOut("Timed out")
    except TimedOut:
        import sys  # noqa: PLC0415

        record = logging.LogRecord(
            "telegram.ext.Updater",
            logging.ERROR,
            __file__,
            1,
            "Error while calling `get_updates` one more time to mark all fetched updates. Suppressing",
            (),
            sys.exc_info(),
        )
    assert HandledAtShutdown().filter(record)
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert "TimedOut" in record.getMessage() and "Traceback" not in logging.Formatter().format(record)


def test_the_webhook_server_logs_events_not_update_bodies_secrets_or_tracebacks() -> None:
    """What PTB's webhook handler logs at DEBUG, through Kindred's filter (bot/runtime/logs.py)."""
    import tornado.web  # noqa: PLC0415

    from bot.runtime.logs import WebhookPrivacy  # noqa: PLC0415

    body = '{"update_id": 1, "message": {"text": "I relapsed last night"}}'
    received = logging.LogRecord(
        "telegram.ext.Updater", logging.DEBUG, __file__, 1, "Webhook received data: %s", (body,), None
    )
    guessed = logging.LogRecord(
        "telegram.ext.Updater",
        logging.DEBUG,
        __file__,
        1,
        "Request had the wrong secret token: %s",
        ("old-secret",),
        None,
    )
    try:
        raise tornado.web.HTTPError(403, reason="Request had the wrong secret token")
    except tornado.web.HTTPError as error:
        refused = logging.LogRecord(
            "telegram.ext.Updater",
            logging.DEBUG,
            __file__,
            1,
            "%s - %s",
            ("203.0.113.9", "Exception in TelegramHandler"),
            (type(error), error, error.__traceback__),
        )
    for record in (received, guessed, refused):
        assert WebhookPrivacy().filter(record)
    shown = "\n".join(logging.Formatter().format(r) for r in (received, guessed, refused))
    assert "relapsed" not in shown and "old-secret" not in shown and "Traceback" not in shown
    assert "Webhook received an update" in shown
    assert "refused: HTTP 403" in shown
