"""A local emulator of the Telegram Bot API, for end-to-end tests and the sandbox."""
