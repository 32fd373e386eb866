"""``python -m taskplug.execute``: the same program as ``taskplug-execute``."""

import sys

from taskplug.execute import main

sys.exit(main())
