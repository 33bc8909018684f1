"""``python -m bot`` starts Kindred."""

import sys

from bot.main import main

sys.exit(main())
