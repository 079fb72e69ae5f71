"""The compiled rules of an app: frozen, built once by the builder, read by the engine at run time."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engines.common.labels import Label


@dataclass(frozen=True)
class Step:
    """One action of a rule: `action` is the compiled plugin object; `bind` names its result for the
    actions after it (`as: coupon` -> `coupon.id` in later expressions)."""
    kind: str
    action: Any
    bind: str | None = None
    path: tuple = ()
    condition: Any = None         # the step runs only when this holds (`if:` on the step)


@dataclass(frozen=True)
class Rule:
    name: str
    label: Label
    trigger: Any                  # a compiled trigger (engines/rules/triggers)
    condition: Any = None         # an Expression, or None: always
    steps: tuple[Step, ...] = ()
    priority: int = 0             # higher runs first
    enabled: bool = True
    fingerprint: str = ""         # of its definition: a held-back rule runs again once this changes
