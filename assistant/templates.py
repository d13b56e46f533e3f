"""Reply templates: text with ``{变量}`` slots (``{订单号}``, ``{店铺名}`` …), one syntax for the
engine, the sidebar, the usage log and the knowledge-base editors.

- ``names(template)``: the variables a template uses, first-seen order;
- ``fill(template, lookup)``: each slot replaced by ``lookup(name)``; slots without a value stay as
  they are and are returned as missing;
- ``render(template, values)``: the same with a dict (the sidebar's variable editor);
- ``split(template, filled, missing)``: each variable's value read back out of a filled text;
- ``unfill(template, filled, final)``: the values put back into slots in the agent's final text,
  so an edited reply can become a template again;
- ``strip(template)``: the literal text alone.
"""
from __future__ import annotations

import re
from collections.abc import Callable

VARIABLE_RE = re.compile(r"\{([^{}\s]{1,8})\}")


def names(template: str) -> list[str]:
    return list(dict.fromkeys(VARIABLE_RE.findall(template)))


def strip(template: str) -> str:
    return VARIABLE_RE.sub("", template)


def fill(template: str, lookup: Callable[[str], str | None]) -> tuple[str, list[str]]:
    missing: list[str] = []

    def sub(m):
        name = m.group(1)
        value = lookup(name)
        if value:
            return value
        if name not in missing:
            missing.append(name)
        return m.group(0)

    return VARIABLE_RE.sub(sub, template), missing


def render(template: str, values: dict[str, str]) -> str:
    return VARIABLE_RE.sub(lambda m: values.get(m.group(1)) or m.group(0), template)


def _line_up(template: str, filled: str, value_rx: str):
    """The template's parts (literal, name, literal, name, …) and the match of ``filled`` against
    it (each slot matched by ``value_rx``, a group), or None when they do not line up."""
    parts = VARIABLE_RE.split(template)
    rx = "".join(re.escape(p) if i % 2 == 0 else value_rx for i, p in enumerate(parts))
    return parts, re.fullmatch(rx, filled, flags=re.S)


def split(template: str, filled: str, missing: list[str]) -> list[tuple[str, str]] | None:
    """Recover each variable's value from a template and its filled text:
    ("订单{订单号}已发", "订单123已发") → [("订单号", "123")]. None when they do not line up."""
    if len(VARIABLE_RE.split(template)) == 1:
        return []
    parts, m = _line_up(template, filled, "(.*?)")
    if not m:
        return None
    out, seen = [], set()
    for i, name in enumerate(parts[1::2]):
        if name in seen:
            continue
        seen.add(name)
        value = m.group(i + 1)
        out.append((name, "" if name in missing or value == "{" + name + "}" else value))
    return out


def unfill(template: str, filled: str, final: str) -> str:
    """Turn the values a template filled in (order number, name…) back into {variables} in the
    agent's final text, so an edited text can become a template again."""
    if not template or not filled or "{" not in template:
        return final
    parts, m = _line_up(template, filled, "(.+?)")
    if not m:
        return final
    values = []
    for i in range(1, len(parts), 2):
        value = m.group((i + 1) // 2)
        if value and value != "{" + parts[i] + "}" and len(value) >= 2:
            values.append((value, "{" + parts[i] + "}"))
    for value, var in sorted(values, key=lambda t: -len(t[0])):
        final = final.replace(value, var)
    return final
