"""Registries of one-file plugins: the modules of a package, found at start-up."""
from __future__ import annotations

import importlib
import pkgutil
from types import MappingProxyType


def plugin_modules(package: str, path) -> list:
    """The modules of `package` (its `__path__`) whose names do not start with '_', by name."""
    return [importlib.import_module(f"{package}.{info.name}")
            for info in sorted(pkgutil.iter_modules(path), key=lambda i: i.name) if not info.name.startswith("_")]


def registry(package: str, path, key: str = "TYPE") -> MappingProxyType:
    """{module.<key>: module} of the package's plugin modules, read-only."""
    return MappingProxyType({getattr(m, key): m for m in plugin_modules(package, path)})
