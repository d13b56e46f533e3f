"""ScreenText through Windows UI Automation: read the chat's messages as text, where the client
exposes its message list (no OCR, no guessing at pixels).

Which clients do (from public reports and open-source tools, NOT checked on a machine with the
clients — this adapter was only exercised through the fake tree in tests/test_platform_uia.py):
- 微信 PC 3.x: the message list is a List control named "消息"; each message a ListItem whose Name
  is the text (what wxauto reads). 微信 4.x (Qt) exposes less; OCR is the fallback.
- 企业微信, 千牛 (CEF), 京麦, 拼多多工作台, 飞鸽 and browsers: Chromium-based views expose their
  web content to UI Automation only after an assistive tool asks for it; unverified, so the app
  falls back to OCR when this adapter reads nothing.

The COM side is behind ``Automation`` so the logic is testable anywhere; ``ComAutomation`` is the
real one (comtypes, Windows only, imported when used).
"""
from __future__ import annotations

import logging
from typing import Any, Protocol

from assistant.platform.ports import WindowInfo

log = logging.getLogger(__name__)

LIST_NAMES = ("消息", "Messages", "message_list", "聊天记录")  # names of the message list control


class Automation(Protocol):
    """The few UI Automation calls we need, on opaque element handles."""

    def element_from_handle(self, hwnd: int) -> Any: ...

    def find_all(self, element: Any, control_type: str) -> list: ...  # descendants of one type

    def name(self, element: Any) -> str: ...

    def rect(self, element: Any) -> tuple[int, int, int, int]: ...  # left, top, right, bottom


class UiaScreenText:
    """ScreenText port over UI Automation. ``frame`` is the list of (text, side) the message list
    shows, returned only when it differs from the last call for that window."""

    def __init__(self, automation: Automation):
        self.auto = automation
        self._last: dict[int, tuple] = {}

    def available(self) -> tuple[bool, str]:
        return True, ""

    def _items(self, win: WindowInfo) -> list[tuple[str, str]] | None:
        try:
            root = self.auto.element_from_handle(win.handle)
            lists = [e for e in self.auto.find_all(root, "List") if self.auto.name(e) in LIST_NAMES]
            if not lists:
                return None  # this client does not expose its messages: use OCR
            lst = lists[0]
            l0, _, r0, _ = self.auto.rect(lst)
            mid = (l0 + r0) / 2
            out = []
            for item in self.auto.find_all(lst, "ListItem"):
                text = (self.auto.name(item) or "").strip()
                if not text:
                    continue
                left, _, right, _ = self.auto.rect(item)
                # an item as wide as the list (a header, a time): its text decides; else its centre
                out.append((text, "left" if (left + right) / 2 < mid - 4 else "right" if (left + right) / 2 > mid + 4 else "?"))
            return out
        except Exception:
            log.exception("UI Automation read failed")
            return None

    def frame(self, win: WindowInfo, area=None):
        items = self._items(win)
        if items is None:
            return None
        key = tuple(items)
        if self._last.get(win.handle) == key:
            return None
        self._last[win.handle] = key
        return items

    def reads(self, win: WindowInfo) -> bool:
        """Does this window expose a message list at all?"""
        return self._items(win) is not None

    def bubbles(self, frame, customer_side: str = "left") -> list:
        from assistant.screen.headers import is_header_line, strip_headers
        from assistant.screen.layout import Bubble

        out = []
        for text, side in frame or []:
            if is_header_line(text):
                continue
            body = strip_headers(text)
            if side == "?":
                continue  # full-width items are time stamps and system notices
            out.append(Bubble("customer" if side == customer_side else "agent", body, (0, 0, 0, 0)))
        return out

    def read(self, win: WindowInfo | None = None, area=None) -> str:
        items = self._items(win) if win is not None else None
        return "\n".join(b.text for b in self.bubbles(items or []))


class ComAutomation:  # pragma: no cover - Windows only, needs comtypes
    """``Automation`` over the UIAutomationCore COM API (comtypes)."""

    _TYPES = {"List": 50008, "ListItem": 50007}

    def __init__(self):
        import comtypes.client  # type: ignore

        comtypes.client.GetModule("UIAutomationCore.dll")
        from comtypes.gen import UIAutomationClient as uia  # type: ignore

        self.uia = uia
        self.client = comtypes.client.CreateObject(uia.CUIAutomation, interface=uia.IUIAutomation)

    def element_from_handle(self, hwnd: int):
        return self.client.ElementFromHandle(hwnd)

    def find_all(self, element, control_type: str) -> list:
        cond = self.client.CreatePropertyCondition(self.uia.UIA_ControlTypePropertyId, self._TYPES[control_type])
        arr = element.FindAll(self.uia.TreeScope_Descendants, cond)
        return [arr.GetElement(i) for i in range(arr.Length)]

    def name(self, element) -> str:
        return element.CurrentName or ""

    def rect(self, element) -> tuple[int, int, int, int]:
        r = element.CurrentBoundingRectangle
        return (r.left, r.top, r.right, r.bottom)


def com_screen_text() -> UiaScreenText | None:  # pragma: no cover - Windows only
    try:
        return UiaScreenText(ComAutomation())
    except Exception as exc:
        log.info("UI Automation unavailable: %s", exc)
        return None
