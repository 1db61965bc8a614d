"""``python -m msisim``: the same command line as ``msisim``."""

import sys

from msisim.cli import main

if __name__ == "__main__":
    sys.exit(main())
