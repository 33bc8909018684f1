"""Telegram update handlers, one module per feature; thin by design.

Each feature module exposes ``handlers()`` returning its handlers by handler group, and may
expose ``COMMANDS`` (shown by /help and Telegram's menus) and ``async on_startup(application)``
(to rebuild its scheduled jobs from the database).  :func:`feature_modules` finds them, so adding
a feature never means editing a central list.  Handler groups are named in ``handlers.common``.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def feature_modules() -> list[ModuleType]:
    """Every module in this package that provides ``handlers()``, in name order."""
    modules = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if callable(getattr(module, "handlers", None)):
            modules.append(module)
    return modules
