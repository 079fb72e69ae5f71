"""Screen components: one module each in this package, found at start-up. Adding a component is one
file, its template (templates/tessera/screens/<KEY>.html) and its test. A module has:

- KEY: its name in a definition (`- stats: {...}`);
- SCHEMA: the JSON Schema of its options;
- NEEDS_RECORD: whether it shows the page's record (then the page needs `for: me` or a search box);
- compile(spec, cc) -> frozen options, or None after reporting through `cc.report(path, message)`;
- render(options, view) -> Markup: the component's HTML for one request (engines/form/screens/view.py);
- optionally find(options, view) -> the page's record (a search box) and
  post(options, view) -> a response or None (a form that writes through the record service).
"""
from __future__ import annotations

from engines.common.plugins import registry

COMPONENTS = registry(__name__, __path__, "KEY")
