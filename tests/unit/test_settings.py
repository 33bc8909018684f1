"""Each bad value stops start-up with its own line, naming the variable and never the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.runtime.settings import Settings, SettingsError, load_settings

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET = "s" * 40


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in (
        "BOT_TOKEN",
        "TELEGRAM_API_URL",
        "DATABASE_PATH",
        "DEFAULT_TIMEZONE",
        "COORDINATOR_IDS",
        "PSEUDONYM_SECRET",
        "RUN_MODE",
        "WEBHOOK_URL",
        "WEBHOOK_PORT",
        "WEBHOOK_SECRET",
        "LOG_LEVEL",
        "CRISIS_RESOURCES_FILE",
        "RETENTION_DAYS",
        "MEMBER_CONSENT_HOURS",
        "SMALL_CELL_THRESHOLD",
    ):
        monkeypatch.delenv(name, raising=False)


def failure(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    return str(raised.value)


def test_defaults_mean_sandbox() -> None:
    settings = load_settings()
    assert settings.sandbox
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.run_mode == "polling"


def test_a_full_configuration_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "BOT_TOKEN": TOKEN,
        "PSEUDONYM_SECRET": SECRET,
        "COORDINATOR_IDS": " 12, 34 ,56",
        "DEFAULT_TIMEZONE": "Europe/Madrid",
        "TELEGRAM_API_URL": "http://127.0.0.1:8081/",
    }.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert not settings.sandbox
    assert settings.coordinator_ids == {12, 34, 56}
    assert settings.telegram_api_url == "http://127.0.0.1:8081"


def test_settings_are_read_from_a_dotenv_file(tmp_path) -> None:
    (tmp_path / ".env").write_text(f"BOT_TOKEN={TOKEN}\nPSEUDONYM_SECRET={SECRET}\nLOG_LEVEL=DEBUG\n")
    settings = load_settings()
    assert settings.log_level == "DEBUG"
    assert not settings.sandbox


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"BOT_TOKEN": "not-a-token"}, "BOT_TOKEN"),
        ({"TELEGRAM_API_URL": "api.telegram.org"}, "TELEGRAM_API_URL"),
        ({"TELEGRAM_API_URL": "http://host/with/path"}, "TELEGRAM_API_URL"),
        ({"DEFAULT_TIMEZONE": "Mars/Olympus"}, "DEFAULT_TIMEZONE"),
        ({"COORDINATOR_IDS": "12,alice"}, "COORDINATOR_IDS"),
        ({"PSEUDONYM_SECRET": "short"}, "PSEUDONYM_SECRET"),
        ({"RUN_MODE": "push"}, "RUN_MODE"),
        ({"WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT"),
        ({"WEBHOOK_PORT": "abc"}, "WEBHOOK_PORT"),
        ({"WEBHOOK_URL": "http://insecure.example.org/hook"}, "WEBHOOK_URL"),
        ({"WEBHOOK_SECRET": "has spaces"}, "WEBHOOK_SECRET"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"RETENTION_DAYS": "0"}, "RETENTION_DAYS"),
        ({"MEMBER_CONSENT_HOURS": "0"}, "MEMBER_CONSENT_HOURS"),
        ({"CRISIS_RESOURCES_FILE": "missing-lines.toml"}, "CRISIS_RESOURCES_FILE"),
        ({"BOT_TOKEN": TOKEN}, "PSEUDONYM_SECRET"),
        ({"BOT_TOKEN": TOKEN, "PSEUDONYM_SECRET": SECRET, "RUN_MODE": "webhook"}, "WEBHOOK_URL"),
        ({"BOT_TOKEN": TOKEN, "PSEUDONYM_SECRET": SECRET, "RUN_MODE": "webhook"}, "WEBHOOK_SECRET"),
    ],
)
def test_each_bad_value_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], variable: str
) -> None:
    message = failure(monkeypatch, **env)
    line = next(line for line in message.splitlines() if line.startswith(variable + " "))
    assert "expected" in line


def test_errors_never_echo_values(monkeypatch: pytest.MonkeyPatch) -> None:
    leaked = "123456789:this-token-must-never-be-printed"
    message = failure(monkeypatch, BOT_TOKEN=leaked + " !", PSEUDONYM_SECRET="tiny-secret-value")
    assert "this-token-must-never-be-printed" not in message
    assert "tiny-secret-value" not in message
    assert len(message.splitlines()) == 2  # one line per bad variable


def test_env_example_documents_every_setting_and_loads(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    example = Path(__file__).resolve().parents[2] / ".env.example"
    lines = example.read_text().splitlines()
    names = {line.split("=", 1)[0] for line in lines if line and not line.startswith("#")}
    assert names == {name.upper() for name in Settings.model_fields}
    for index, line in enumerate(lines):  # every variable has a comment right above it
        if line and not line.startswith("#"):
            assert lines[index - 1].startswith("#") or "=" in lines[index - 1], line
    (tmp_path / ".env").write_text(example.read_text())
    assert load_settings().sandbox


def test_retention_and_crisis_lines_have_defaults_and_load_from_a_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    settings = load_settings()
    assert settings.retention_days == 365 and settings.crisis_resources_file is None
    lines = tmp_path / "lines.toml"
    lines.write_text('emergency_number = "999"\n[[lines.en]]\nname = "Samaritans"\nphone = "116 123"\n')
    monkeypatch.setenv("CRISIS_RESOURCES_FILE", str(lines))
    assert load_settings().crisis_resources_file == lines


def test_small_cell_threshold_defaults_to_five_and_can_be_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().small_cell_threshold == 5
    monkeypatch.setenv("SMALL_CELL_THRESHOLD", "3")
    assert load_settings().small_cell_threshold == 3
    monkeypatch.setenv("SMALL_CELL_THRESHOLD", "10")
    assert load_settings().small_cell_threshold == 10


@pytest.mark.parametrize("value", ["2", "0", "-5", "five"])
def test_small_cell_threshold_below_three_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    message = failure(monkeypatch, SMALL_CELL_THRESHOLD=value)
    assert message.startswith("SMALL_CELL_THRESHOLD is not valid: expected a whole number of people")
    assert "at least" in message or "between 3" in message
    assert value not in message.split(":", 1)[0]
