"""Which chat platform a window belongs to (千牛, 咚咚, 拼多多, 飞鸽, 微信, a browser), and how to
paste into it (delays, send key). Titles decide for browser tabs; process names for desktop
clients. Process names marked "unverified" in docs/platform-notes.md come from public reports,
not from a machine with the client installed."""
from __future__ import annotations

from dataclasses import dataclass, replace

from assistant.platform.ports import WindowInfo


@dataclass(frozen=True)
class ChatPlatform:
    id: str  # qianniu | dongdong | pdd | feige | wechat | browser | unknown (also the engine's platform)
    name: str  # Chinese label for the UI
    via_browser: bool = False

    @property
    def label(self) -> str:
        return f"{self.name}（网页）" if self.via_browser and self.id != "browser" else self.name


# id, label, process names (lower case, without .exe), title keywords (lower case)
_PLATFORMS = [
    ("qianniu", "千牛", {"aliworkbench", "qianniu", "aliim", "wangwang"}, ["千牛", "接待中心", "旺旺", "淘宝", "天猫"]),
    ("dongdong", "咚咚", {"dd", "dongdong", "jdmall", "jm", "jingmai"}, ["咚咚", "京麦", "京东"]),
    ("pdd", "拼多多", {"pddworkbench", "pinduoduo", "pddmerchant"}, ["拼多多", "多多客服", "pdd"]),
    ("feige", "飞鸽", {"feige", "doudian", "feigeim"}, ["飞鸽", "抖店", "抖音"]),
    ("wechat", "微信", {"wechat", "weixin", "wechatappex", "wxwork"}, ["微信", "wechat", "企业微信"]),
]
_BROWSERS = {"chrome", "msedge", "firefox", "360se", "360chrome", "qqbrowser", "sogouexplorer",
             "2345explorer", "liebao", "opera", "brave", "chromium", "chromium-browser",
             "google-chrome", "safari", "microsoft edge", "google chrome", "iexplore"}
_BROWSER_TITLES = ["google chrome", "microsoft edge", "mozilla firefox", "chromium", "360安全浏览器",
                   "qq浏览器", "搜狗高速浏览器", "safari"]

UNKNOWN = ChatPlatform("unknown", "未识别")


def _proc(process: str) -> str:
    p = (process or "").strip().lower().replace("\\", "/").rsplit("/", 1)[-1]
    return p[:-4] if p.endswith(".exe") else p


def classify(win: WindowInfo | None) -> ChatPlatform:
    if win is None:
        return UNKNOWN
    proc = _proc(win.process)
    title = (win.title or "").lower()
    browser = proc in _BROWSERS or any(b in title for b in _BROWSER_TITLES)
    for pid, name, procs, _ in _PLATFORMS:
        if proc in procs:
            return ChatPlatform(pid, name)
    for pid, name, _, words in _PLATFORMS:
        if any(w in title for w in words):
            return ChatPlatform(pid, name, via_browser=browser)
    if browser:
        return ChatPlatform("browser", "浏览器", via_browser=True)
    return UNKNOWN


@dataclass(frozen=True)
class PasteProfile:
    """Timings for the paste sequence (desktop-pitfalls §7). Defaults are conservative guesses
    to be tuned from the per-step timings in the log."""

    pre_paste_ms: int = 60  # target in front and modifiers up → Ctrl+V
    send_delay_ms: int = 250  # Ctrl+V → Enter when auto-send is on
    restore_ms: int = 800  # Ctrl+V → put the agent's clipboard back
    send_key: str = "enter"  # "enter" or "ctrl+enter"
    activate_timeout_ms: int = 600
    modifier_timeout_ms: int = 2000


_PROFILES = {
    "qianniu": PasteProfile(pre_paste_ms=80),
    "dongdong": PasteProfile(pre_paste_ms=80),
    "pdd": PasteProfile(pre_paste_ms=100),
    "feige": PasteProfile(pre_paste_ms=100),
    "wechat": PasteProfile(pre_paste_ms=80, send_delay_ms=300),
    "browser": PasteProfile(pre_paste_ms=100, restore_ms=1000),
}


def profile_for(platform_id: str, send_keys: dict[str, str] | None = None) -> PasteProfile:
    p = _PROFILES.get(platform_id, PasteProfile())
    key = (send_keys or {}).get(platform_id)
    if key in ("enter", "ctrl+enter"):
        p = replace(p, send_key=key)
    return p


PLATFORM_CHOICES = [(pid, name) for pid, name, _, _ in _PLATFORMS] + [("browser", "浏览器")]
