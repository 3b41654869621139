"""``python -m wasmcall``."""

import sys

from wasmcall.cli import main

sys.exit(main())
