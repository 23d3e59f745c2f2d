"""The bundle's entry point: the `studio` command, frozen by PyInstaller."""

import multiprocessing
import sys

from studio.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen app must not re-run itself in workers
    sys.exit(main())
