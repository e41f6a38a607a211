"""``python -m zkclaims.cli``: the same as the ``zkclaims`` command."""

import sys

from zkclaims.cli import main

sys.exit(main())
