"""Hotkey parsing, conflict checks and the exact-modifier matcher (desktop-pitfalls §1.3–1.5)."""
from types import SimpleNamespace

import pytest

from assistant.platform.hotkeys import (
    Combo, Matcher, PynputHotkeys, check_conflicts, key_name, parse_combo, problems, win_vk_letter,
    x11_vk_letter,
)
from assistant.settings import DEFAULT_HOTKEYS


@pytest.mark.parametrize("text,canon,label", [
    ("Alt+W", "alt+w", "Alt+W"),
    ("alt + q", "alt+q", "Alt+Q"),
    ("shift+ctrl+F2", "ctrl+shift+f2", "Ctrl+Shift+F2"),
    ("Win+Return", "cmd+enter", "Win+Enter"),
    ("Ctrl++", "ctrl++", "Ctrl++"),
])
def test_combos_parse_to_one_canonical_form(text, canon, label):
    c = parse_combo(text)
    assert str(c) == canon and c.label() == label


@pytest.mark.parametrize("bad", ["", "alt+", "ctrl+shift", "alt+w+q", "alt+nosuchkey"])
def test_unparsable_combos_say_why_in_chinese(bad):
    with pytest.raises(ValueError) as e:
        parse_combo(bad)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(e.value))


def test_the_default_hotkeys_pass_the_conflict_check():
    assert check_conflicts(DEFAULT_HOTKEYS) == {}


@pytest.mark.parametrize("combo,why", [
    ("ctrl+alt+w", "AltGr"),
    ("ctrl+space", "输入法"),
    ("ctrl+.", "标点"),
    ("ctrl+shift+f", "Ctrl+Shift"),
    ("w", "没有修饰键"),
    ("shift+w", "Shift"),
    ("alt+tab", "切换窗口"),
])
def test_altgr_and_input_method_shortcuts_are_refused(combo, why):
    assert any(why in p for p in problems(parse_combo(combo)))


def test_two_actions_on_one_combo_is_a_conflict():
    out = check_conflicts({"grab": "alt+w", "search": "Alt+W"})
    assert "重复" in out["search"] and "grab" not in out


def test_empty_hotkey_means_off_not_an_error():
    assert check_conflicts({"grab": "", "search": "alt+q"}) == {}


class Clock:
    t = 0.0

    def __call__(self):
        return self.t


def make(combos=("alt+w",)):
    clock = Clock()
    m = Matcher(clock=clock, stale_after=5)
    fired = []
    for c in combos:
        m.register(parse_combo(c), lambda c=c: fired.append(c))
    return m, fired, clock


def test_exact_modifiers_fire_once_per_press_despite_auto_repeat():
    m, fired, _ = make()
    m.press("alt")
    m.press("w")
    m.press("w")  # auto-repeat while held
    m.release("w")
    m.press("w")  # a second real press
    assert fired == ["alt+w", "alt+w"]


def test_extra_modifiers_or_none_do_not_fire():
    m, fired, _ = make(["alt+w", "shift+q"])
    for k in ("ctrl", "alt", "w"):
        m.press(k)
    m.reset()
    m.press("q")  # plain q must not fire shift+q (pynput#536)
    m.press("alt")
    m.press("altgr")
    m.press("w")  # AltGr held as well
    assert fired == []


def test_a_lost_key_up_is_forgotten_after_a_while():
    m, fired, clock = make(["ctrl+b"])
    m.press("alt")  # Alt+Tab away: the Alt release never reaches us (pynput#500)
    clock.t = 10
    m.press("ctrl")
    m.press("b")
    assert fired == ["ctrl+b"]


def test_paused_matcher_fires_nothing():
    m, fired, _ = make()
    m.paused = True
    m.press("alt")
    m.press("w")
    assert fired == []


def test_key_names_from_pynput_like_keys():
    Key = SimpleNamespace
    assert key_name(Key(name="alt_l")) == "alt"
    assert key_name(Key(name="alt_gr")) == "altgr"
    assert key_name(Key(name="ctrl_r")) == "ctrl"
    assert key_name(Key(name="enter")) == "enter"
    assert key_name(SimpleNamespace(char="W", vk=None)) == "w"
    assert key_name(SimpleNamespace(char="\x17", vk=None)) == "w"  # Ctrl+W on Windows
    # a Cyrillic layout still gives the letter by its key code
    assert key_name(SimpleNamespace(char="ц", vk=0x77), x11_vk_letter) == "w"
    assert key_name(SimpleNamespace(char="ц", vk=0x57), win_vk_letter) == "w"
    assert key_name(None) is None


class FakeListener:
    def __init__(self, on_press, on_release):
        self.on_press, self.on_release = on_press, on_release
        self.daemon = False
        self.running = False

    def start(self):
        self.running = True

    def stop(self):
        self.running = False

    def is_alive(self):
        return self.running


def test_pynput_adapter_feeds_the_matcher_and_survives_callback_errors():
    listeners = []
    hot = PynputHotkeys(listener_factory=lambda **kw: listeners.append(FakeListener(**kw)) or listeners[-1])
    fired = []
    hot.register("alt+q", lambda: fired.append("q"))
    hot.register("alt+w", lambda: 1 / 0)  # a broken callback must not kill the hook thread
    hot.start()
    lst = listeners[0]
    assert hot.alive()
    K = SimpleNamespace
    lst.on_press(K(name="alt_l"), False)
    lst.on_press(K(name=None, char="w", vk=0x77), False)
    lst.on_release(K(name=None, char="w", vk=0x77), False)
    lst.on_press(K(name=None, char="q", vk=0x71), False)
    assert fired == ["q"]
    hot.stop()
    assert not hot.alive()


def test_combo_is_hashable_and_order_free():
    assert Combo(frozenset({"ctrl", "alt"}), "x") == parse_combo("alt+ctrl+x")
