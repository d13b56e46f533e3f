"""Entry point of the frozen build (packaging/kefu.spec): `kefu` with no arguments starts the
sidebar, `kefu suggest …`, `kefu doctor`, `kefu kb …` work as in the source tree.

The window is imported only when it is started, so CLI commands never load Qt."""
from __future__ import annotations

import multiprocessing
import sys


def _window(argv):
    from ui.app import main as ui_main

    return ui_main(argv)


if __name__ == "__main__":
    multiprocessing.freeze_support()  # `kefu kb build` of a big library uses a process pool
    from assistant.cli import main

    sys.exit(main(sys.argv[1:], frontend=_window))
