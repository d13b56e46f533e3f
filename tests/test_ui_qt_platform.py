"""The Qt-side adapters: the Clipboard port over QClipboard, the QTimer scheduler, the hotkey
bridge (callbacks from a foreign thread arrive on the GUI thread as a signal)."""
import threading

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QMimeData, QThread  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402

from assistant.platform.fakes import FakeHotkeys  # noqa: E402
from assistant.platform.ports import Clipboard  # noqa: E402
from ui.qt_platform import HotkeyBridge, QtClipboard, QtScheduler  # noqa: E402


@pytest.fixture(autouse=True)
def _clear_clipboard():
    # Leave no QMimeData of a test on the clipboard: with the offscreen platform, clipboard data
    # still owned at interpreter exit made the process segfault after all tests had passed.
    yield
    QGuiApplication.clipboard().clear()


def test_qt_clipboard_snapshot_restores_every_format(qtbot):
    clip = QtClipboard()
    assert isinstance(clip, Clipboard)
    md = QMimeData()
    md.setText("坐席的文字")
    md.setHtml("<b>坐席的文字</b>")
    md.setData("application/x-custom", b"\x00\x01")
    QGuiApplication.clipboard().setMimeData(md)
    snap = clip.snapshot()
    seq = clip.sequence()
    clip.set_text("我们的回复😊")
    assert clip.text() == "我们的回复😊" and clip.sequence() > seq
    assert clip.holds("我们的回复😊", clip.sequence())
    assert clip.is_own_change()
    clip.restore(snap)
    back = QGuiApplication.clipboard().mimeData()
    assert back.text() == "坐席的文字" and "坐席的文字" in back.html()
    assert bytes(back.data("application/x-custom")) == b"\x00\x01"
    assert not clip.holds("我们的回复😊", seq)
    clip.restore(snap)  # a snapshot can be restored twice (Qt takes the QMimeData it is given)
    assert QGuiApplication.clipboard().text() == "坐席的文字"


def test_our_reply_is_marked_for_clipboard_managers_and_secrets_are_recognised(qtbot):
    clip = QtClipboard()
    clip.set_text("亲，已经为您备注了")
    md = QGuiApplication.clipboard().mimeData()
    assert md.text() == "亲，已经为您备注了"
    assert bytes(md.data("x-kde-passwordManagerHint")) == b"secret"  # xcb and offscreen: KDE's hint
    assert clip.concealed()
    plain = QMimeData()
    plain.setText("顾客的消息")
    QGuiApplication.clipboard().setMimeData(plain)
    assert not clip.concealed()


def test_transient_marks_per_platform():
    from assistant.platform.paste import CONCEALED_FORMATS, transient_marks

    win = transient_marks("windows")
    assert win['application/x-qt-windows-mime;value="CanIncludeInClipboardHistory"'] == b"\x00\x00\x00\x00"
    assert not CONCEALED_FORMATS.isdisjoint(win) and not CONCEALED_FORMATS.isdisjoint(transient_marks("cocoa"))
    assert transient_marks("xcb") == {"x-kde-passwordManagerHint": b"secret"}


def test_qt_clipboard_reports_non_text_as_none(qtbot):
    clip = QtClipboard()
    md = QMimeData()
    md.setData("image/png", b"\x89PNG")
    QGuiApplication.clipboard().setMimeData(md)
    assert clip.text() is None


def test_scheduler_runs_later_in_order_and_can_cancel(qtbot):
    sched = QtScheduler()
    seen = []
    sched.call_later(30, lambda: seen.append("b"))
    sched.call_later(0, lambda: seen.append("a"))
    qtbot.waitUntil(lambda: seen == ["a", "b"], timeout=2000)
    sched.call_later(20, lambda: seen.append("never"))
    sched.cancel_all()
    qtbot.wait(60)  # the cancelled call had its chance to run
    assert seen == ["a", "b"]


def test_hotkey_bridge_turns_foreign_thread_callbacks_into_a_gui_thread_signal(qtbot):
    port = FakeHotkeys()
    bridge = HotkeyBridge(port)
    assert bridge.bind({"search": "alt+q", "grab": "ctrl+alt+"}) == {"grab": "快捷键写法不对：ctrl+alt+"}
    bridge.start()
    threads = []
    bridge.triggered.connect(lambda name: threads.append((name, QThread.currentThread())))
    t = threading.Thread(target=port.tap, args=("alt+q",))
    with qtbot.waitSignal(bridge.triggered, timeout=2000):
        t.start()
        t.join()
    assert threads == [("search", bridge.thread())]
