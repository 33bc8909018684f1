"""Telegram update handlers: one module per feature, thin by design.

A feature module parses updates, calls its use cases and renders replies; it ends with
``FEATURE = Feature(...)`` (:mod:`bot.runtime.feature`), and :mod:`bot.app.features` lists every
feature in order.  Handler groups are named in :mod:`handlers.common`.
"""
