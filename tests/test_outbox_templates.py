"""Message templates: sandboxed Jinja2, compiled once, strict about names, bounded in size."""
from __future__ import annotations

import time

import pytest

from engines.common.templates import MAX_OUTPUT, TemplateError, compile_template, render


def test_renders_chinese_text_from_the_context_without_html_escaping():
    template = compile_template("{{ member.name }}，您好！本次获得 {{ record.points }} 积分 <VIP> & 谢谢")
    assert render(template, {"member": {"name": "张三"}, "record": {"points": 120}}) == \
        "张三，您好！本次获得 120 积分 <VIP> & 谢谢"


def test_a_compiled_template_is_rendered_many_times():
    template = compile_template("{{ n }}")
    assert [render(template, {"n": i}) for i in range(3)] == ["0", "1", "2"]


def test_an_undefined_name_is_an_error_naming_it_and_the_names_available():
    with pytest.raises(TemplateError, match=r"rules.welcome.body: 'membr' is undefined \(names available: member, record\)"):
        render(compile_template("{{ membr.name }}", "rules.welcome.body"), {"member": {}, "record": {}})
    with pytest.raises(TemplateError, match="has no attribute 'nmae'"):
        render(compile_template("{{ member.nmae }}"), {"member": {"name": "x"}})


def test_a_syntax_error_is_reported_at_compile_time_with_its_line():
    with pytest.raises(TemplateError, match=r"^t: line 2: "):
        compile_template("ok\n{% if %}", "t")


@pytest.mark.parametrize("source", [
    "{{ ().__class__.__bases__ }}",
    "{{ record.__init__ }}",
    "{{ 'a' * 10**9 }}",
    "{{ [1] * 10**8 }}",
    "{{ 2 ** 100000 }}",
    "{% for i in range(10**9) %}x{% endfor %}",
    "{% for i in range(99999) %}{% for j in range(99999) %}xxxxxxxx{% endfor %}{% endfor %}",
])
def test_hostile_templates_are_refused_quickly(source):
    started = time.monotonic()
    with pytest.raises(TemplateError):
        render(compile_template(source), {"record": {}})
    assert time.monotonic() - started < 10      # refused by the sandbox's limits, not after running for minutes


def test_output_is_limited_in_size():
    with pytest.raises(TemplateError, match=f"longer than {MAX_OUTPUT} characters"):
        render(compile_template("{{ text }}{{ text }}"), {"text": "x" * (MAX_OUTPUT // 2 + 1)})
