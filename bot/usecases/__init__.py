"""Use cases: what each feature does, step by step, with no Telegram in sight.

One module per feature.  A handler parses the update, calls one use case and renders what it
returns; a use case reads and writes through the repositories in ``services.repos``, applies the
rules in :mod:`bot.domain`, and returns typed results (never message text: wording is the
handler's).  Use cases take the :class:`~bot.runtime.services.Services` as their first argument,
so a test or a benchmark can call them with real repositories on a scratch database.
"""
