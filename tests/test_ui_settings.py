"""Settings file, settings dialog (hotkey conflicts), tray menu, single instance — offscreen Qt."""
import json

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QKeySequence  # noqa: E402
from PySide6.QtWidgets import QDialogButtonBox  # noqa: E402

from assistant import paths  # noqa: E402
from assistant.platform.fakes import fake_adapters  # noqa: E402
from ui.app import App  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from ui.settings_dialog import SettingsDialog, combo_to_qt, qt_to_combo  # noqa: E402
from ui.single import SingleInstance, send  # noqa: E402

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (raise|setting window opacity)")


def test_missing_settings_file_gives_defaults(kefu_home):
    s, problem = Settings.load()
    assert problem is None and s.hotkeys == {"grab": "alt+w", "search": "alt+q"} and s.dock == "right"


def test_settings_round_trip_keeps_unknown_keys(kefu_home):
    path = paths.settings_path()
    path.write_text(json.dumps({"opacity": 0.8, "compact": True, "from_a_newer_version": [1, 2]}), encoding="utf-8")
    s, _ = Settings.load()
    assert s.opacity == 0.8 and s.compact
    s.font_size = 12
    s.save()
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["from_a_newer_version"] == [1, 2] and data["font_size"] == 12


def test_broken_settings_file_is_moved_aside_with_one_message(kefu_home):
    path = paths.settings_path()
    path.write_text("{not json", encoding="utf-8")
    s, problem = Settings.load()
    assert s == Settings() and "损坏" in problem
    assert path.with_name("settings.json.bad").read_text(encoding="utf-8") == "{not json"


def test_out_of_range_values_are_clamped(kefu_home):
    paths.settings_path().write_text(json.dumps({"opacity": 7, "dock": "top", "font_size": 99,
                                                 "geometry": "huge", "hotkeys": {"search": "alt+e"}}))
    s, _ = Settings.load()
    assert s.opacity == 1.0 and s.dock == "right" and s.font_size == 10 and s.geometry is None
    assert s.hotkeys == {"grab": "alt+w", "search": "alt+e"}


@pytest.fixture
def started(qtbot, db_file):
    made = []

    def make(settings=None):
        adapters, desktop = fake_adapters()
        desktop.open("微信", "WeChat.exe")
        a = App(db_file, adapters=adapters, settings=settings or Settings.load()[0])
        qtbot.addWidget(a.window)
        qtbot.addWidget(a.popup)
        a.start()
        made.append(a)
        return a

    yield make
    for a in made:
        a.stop()


def test_geometry_opacity_and_compact_survive_a_restart(qtbot, started):
    a = started()
    a.window.dock("free")
    a.window.setGeometry(120, 80, 330, 520)
    a.window.set_compact(True)
    a._compact_clicked(True)
    a.settings.opacity = 0.85
    qtbot.waitUntil(lambda: a.settings.geometry == [120, 80, 330, 520], timeout=3000)
    a.settings.dock = "free"
    a.stop()
    b = started()
    assert [b.window.x(), b.window.y(), b.window.width(), b.window.height()] == [120, 80, 330, 520]
    assert b.window.compact and not b.window.detail.isVisible()
    assert b.window.windowOpacity() == pytest.approx(0.85, abs=0.01)


def test_dialog_refuses_altgr_and_input_method_combos(qtbot):
    d = SettingsDialog(Settings(), portable=False)
    qtbot.addWidget(d)
    ok = d.buttons.button(QDialogButtonBox.Ok)
    assert ok.isEnabled() and d.conflicts.isHidden()
    d.hotkeys["search"].edit.setKeySequence(QKeySequence("Ctrl+Space"))
    assert not ok.isEnabled() and "输入法" in d.conflicts.text()
    d.hotkeys["search"].edit.setKeySequence(QKeySequence("Ctrl+Alt+Q"))
    assert not ok.isEnabled() and "AltGr" in d.conflicts.text()
    d.hotkeys["search"].edit.setKeySequence(QKeySequence("Alt+W"))
    assert not ok.isEnabled() and "重复" in d.conflicts.text()
    d.hotkeys["search"].edit.setKeySequence(QKeySequence("Alt+E"))
    assert ok.isEnabled()


def test_qt_key_sequences_map_to_our_combos():
    assert qt_to_combo(QKeySequence("Alt+W")) == "alt+w"
    assert qt_to_combo(QKeySequence("Meta+F2")) == "cmd+f2"
    assert qt_to_combo(QKeySequence()) == ""
    assert qt_to_combo(combo_to_qt("ctrl+shift+k")) == "ctrl+shift+k"


def test_saving_the_dialog_rebinds_hotkeys_and_applies_the_look(qtbot, started):
    a = started()
    d = a.open_settings()
    d.hotkeys["search"].set_combo("alt+e")
    d.dock.setCurrentIndex(d.dock.findData("left"))
    d.opacity.setValue(70)
    d.auto_send.setChecked(True)
    assert d.remember.isChecked()  # on by default: short follow-ups read with the chat's last copies
    d.remember.setChecked(False)
    assert d.fold.isChecked()  # on by default: unsure answers wait under the 先回复 line
    d.fold.setChecked(False)
    d.send_keys["wechat"].setCurrentIndex(1)
    d.portable.setChecked(d.portable.isChecked())  # unchanged: no marker file written
    qtbot.mouseClick(d.buttons.button(QDialogButtonBox.Ok), Qt.LeftButton)
    assert "alt+e" in a.adapters.hotkeys.registered and "alt+q" not in a.adapters.hotkeys.registered
    assert a.adapters.hotkeys.tap("alt+e")
    qtbot.waitUntil(a.popup.isVisible, timeout=2000)
    assert a.window.x() == a.window.screen().availableGeometry().left()
    assert a.window.windowOpacity() == pytest.approx(0.7, abs=0.01)
    saved = json.loads(paths.settings_path().read_text(encoding="utf-8"))
    assert saved["hotkeys"]["search"] == "alt+e" and saved["auto_send"] and saved["send_keys"]["wechat"] == "ctrl+enter"
    assert saved["remember_context"] is False and a.settings.remember_context is False
    assert saved["fold_unsure"] is False and a.window.fold_unsure is False


def test_tray_pause_stops_watching_and_hotkeys(qtbot, started):
    a = started()
    a.tray.pause_action.trigger()
    assert a.settings.paused and "暂停" in a.window.status.text()
    a.adapters.clipboard.copy_from_elsewhere("在吗")
    assert a.window.input.toPlainText() == ""
    assert not a.adapters.hotkeys.tap("alt+q")
    a.tray.pause_action.trigger()
    assert a.adapters.hotkeys.tap("alt+q")


def test_tray_show_hide_and_settings(qtbot, started):
    a = started()
    assert a.window.isVisible()
    a.tray.show_action.trigger()
    assert not a.window.isVisible()
    a.tray.show_action.trigger()
    assert a.window.isVisible()
    a.tray.settings_action.trigger()
    assert a.dialog is not None and a.dialog.isVisible()
    a.dialog.reject()


def test_second_instance_brings_the_first_to_front(qtbot, kefu_home):
    first = SingleInstance("kefu-test-" + kefu_home.name + str(id(kefu_home)))
    assert first.acquire()
    second = SingleInstance(first.name)
    with qtbot.waitSignal(first.show_requested, timeout=3000):
        assert not second.acquire()
    first.release()
    assert send(first.name, "show", 200) is None


def test_shop_details_from_the_settings_fill_the_replies(qtbot, started):
    a = started()
    qtbot.waitUntil(lambda: a.ready, timeout=30000)
    w = a.window

    def filled(message):
        before = w.suggestions
        w.input.setPlainText(message)
        qtbot.waitUntil(lambda: w.suggestions is not None and w.suggestions is not before, timeout=5000)
        return [r["filled"] for r in w.suggestions.replies if "{快递公司}" in r["text"]]

    assert any("快递" in f for f in filled("物流一直没更新 帮我查下"))  # the knowledge base's default
    d = a.open_settings()
    d.shop_name.setText("  小王的杂货铺 ")
    d.agent_name.setText("阿花")
    d.courier.setText("中通")
    qtbot.mouseClick(d.buttons.button(QDialogButtonBox.Ok), Qt.LeftButton)
    got = filled("物流好几天没更新了 帮忙查一下")
    assert got and all("中通" in f and "{快递公司}" not in f for f in got)
    before = w.suggestions
    w.input.setPlainText("你好 在吗")
    qtbot.waitUntil(lambda: w.suggestions is not None and w.suggestions is not before, timeout=5000)
    greet = [r["filled"] for r in w.suggestions.replies if "{客服名}" in r["text"]]
    assert greet and all("阿花" in f for f in greet)
    saved = json.loads(paths.settings_path().read_text(encoding="utf-8"))
    assert (saved["shop_name"], saved["agent_name"], saved["courier"]) == ("小王的杂货铺", "阿花", "中通")
    assert a.settings.profile() == {"shop_name": "小王的杂货铺", "agent_name": "阿花", "courier": "中通"}
