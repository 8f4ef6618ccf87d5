"""``python -m flyers``."""

from .cli import main

main()
