"""Telegram update handlers, one module per feature; thin by design.

Each feature module exposes ``handlers()`` returning its handlers by handler group, and may
expose ``COMMANDS`` (shown by /help and Telegram's menus) and ``async on_startup(application)``
(to rebuild its scheduled jobs from the database).  :func:`feature_modules` finds them, so adding
a feature never means editing a central list.  Handler groups are named in ``handlers.common``.

Within a handler group python-telegram-bot runs only the first handler that matches, so a module
whose handlers are catch-alls (the generic ``/start``, "I did not understand") sets ``ORDER = 90``
to be registered after every feature (default ``ORDER = 50``).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from types import ModuleType


@functools.cache
def feature_modules() -> tuple[ModuleType, ...]:
    """Every module in this package that provides ``handlers()``, by ``ORDER`` then name.

    Found once per process: /help and /start ask on every call, and a directory scan each time
    cost more than the rest of the reply (``python -m bench``)."""
    modules = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if callable(getattr(module, "handlers", None)):
            modules.append(module)
    return tuple(sorted(modules, key=lambda m: (getattr(m, "ORDER", 50), m.__name__)))
