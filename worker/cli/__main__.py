"""``python -m worker.cli``: the ``judgebox`` command without its installed script."""

from . import main

main()
