"""Collect the field types of this package: every module that defines `FIELD_TYPE`."""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping

from engines.form.fields.base import FieldType

_NOT_TYPES = {"base", "registry"}


@lru_cache(maxsize=1)
def field_types() -> Mapping[str, FieldType]:
    """Name -> field type instance, read-only. Built once; a new type is one new module."""
    import engines.form.fields as package

    found: dict[str, FieldType] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name in _NOT_TYPES or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        cls = getattr(module, "FIELD_TYPE", None)
        if cls is None:
            continue
        instance = cls()
        if instance.name in found:
            raise RuntimeError(f"field type '{instance.name}' defined twice")
        found[instance.name] = instance
    return MappingProxyType(dict(sorted(found.items())))
