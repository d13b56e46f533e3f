"""The paste and grab sequences over the fake desktop with a manual clock (no Qt, no sleeps)."""
import pytest

from assistant.platform.chat_clients import PasteProfile
from assistant.platform.fakes import FakeActiveWindow, FakeClipboard, FakeDesktop, FakeTextInjector
from assistant.platform.paste import GrabJob, ManualScheduler, PasteJob

REPLY = "亲，您的订单 3254857712345678 已发出😊\n请注意查收"
AGENT_CLIP = "坐席原来的剪贴板"


@pytest.fixture
def world():
    desk = FakeDesktop()
    chat = desk.open("千牛接待中心", "aliworkbench.exe")
    clip = FakeClipboard()
    clip.copy_from_elsewhere(AGENT_CLIP, {"text/html": b"<b>x</b>"})
    inj = FakeTextInjector(desk, clip)
    return desk, chat, clip, inj, FakeActiveWindow(desk), ManualScheduler()


def job(world, text=REPLY, target="chat", **kw):
    desk, chat, clip, inj, aw, sched = world
    results = []
    t = chat.info if target == "chat" else target
    j = PasteJob(text, t, clipboard=clip, injector=inj, windows=aw, scheduler=sched,
                 on_done=results.append, **kw)
    return j, results


def test_reply_arrives_intact_and_the_agents_clipboard_comes_back(world):
    desk, chat, clip, inj, aw, sched = world
    j, results = job(world)
    j.start()
    sched.run_all()
    assert results and results[0].ok
    assert chat.input == REPLY  # Chinese, emoji and the line break intact
    assert clip.text() == AGENT_CLIP and clip.snapshot().formats == {"text/html": b"<b>x</b>"}
    names = [s for s, _ in results[0].steps]
    assert names.index("clipboard set") < names.index("ctrl+v") < names.index("restored")


def test_target_behind_another_window_is_brought_forward_first(world):
    desk, chat, clip, inj, aw, sched = world
    desk.open("客服助手", "python3")  # our own sidebar got the focus when the agent clicked it
    j, results = job(world)
    j.start()
    sched.run_all()
    assert aw.activations == [chat.info.handle]
    assert chat.input == REPLY


def test_held_modifiers_delay_the_paste_until_released(world):
    desk, chat, clip, inj, aw, sched = world
    inj.held = {"alt"}
    j, results = job(world)
    j.start()
    sched.advance(500)
    assert chat.input == "" and not results
    inj.held = set()
    sched.run_all()
    assert chat.input == REPLY


def test_modifiers_never_released_abort_without_pasting(world):
    desk, chat, clip, inj, aw, sched = world
    inj.held = {"ctrl", "alt"}
    j, results = job(world)
    j.start()
    sched.run_all()
    assert not results[0].ok and "Alt" in results[0].message and "Ctrl" in results[0].message
    assert chat.input == "" and "ctrl+v" not in inj.keys


def test_window_that_refuses_focus_aborts_and_restores(world):
    desk, chat, clip, inj, aw, sched = world
    chat.refuses_focus = True
    other = desk.open("记事本", "notepad.exe")
    j, results = job(world, platform_name="千牛")
    j.start()
    sched.run_all()
    assert not results[0].ok and "千牛没能切到前台" in results[0].message
    assert other.input == "" and chat.input == ""
    assert clip.text() == AGENT_CLIP


def test_locked_clipboard_is_retried_then_given_up_without_pasting(world):
    desk, chat, clip, inj, aw, sched = world
    clip.fail_sets = 2
    j, results = job(world)
    j.start()
    sched.run_all()
    assert results[0].ok and chat.input == REPLY  # two failures, the third try worked
    clip.fail_sets = 99
    chat.input = ""
    j, results = job(world)
    j.start()
    sched.run_all()
    assert not results[0].ok and "剪贴板" in results[0].message
    assert chat.input == ""
    assert clip.text() == AGENT_CLIP


def test_clipboard_changed_by_the_agent_meanwhile_is_not_overwritten(world):
    desk, chat, clip, inj, aw, sched = world
    j, results = job(world)
    j.start()
    sched.advance(200)  # pasted, waiting to restore
    assert chat.input == REPLY
    clip.copy_from_elsewhere("坐席刚复制的新内容")
    sched.run_all()
    assert results[0].ok
    assert clip.text() == "坐席刚复制的新内容"


def test_clipboard_taken_before_ctrl_v_aborts(world):
    desk, chat, clip, inj, aw, sched = world
    j, results = job(world, profile=PasteProfile(pre_paste_ms=100))
    j.start()
    clip.copy_from_elsewhere("别的程序抢了剪贴板")
    sched.run_all()
    assert not results[0].ok and chat.input == ""


def test_auto_send_presses_the_platform_send_key(world):
    desk, chat, clip, inj, aw, sched = world
    j, results = job(world, auto_send=True, profile=PasteProfile(send_key="ctrl+enter"))
    j.start()
    sched.run_all()
    assert "ctrl+enter" in inj.keys and chat.sent == [REPLY]
    assert "并发送" in results[0].message


def test_no_target_or_empty_text_is_refused(world):
    j, results = job(world, target=None)
    j.start()
    assert not results[0].ok and "哪个窗口" in results[0].message
    j, results = job(world, text="")
    j.start()
    assert not results[0].ok


def test_injector_veto_for_an_elevated_target_stops_everything(world):
    desk, chat, clip, inj, aw, sched = world
    inj.check_target = lambda win: "聊天程序以管理员身份运行"
    j, results = job(world)
    j.start()
    sched.run_all()
    assert not results[0].ok and "管理员" in results[0].message
    assert clip.text() == AGENT_CLIP and chat.input == ""


def test_grab_copies_the_selection_and_puts_the_clipboard_back(world):
    desk, chat, clip, inj, aw, sched = world
    chat.selection = "我买的耳机到哪了"
    results = []
    GrabJob(chat.info, clipboard=clip, injector=inj, windows=aw, scheduler=sched,
            on_done=results.append).start()
    sched.run_all()
    assert results[0].ok and results[0].text == "我买的耳机到哪了"
    assert clip.text() == AGENT_CLIP


def test_grab_with_nothing_selected_says_so(world):
    desk, chat, clip, inj, aw, sched = world
    inj.held = {"alt"}  # the agent is still on Alt+W when the job starts
    results = []
    GrabJob(chat.info, clipboard=clip, injector=inj, windows=aw, scheduler=sched,
            on_done=results.append).start()
    sched.advance(100)
    assert "ctrl+c" not in inj.keys  # Ctrl+C with Alt held would be Ctrl+Alt+C
    inj.held = set()
    sched.run_all()
    assert not results[0].ok and "选中" in results[0].message
