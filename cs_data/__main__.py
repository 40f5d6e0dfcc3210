"""``python -m cs_data``: the same as the ``cs-data`` command."""

import sys

from cs_data.cli import main

sys.exit(main())
