"""Where the `tessera` commands find app definitions when none are named."""
from __future__ import annotations

import os


def default_apps(folder: str = "apps") -> list[str]:
    """apps/*.yaml in the working directory, sorted; empty when there is no such folder."""
    return sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".yaml")) \
        if os.path.isdir(folder) else []
