"""`python -m supportdesk.cli`: how `supportdesk run` starts its children."""

import sys

from supportdesk.cli import main

sys.exit(main())
