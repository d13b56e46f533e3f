"""Platform profiles: what the app knows about each chat client, chosen by the window in front.

A profile says how to recognise the client's window (title words, window class, process name; web
versions by title inside a browser), and carries what the agent sets per client: the chat's
message area for screen watch (relative to the window, so it follows the window), the send key,
extra 违禁词 this platform forbids and template variables ({店铺名} differs per platform when one
agent serves several shops). Built-in profiles are defined here; what the agent changes is kept
in the settings as overrides (``profiles`` in settings.json) and merged by ``load``.

Process and class names come from public reports, not from machines with the clients installed
(docs/platform-notes.md); the title words are what the clients show in their title bars.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from assistant.platform.chat_clients import classify
from assistant.platform.ports import WindowInfo

SEND_KEYS = ("enter", "ctrl+enter")


@dataclass(frozen=True)
class Profile:
    id: str
    name: str  # Chinese, for the UI
    platform: str  # the engine's platform id (qianniu, dongdong, pdd, feige, wechat, browser)
    web: bool = False  # the web version, in a browser
    titles: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    processes: tuple[str, ...] = ()
    area: tuple[int, int, int, int] | None = None  # x, y, w, h relative to the window's top left
    send_key: str = "enter"
    banned: tuple[str, ...] = ()  # extra 违禁词 on this platform
    variables: dict = field(default_factory=dict, hash=False, compare=False)  # {店铺名: ...}
    customer_side: str = "left"

    @property
    def label(self) -> str:
        return self.name


# Per platform: (desktop name, web name, processes, classes, title words)
_BUILTIN = [
    ("qianniu", "千牛工作台", "千牛（网页）", ("aliworkbench", "qianniu", "aliim", "wangwang"),
     ("AliWorkbench", "StandardFrame_Qianniu"), ("千牛", "接待中心", "旺旺")),
    ("dongdong", "京麦/咚咚", "咚咚（网页）", ("jm", "jingmai", "dd", "dongdong", "jdmall"),
     ("JM_MainFrame", "DD_MainFrame"), ("京麦", "咚咚")),
    ("pdd", "拼多多商家工作台", "拼多多（网页）", ("pddworkbench", "pinduoduo", "pddmerchant"),
     ("PddWorkbench",), ("拼多多", "多多客服")),
    ("feige", "抖店飞鸽", "飞鸽（网页）", ("feige", "doudian", "feigeim"), ("FeigeMainWnd",), ("飞鸽", "抖店")),
    ("wechat", "微信", "微信（网页）", ("wechat", "weixin", "wechatappex"), ("WeChatMainWndForPC",), ("微信",)),
]
# 企业微信 is its own client with its own window, but the engine treats it as WeChat
_WEWORK = Profile("wework", "企业微信", "wechat", processes=("wxwork",), classes=("WeWorkWindow",),
                  titles=("企业微信",), send_key="enter")
_WEWORK_WEB = Profile("wework_web", "企业微信（网页）", "wechat", web=True, titles=("企业微信",))

# Platform rules the agent would otherwise trip over (on top of the knowledge base's 违禁词):
# each platform bans pointing customers to another platform or paying outside it.
_PLATFORM_BANNED = {
    "qianniu": ("拼多多", "京东", "抖音", "微信转账"),
    "dongdong": ("淘宝", "天猫", "拼多多", "抖音", "微信转账"),
    "pdd": ("淘宝", "天猫", "京东", "抖音", "微信转账"),
    "feige": ("淘宝", "天猫", "京东", "拼多多", "微信转账"),
    "wechat": (),
}


def builtin() -> list[Profile]:
    out = []
    for pid, name, web_name, procs, classes, titles in _BUILTIN:
        banned = _PLATFORM_BANNED.get(pid, ())
        out.append(Profile(pid, name, pid, processes=procs, classes=classes, titles=titles, banned=banned))
        out.append(Profile(pid + "_web", web_name, pid, web=True, titles=titles, banned=banned))
    out += [_WEWORK, _WEWORK_WEB]
    return out


EDITABLE = ("area", "send_key", "banned", "variables", "titles", "customer_side")


def _clean(key: str, value):
    """One override value from settings.json, or None when it is not usable."""
    if key == "area":
        if value is None:
            return None
        if isinstance(value, (list, tuple)) and len(value) == 4 and all(isinstance(v, int) for v in value) \
                and value[2] >= 20 and value[3] >= 20:
            return tuple(value)
        return ValueError
    if key == "send_key":
        return value if value in SEND_KEYS else ValueError
    if key in ("banned", "titles"):
        if isinstance(value, (list, tuple)):
            return tuple(str(v).strip() for v in value if str(v).strip())
        return ValueError
    if key == "variables":
        if isinstance(value, dict):
            return {str(k).strip(): str(v).strip() for k, v in value.items() if str(k).strip() and str(v).strip()}
        return ValueError
    if key == "customer_side":
        return value if value in ("left", "right") else ValueError
    return ValueError


def load(overrides: dict | None, send_keys: dict | None = None) -> list[Profile]:
    """Built-in profiles with the agent's overrides applied. ``send_keys`` is the older per-platform
    send-key setting, still honoured where a profile has no send key of its own."""
    out = []
    overrides = overrides if isinstance(overrides, dict) else {}
    for p in builtin():
        o = overrides.get(p.id) if isinstance(overrides.get(p.id), dict) else {}
        changes = {}
        legacy = (send_keys or {}).get(p.platform)
        if legacy in SEND_KEYS:
            changes["send_key"] = legacy
        for k in EDITABLE:
            if k in o:
                v = _clean(k, o[k])
                if v is not ValueError:
                    changes[k] = (p.titles + v) if k == "titles" else v
        out.append(replace(p, **changes))
    return out


def to_override(p: Profile, base: Profile | None = None) -> dict:
    """What differs from the built-in profile, for settings.json."""
    base = base or next((b for b in builtin() if b.id == p.id), None)
    d = asdict(p)
    out = {}
    for k in EDITABLE:
        v, b = d[k], (asdict(base)[k] if base else None)
        if k == "titles" and base is not None:
            extra = [t for t in p.titles if t not in base.titles]
            if extra:
                out[k] = extra
            continue
        if v != b:
            out[k] = list(v) if isinstance(v, tuple) else v
    return out


def _proc(process: str) -> str:
    p = (process or "").strip().lower().replace("\\", "/").rsplit("/", 1)[-1]
    return p[:-4] if p.endswith(".exe") else p


def pick(win: WindowInfo | None, profiles: list[Profile]) -> Profile | None:
    """The profile for the window in front: by process, then window class, then title words (a
    browser's title names the tab). None for a window that is no chat client."""
    if win is None:
        return None
    proc, cls, title = _proc(win.process), (win.wm_class or "").lower(), (win.title or "").lower()
    web = classify(win).via_browser
    for p in profiles:  # 企业微信 before 微信: its title contains "微信"
        if not p.web and not web and (proc in p.processes or (cls and cls in {c.lower() for c in p.classes})):
            return p
    best, best_len = None, 0
    for p in profiles:  # the longest matching title word wins: 企业微信 over 微信
        if p.web != web:
            continue
        n = max((len(t) for t in p.titles if t.lower() in title), default=0)
        if n > best_len:
            best, best_len = p, n
    return best


def check(draft: str, profile: Profile | None, base: dict) -> dict:
    """Add the platform's own 违禁词 to the knowledge base's check (engine.check's shape)."""
    if profile is None or not profile.banned or base is None:
        return base
    found = list(base["found"])
    seen = {f["word"].lower() for f in found}
    rewritten = base["rewritten"]
    low = (draft or "").lower()
    for w in profile.banned:
        if w.lower() in low and w.lower() not in seen:
            seen.add(w.lower())
            found.append({"word": w, "category": f"{profile.name}平台规则", "replacement": "",
                          "suggest": f"{profile.name}上不要提到「{w}」"})
            rewritten = rewritten.replace(w, "")
    return {"ok": not found, "found": found, "rewritten": rewritten}
