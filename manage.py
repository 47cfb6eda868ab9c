#!/usr/bin/env python
"""Django's command-line utility; `parley` is the same with a few extra commands."""

from __future__ import annotations

from parley.cli import main

if __name__ == "__main__":
    main()
