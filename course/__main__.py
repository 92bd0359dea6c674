"""``python -m course`` runs the ``course`` command line."""

import sys

from .cli import main

sys.exit(main())
