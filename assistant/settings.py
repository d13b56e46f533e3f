"""Settings the engine needs, read from the same settings.json as the sidebar (ui/settings.py keeps
these sections as they are), so the CLI and the window behave the same.

Sections (docs/data.md):
- ``backups``: ``keep`` (how many backups, default 10), ``max_mb`` (their total size, default 500);
- ``privacy``: ``mask`` (phone numbers, order numbers, addresses and names masked in the usage log,
  default on), ``retention_days`` (usage events older than this are deleted, default 90; 0 keeps
  them), ``chat_window_only`` (log a message's text only when a chat window was in front, default on).

A missing or broken file, or a bad value, gives the default (never an error).
"""
from __future__ import annotations

import json
import logging

from assistant import paths

log = logging.getLogger(__name__)

DEFAULTS: dict[str, dict] = {
    "backups": {"keep": 10, "max_mb": 500.0},
    "privacy": {"mask": True, "retention_days": 90.0, "chat_window_only": True},
}
_MINIMUM = {("backups", "keep"): 1, ("backups", "max_mb"): 1.0, ("privacy", "retention_days"): 0.0}


def _read_file() -> dict:
    try:
        with open(paths.settings_path(), encoding="utf-8") as fh:
            data = json.load(fh)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def section(name: str, overrides: dict | None = None) -> dict:
    """The defaults of ``name``, then settings.json's values (typed like the default), then
    ``overrides``; unknown keys and bad values are dropped."""
    out = dict(DEFAULTS[name])
    raw = _read_file().get(name)
    for source in (raw if isinstance(raw, dict) else {}, overrides or {}):
        for k, v in source.items():
            if k not in out or v is None:
                continue
            default = DEFAULTS[name][k]
            try:
                if isinstance(default, bool):
                    if not isinstance(v, bool):
                        raise ValueError
                elif isinstance(v, bool):
                    raise ValueError
                else:
                    v = type(default)(v)
                    if v < _MINIMUM.get((name, k), 0):
                        raise ValueError
            except (TypeError, ValueError):
                log.warning("setting %s.%s=%r ignored", name, k, v)
                continue
            out[k] = v
    return out


def save_section(name: str, values: dict) -> None:
    """Write one section into settings.json, keeping everything else in the file."""
    import os

    data = _read_file()
    data[name] = {**(data.get(name) if isinstance(data.get(name), dict) else {}), **values}
    path = paths.settings_path()
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)
