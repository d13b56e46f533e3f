"""The sidebar's settings as JSON at ``assistant.paths.settings_path()``.

Unknown keys are kept (a newer version's settings survive an older one); a broken file is moved
aside to ``settings.json.bad`` and defaults are used, with one message for the status line.
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
        path = path or paths.settings_path()
        if not path.exists():
            return cls(), None
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("not an object")
        except (OSError, ValueError) as exc:
            bad = path.with_name(path.name + ".bad")
            try:
                os.replace(path, bad)
            except OSError:
                pass
            log.warning("settings unreadable (%s), moved to %s", exc, bad)
            return cls(), f"设置文件损坏，已改用默认设置（原文件保存为 {bad.name}）"
        known = {f.name for f in fields(cls)} - {"extra"}
        s = cls()
        for k, v in raw.items():
            if k in known:
                setattr(s, k, v)
            else:
                s.extra[k] = v
        s._sanitize()
        return s, None

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
        for name in ("compact", "auto_send", "watch_clipboard", "paused", "watch_screen"):
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
