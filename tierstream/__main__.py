"""`python -m tierstream`: the same command line as `tierstream`."""

import sys

from tierstream.cli.main import main

sys.exit(main())
