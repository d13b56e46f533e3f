"""The Windows UI Automation ScreenText adapter, through a fake automation tree (the COM side is
only reachable on Windows; it was not run against real clients here)."""
from assistant.platform.ports import ScreenText, WindowInfo
from assistant.platform.uia import UiaScreenText


class Node:
    def __init__(self, kind, name="", rect=(0, 0, 0, 0), children=()):
        self.kind, self.name_, self.rect_, self.children = kind, name, rect, list(children)


class FakeAutomation:
    def __init__(self, roots):
        self.roots = roots  # hwnd → Node

    def element_from_handle(self, hwnd):
        return self.roots[hwnd]

    def find_all(self, element, control_type):
        out = []

        def walk(n):
            for c in n.children:
                if c.kind == control_type:
                    out.append(c)
                walk(c)
        walk(element)
        return out

    def name(self, e):
        return e.name_

    def rect(self, e):
        return e.rect_


def wechat(items):
    lst = Node("List", "消息", (300, 60, 900, 600), [Node("ListItem", t, r) for t, r in items])
    return Node("Window", "微信", (0, 0, 900, 700), [Node("Pane", children=[lst])])


L, R, FULL = (310, 0, 560, 40), (640, 0, 890, 40), (300, 0, 900, 20)


def test_reads_the_message_list_with_sides_and_without_headers():
    auto = FakeAutomation({1: wechat([("10:02", FULL), ("在吗", L), ("亲，在的", R), ("杯子碎了怎么办", L)])})
    st = UiaScreenText(auto)
    assert isinstance(st, ScreenText)
    win = WindowInfo(1, "微信", "wechat.exe")
    frame = st.frame(win)
    assert [(b.role, b.text) for b in st.bubbles(frame)] == [
        ("customer", "在吗"), ("agent", "亲，在的"), ("customer", "杯子碎了怎么办")]
    assert st.frame(win) is None  # unchanged
    auto.roots[1].children[0].children[0].children.append(Node("ListItem", "好的", L))
    assert st.bubbles(st.frame(win))[-1].text == "好的"


def test_a_client_without_a_message_list_falls_back_to_ocr():
    auto = FakeAutomation({2: Node("Window", "千牛", children=[Node("Pane", "Chrome_RenderWidgetHostHWND")])})
    st = UiaScreenText(auto)
    win = WindowInfo(2, "千牛接待中心", "aliworkbench.exe")
    assert not st.reads(win) and st.frame(win) is None


def test_a_failing_automation_call_reads_nothing():
    class Broken(FakeAutomation):
        def element_from_handle(self, hwnd):
            raise OSError("element not available")

    st = UiaScreenText(Broken({}))
    assert st.frame(WindowInfo(3, "微信")) is None and st.read(WindowInfo(3, "微信")) == ""
