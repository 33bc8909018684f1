"""Kindred: a Telegram bot for peer-support recovery groups (wiring and domain logic)."""
