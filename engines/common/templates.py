"""Message templates: Jinja2 in a sandbox, compiled once (when the App is built), rendered per message.

A definition is untrusted input, so templates run in a `SandboxedEnvironment` (no dunders, no
unsafe attributes), undefined names are errors that name the name (not a silent empty string in a
customer's SMS), `*` cannot build huge strings or lists, and the output is cut off at a size limit
while it is generated, so a loop over a billion items stops early. Autoescape is off: the messages
are plain text (SMS, e-mail, WeChat), not HTML.
"""
from __future__ import annotations

import operator
from typing import Any, Mapping

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment, SecurityError

MAX_SOURCE = 20_000     # characters of one template
MAX_OUTPUT = 64_000     # characters of one rendered message
MAX_SEQUENCE = 10_000   # items or characters that `*` may produce


class TemplateError(ValueError):
    """A template that does not compile, or a render that failed: one line fit for the definition's author."""


class _Environment(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator_name, left, right):
        if operator_name == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_SEQUENCE:
                    raise SecurityError(f"'*' would make {len(seq) * n} items (at most {MAX_SEQUENCE})")
            return operator.mul(left, right)
        if isinstance(right, int) and abs(right) > 100:
            raise SecurityError(f"'**' with exponent {right} (at most 100)")
        return operator.pow(left, right)


def _environment() -> SandboxedEnvironment:
    # a new environment per compile: compiling happens once per template when the App is built
    return _Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


def compile_template(source: str, name: str = "template"):
    """The compiled Template of `source`, or TemplateError naming the line. `name` appears in messages
    (say "rules.welcome.do[0].body")."""
    if not isinstance(source, str):
        raise TemplateError(f"{name}: a template is text, not {type(source).__name__}")
    if len(source) > MAX_SOURCE:
        raise TemplateError(f"{name}: template of {len(source)} characters (at most {MAX_SOURCE})")
    try:
        template = _environment().from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"{name}: line {exc.lineno}: {exc.message}") from None
    template.tessera_name = name    # for render's errors
    return template


def render(template, context: Mapping[str, Any]) -> str:
    """The text of `template` for `context` (e.g. {"record": ..., "member": ..., "app": ...}).
    Raises TemplateError for an undefined name, a refused operation or an output over MAX_OUTPUT."""
    name = getattr(template, "tessera_name", "template")
    out: list[str] = []
    size = 0
    try:
        for chunk in template.generate(dict(context)):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateError(f"{name}: the message is longer than {MAX_OUTPUT} characters")
            out.append(chunk)
    except UndefinedError as exc:
        raise TemplateError(f"{name}: {exc.message} (names available: {', '.join(sorted(context)) or 'none'})") from None
    except SecurityError as exc:
        raise TemplateError(f"{name}: not allowed: {exc}") from None
    except TemplateError:
        raise
    except Exception as exc:   # 1/0, int('x'): a fault of the template, reported as one
        raise TemplateError(f"{name}: {type(exc).__name__}: {exc}") from None
    return "".join(out)


def render_text(source: str, context: Mapping[str, Any], name: str = "template") -> str:
    """Compile and render at once: for templates that come from configuration, not from an App."""
    return render(compile_template(source, name), context)
