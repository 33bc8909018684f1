"""Telegram update handlers, one module per feature; thin by design."""
