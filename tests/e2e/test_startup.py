"""Start-up as an operator meets it: bad configuration and a database from newer code."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.e2e.harness import PSEUDONYM_SECRET, ROOT, TOKEN


def run_bot(tmp_path: Path, *args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "PSEUDONYM_SECRET")}
    base.update(PYTHONPATH=str(ROOT), **env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=base,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_help_prints_the_modes_and_exits_0(tmp_path: Path) -> None:
    """Without a token, --help used to start the sandbox (and never return).  It works even when
    the configuration is broken (SANDBOX_PORT=0), since the arguments come first."""
    result = run_bot(tmp_path, "--help", timeout=30, SANDBOX_PORT="0")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("usage: python -m bot")
    for mode in ("sandbox", "polling", "webhook", "BOT_TOKEN"):
        assert mode in result.stdout
    assert "Kindred sandbox" not in result.stdout + result.stderr


def test_unknown_arguments_exit_2_with_the_usage(tmp_path: Path) -> None:
    result = run_bot(tmp_path, "--polling", timeout=30, SANDBOX_PORT="0")
    assert result.returncode == 2
    assert "usage: python -m bot" in result.stderr and "--polling" in result.stderr
    assert "Kindred sandbox" not in result.stdout


def test_bad_configuration_stops_with_one_line_per_variable(tmp_path: Path) -> None:
    result = run_bot(tmp_path, BOT_TOKEN=TOKEN, PSEUDONYM_SECRET="short", DEFAULT_TIMEZONE="Nowhere/Town")
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if "expected" in line]
    assert [line.split()[0] for line in lines] == ["DEFAULT_TIMEZONE", "PSEUDONYM_SECRET"]
    assert TOKEN not in result.stderr + result.stdout


def test_a_database_from_newer_code_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "future.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA user_version = 999")
    result = run_bot(
        tmp_path,
        BOT_TOKEN=TOKEN,
        PSEUDONYM_SECRET=PSEUDONYM_SECRET,
        DATABASE_PATH=str(database),
        TELEGRAM_API_URL="http://127.0.0.1:9",  # never reached: the check comes first
    )
    assert result.returncode == 3, result.stderr[-2000:]
    assert "schema version 999" in result.stderr
    assert "Traceback" not in result.stderr
