"""`python -m mesa_tumbes` is the `mesa` command."""

import sys

from mesa_tumbes.cli.main import main

sys.exit(main())
