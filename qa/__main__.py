"""Allow `python -m qa` as a synonym of the `qa` console script."""

from __future__ import annotations

from qa.cli import main

raise SystemExit(main())
