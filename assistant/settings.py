"""The assistant's configuration: settings.json at ``assistant.paths.settings_path()``, read once
at start by the CLI (assistant/cli.py) and the sidebar (ui/app.py) and passed on, so both behave
the same.

``Settings`` holds the whole file, typed:
- profile: ``shop_name``, ``agent_name``, ``courier`` fill {店铺名} {客服名} {快递公司} in replies
  (empty = the knowledge base's default: 本店, 小客, 快递); ``profile()`` is what the engine fills from;
- hotkeys, look and behaviour of the sidebar (dock, opacity, compact, font_size, auto_send, ...);
- platform profiles: ``profiles`` (profile id → overrides, assistant/profiles.py), ``chat_profiles()``;
- sections read with ``section(name)`` / ``Settings.section(name)`` (docs/data.md):
  - ``learning``: the usage log and its learned prior (assistant/usage/), e.g. ``half_life_days``,
    ``prior_weight``, ``variant_min_edits``;
  - ``backups``: ``keep`` (how many backups, default 10), ``max_mb`` (their total size, default 500);
  - ``privacy``: ``mask`` (phone numbers, order numbers, addresses and names masked in the usage
    log, default on), ``retention_days`` (usage events older than this are deleted, default 90;
    0 keeps them), ``chat_window_only`` (log a message's text only when a chat window was in
    front, default on).

Unknown keys are kept (a newer version's settings survive an older one). A bad value gives its
default. A broken file gives the defaults: ``Settings.load()`` (the sidebar) moves it aside to
``settings.json.bad`` with one message for the status line; ``Settings.read()`` (the CLI) leaves it.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from assistant import paths

log = logging.getLogger(__name__)

DEFAULT_HOTKEYS = {"grab": "alt+w", "search": "alt+q"}
HOTKEY_NAMES = {"grab": "取词（复制选中的顾客消息）", "search": "搜索话术弹窗"}
DOCK_CHOICES = [("right", "屏幕右侧"), ("left", "屏幕左侧"), ("beside", "聊天窗口旁"), ("free", "不停靠")]


@dataclass
class Settings:
    geometry: list[int] | None = None  # x, y, w, h
    dock: str = "right"
    opacity: float = 0.97
    compact: bool = False
    font_size: int = 10
    hotkeys: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_HOTKEYS))
    auto_send: bool = False
    send_keys: dict[str, str] = field(default_factory=dict)  # platform id → "enter" | "ctrl+enter"
    watch_clipboard: bool = True
    paused: bool = False
    max_clip_chars: int = 2000
    # fill {店铺名} {客服名} {快递公司} in replies; empty = the knowledge base's default (本店, 小客, 快递)
    shop_name: str = ""
    agent_name: str = ""
    courier: str = ""
    watch_screen: bool = False  # read new customer messages off the screen (issue 13)
    # a short copied message is read with the same chat window's messages copied in the last minutes
    # (assistant/recent.py)
    remember_context: bool = True
    # answers the engine is unsure of wait under the 先回复 line until the agent presses G
    # (Suggestions.folded); off: every answer shows at once
    fold_unsure: bool = True
    profiles: dict = field(default_factory=dict)  # profile id → overrides (assistant/profiles.py)
    extra: dict = field(default_factory=dict)  # keys this version does not know

    def profile(self, chat_profile=None) -> dict:
        """What the engine fills template variables from (engine.Conversation.profile); a chat
        client's profile adds its own variables ({店铺名} per platform)."""
        out = {k: v for k, v in (("shop_name", self.shop_name), ("agent_name", self.agent_name),
                                 ("courier", self.courier)) if v}
        if chat_profile is not None and chat_profile.variables:
            out["variables"] = dict(chat_profile.variables)
        return out

    def chat_profiles(self):
        from assistant import profiles

        return profiles.load(self.profiles, self.send_keys)

    @classmethod
    def load(cls, path: Path | None = None) -> tuple["Settings", str | None]:
        """The sidebar's read: a broken file is moved aside, with one message for the status line."""
        path = path or paths.settings_path()
        if not path.exists():
            return cls(), None
        try:
            raw = _parse(path)
        except (OSError, ValueError) as exc:
            bad = path.with_name(path.name + ".bad")
            try:
                os.replace(path, bad)
            except OSError:
                pass
            log.warning("settings unreadable (%s), moved to %s", exc, bad)
            return cls(), f"设置文件损坏，已改用默认设置（原文件保存为 {bad.name}）"
        return cls.of(raw), None

    @classmethod
    def read(cls, path: Path | None = None) -> "Settings":
        """The CLI's read: a missing or broken file gives the defaults and is left as it is."""
        try:
            return cls.of(_parse(path or paths.settings_path()))
        except (OSError, ValueError):
            return cls()

    @classmethod
    def of(cls, raw: dict) -> "Settings":
        known = {f.name for f in fields(cls)} - {"extra"}
        s = cls()
        for k, v in raw.items():
            if k in known:
                setattr(s, k, v)
            else:
                s.extra[k] = v
        s._sanitize()
        return s

    def section(self, name: str, overrides: dict | None = None) -> dict:
        """A typed section (learning, backups, privacy) from what this object read."""
        return section(name, overrides, data=self.extra)

    def _sanitize(self) -> None:
        d = Settings()
        if not (isinstance(self.geometry, list) and len(self.geometry) == 4
                and all(isinstance(v, int) for v in self.geometry)):
            self.geometry = None
        if self.dock not in {k for k, _ in DOCK_CHOICES}:
            self.dock = d.dock
        try:
            self.opacity = min(1.0, max(0.3, float(self.opacity)))
        except (TypeError, ValueError):
            self.opacity = d.opacity
        if not isinstance(self.font_size, int) or not 8 <= self.font_size <= 20:
            self.font_size = d.font_size
        for name in ("shop_name", "agent_name", "courier"):
            value = getattr(self, name)
            setattr(self, name, str(value).strip()[:20] if isinstance(value, (str, int)) else "")
        hk = dict(DEFAULT_HOTKEYS)
        if isinstance(self.hotkeys, dict):
            hk.update({k: str(v) for k, v in self.hotkeys.items() if isinstance(v, str)})
        self.hotkeys = hk
        if not isinstance(self.send_keys, dict):
            self.send_keys = {}
        if not isinstance(self.profiles, dict):
            self.profiles = {}
        for name in ("compact", "auto_send", "watch_clipboard", "paused", "watch_screen", "remember_context",
                     "fold_unsure"):
            setattr(self, name, bool(getattr(self, name)))
        if not isinstance(self.max_clip_chars, int) or self.max_clip_chars < 50:
            self.max_clip_chars = d.max_clip_chars

    def save(self, path: Path | None = None) -> None:
        path = path or paths.settings_path()
        data = asdict(self)
        extra = data.pop("extra")
        data = {**extra, **data}
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, path)  # atomic: a crash mid-write never leaves half a file


def portable_marker() -> Path:
    return paths.portable_marker()


def set_portable(on: bool) -> None:
    """Portable mode takes effect at the next start (data dir = data/ next to the app)."""
    marker = portable_marker()
    if on:
        marker.write_text(f"客服助手便携模式：数据保存在旁边的 {paths.portable_data_dir().name} 文件夹\n",
                          encoding="utf-8")
    elif marker.exists():
        marker.unlink()


# --- sections -------------------------------------------------------------------------------

DEFAULTS: dict[str, dict] = {
    "learning": {
        "half_life_days": 14.0,  # evidence halves every two weeks
        "pseudo_count": 5.0,  # Bayesian smoothing: picks needed before a reply's prior reaches 0.5
        "other_platform_weight": 0.3,  # evidence from another chat platform counts this much
        "warn_after_s": 30.0,  # response timer turns red (first-response target)
        "session_gap_s": 1800.0,  # a quiet conversation for this long starts a new session
        "low_score": 0.5,  # best reply score below this marks a knowledge gap
        "prior_weight": 0.6,  # total weight of the usage prior in a reply score (the engine gives 0.25)
        "flush_interval_s": 0.5,
        "variant_min_edits": 3,
    },
    "backups": {"keep": 10, "max_mb": 500.0},
    "privacy": {"mask": True, "retention_days": 90.0, "chat_window_only": True},
}
_MINIMUM = {("backups", "keep"): 1, ("backups", "max_mb"): 1.0, ("privacy", "retention_days"): 0.0}
# learning values that must be above 0 (the others may be 0: no smoothing, no prior, ...)
_POSITIVE = {("learning", k) for k in ("half_life_days", "warn_after_s", "session_gap_s", "flush_interval_s",
                                        "variant_min_edits")}


def _parse(path: Path) -> dict:
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError("not an object")
    return raw


def _read_file() -> dict:
    try:
        with open(paths.settings_path(), encoding="utf-8") as fh:
            data = json.load(fh)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def section(name: str, overrides: dict | None = None, *, data: dict | None = None) -> dict:
    """The defaults of ``name``, then settings.json's values (or ``data``'s, a file already read;
    typed like the default), then ``overrides``; unknown keys and bad values are dropped."""
    out = dict(DEFAULTS[name])
    raw = (_read_file() if data is None else data).get(name)
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
                    if v < _MINIMUM.get((name, k), 0) or (v == 0 and (name, k) in _POSITIVE):
                        raise ValueError
            except (TypeError, ValueError):
                log.warning("setting %s.%s=%r ignored", name, k, v)
                continue
            out[k] = v
    return out


def save_section(name: str, values: dict) -> None:
    """Write one section into settings.json, keeping everything else in the file."""
    data = _read_file()
    data[name] = {**(data.get(name) if isinstance(data.get(name), dict) else {}), **values}
    path = paths.settings_path()
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)
