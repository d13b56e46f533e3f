"""Platform profiles: chosen by the window in front, edited through settings overrides; their
send key, 违禁词 and variables reach the paste and the replies."""
import pytest

from assistant import profiles
from assistant.platform.ports import WindowInfo

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (raise|setting window opacity)")


def W(title="", process="", cls=""):
    return WindowInfo(1, title, process, 1, (0, 0, 800, 600), wm_class=cls)


@pytest.mark.parametrize("win, pid", [
    (W("接待中心", "AliWorkbench.exe"), "qianniu"),
    (W("某某旗舰店", "", "AliWorkbench"), "qianniu"),
    (W("京麦工作台", "jm.exe"), "dongdong"),
    (W("拼多多商家工作台", "pddworkbench.exe"), "pdd"),
    (W("抖店飞鸽 - 客服", "feige.exe"), "feige"),
    (W("企业微信", "WXWork.exe"), "wework"),
    (W("微信", "WeChat.exe"), "wechat"),
    (W("微信", "", "WeChatMainWndForPC"), "wechat"),
    (W("千牛接待中心 - 顾客 小王（测试聊天窗口）", "python3"), "qianniu"),
    (W("千牛工作台 - Google Chrome", "chrome.exe"), "qianniu_web"),
    (W("拼多多 商家后台 - Microsoft Edge", "msedge.exe"), "pdd_web"),
    (W("企业微信 - Google Chrome", "chrome.exe"), "wework_web"),
    (W("微信网页版 - Mozilla Firefox", "firefox"), "wechat_web"),
    (W("抖店 飞鸽 - 360安全浏览器", "360se.exe"), "feige_web"),
    (W("京东咚咚 - Google Chrome", "chrome.exe"), "dongdong_web"),
])
def test_profile_by_process_class_and_title(win, pid):
    assert profiles.pick(win, profiles.builtin()).id == pid


def test_no_profile_for_other_windows():
    assert profiles.pick(W("记事本", "notepad.exe"), profiles.builtin()) is None
    assert profiles.pick(W("百度一下 - Google Chrome", "chrome.exe"), profiles.builtin()) is None
    assert profiles.pick(None, profiles.builtin()) is None


def test_overrides_from_settings_and_bad_values_ignored():
    ps = profiles.load({
        "qianniu": {"area": [10, 60, 500, 400], "send_key": "ctrl+enter", "banned": ["返现"],
                    "variables": {"店铺名": "小王杯具店"}, "titles": ["杯具店客服"]},
        "pdd": {"area": [1, 2], "send_key": "shift+enter", "variables": "x"},
    }, send_keys={"wechat": "ctrl+enter"})
    q = next(p for p in ps if p.id == "qianniu")
    assert q.area == (10, 60, 500, 400) and q.send_key == "ctrl+enter" and q.banned == ("返现",)
    assert q.variables == {"店铺名": "小王杯具店"} and "杯具店客服" in q.titles and "千牛" in q.titles
    pdd = next(p for p in ps if p.id == "pdd")
    assert pdd.area is None and pdd.send_key == "enter" and pdd.variables == {}
    assert next(p for p in ps if p.id == "wechat").send_key == "ctrl+enter"  # the older setting
    assert profiles.pick(W("杯具店客服 - 小王", "x"), ps).id == "qianniu"
    assert profiles.to_override(q) == {"area": [10, 60, 500, 400], "send_key": "ctrl+enter", "banned": ["返现"],
                                       "variables": {"店铺名": "小王杯具店"}, "titles": ["杯具店客服"]}


def test_platform_banned_words_join_the_knowledge_base_check():
    q = next(p for p in profiles.builtin() if p.id == "pdd")
    base = {"ok": True, "found": [], "rewritten": "亲，淘宝上也有卖的"}
    out = profiles.check("亲，淘宝上也有卖的", q, base)
    assert not out["ok"] and out["found"][0]["word"] == "淘宝" and "拼多多" in out["found"][0]["category"]


def test_platform_variables_fill_the_reply(engine):
    filled, missing = engine.fill("欢迎光临{店铺名}，我是{客服名}", {},
                                  {"agent_name": "小美", "shop_name": "全局店名", "variables": {"店铺名": "拼多多小店"}})
    assert filled == "欢迎光临拼多多小店，我是小美" and not missing


def test_paste_uses_the_profiles_send_key_and_banned_words(qtbot, db_file, desk):
    from ui.app import App
    from assistant.settings import Settings

    adapters, desktop, chat = desk
    a = App(db_file, adapters=adapters, settings=Settings(
        auto_send=True, profiles={"qianniu": {"send_key": "ctrl+enter", "banned": ["小绿书"]}}))
    qtbot.addWidget(a.window)
    qtbot.addWidget(a.popup)
    a.start()
    try:
        qtbot.waitUntil(lambda: "条话术" in a.window.status.text(), timeout=30000)
        a.poll_active()
        a.request_paste("亲，小绿书上也能看到这款")
        assert a.window.banned.isVisible() and "小绿书" in a.window.banned.label.text()
        with qtbot.waitSignal(a.reply_pasted, timeout=5000):
            a.request_paste("亲，今天就发货")
        assert "ctrl+enter" in adapters.injector.keys and chat.sent == ["亲，今天就发货"]
    finally:
        a.stop()


def test_profiles_are_edited_in_the_settings_dialog(qtbot):
    from assistant.settings import Settings
    from ui.settings_dialog import SettingsDialog

    s = Settings(profiles={"qianniu": {"area": [10, 60, 500, 400]}, "wechat": {"area": [0, 0, 300, 300]}})
    d = SettingsDialog(s, portable=False)
    qtbot.addWidget(d)
    pe = d.profile_box
    assert "已框选" in pe.area.text()  # 千牛工作台 first, its area shown
    pe.which.setCurrentIndex(pe.which.findData("pdd"))
    assert "未框选" in pe.area.text()
    pe.banned.setText("淘宝，小绿书")
    pe.variables.setText("店铺名=拼多多小店，坏的变量")
    pe.send_key.setCurrentIndex(pe.send_key.findData("ctrl+enter"))
    pe.titles.setText("多多商家")
    pe.which.setCurrentIndex(pe.which.findData("wechat"))
    assert "坏的变量" in pe.problem.text()  # one clear message; the good part is kept
    pe.clear_area.click()
    d.accept()
    out = d.result_settings.profiles
    assert out["pdd"] == {"send_key": "ctrl+enter", "banned": ["淘宝", "小绿书"],
                          "variables": {"店铺名": "拼多多小店"}, "titles": ["多多商家"]}
    assert out["qianniu"] == {"area": [10, 60, 500, 400]}
    assert out["wechat"].get("area") is None
    ps = profiles.load(out)
    assert profiles.pick(W("多多商家 后台", "x"), ps).id == "pdd"
