"""``python -m imbdiff.cli``."""

from . import main

raise SystemExit(main())
