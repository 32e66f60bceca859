"""Inkframe Studio entry point: `python main.py [COMMAND] ...` (no command starts the UI)."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
