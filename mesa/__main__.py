"""`python -m mesa` is the `mesa` command."""

import sys

from mesa.cli import main

sys.exit(main())
