"""A real X desktop for the end-to-end tests and the screenshot script: Xvfb on a free display
(Xvfb picks it itself with -displayfd), openbox as the window manager, the test chat window and
the sidebar as separate processes, xdotool/xclip as the agent's hands."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHAT = Path(__file__).resolve().parent / "chat_window.py"


def wait_for(cond, timeout=10.0, interval=0.02, what="condition"):
    """Poll ``cond`` until it returns something truthy (the value is returned)."""
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        last = cond()
        if last:
            return last
        time.sleep(interval)  # polling another process: there is no event to wait on
    raise TimeoutError(f"timed out waiting for {what} (last: {last!r})")


class XDesktop:
    def __init__(self, width=1920, height=1080):
        self.size = (width, height)
        self.procs: list[subprocess.Popen] = []
        self.display = None
        self.env = None

    @staticmethod
    def missing() -> str | None:
        for tool, pkg in (("Xvfb", "xvfb"), ("openbox", "openbox"), ("xdotool", "xdotool"), ("xclip", "xclip")):
            if not shutil.which(tool):
                return f"{tool} 未安装（apt-get install {pkg}）"
        return None

    def start(self) -> "XDesktop":
        r, w = os.pipe()
        xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(w), "-screen", "0", f"{self.size[0]}x{self.size[1]}x24", "-nolisten", "tcp",
             "-noreset"], pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(w)
        self.procs.append(xvfb)
        with os.fdopen(r) as f:
            num = f.readline().strip()  # Xvfb writes the display number once it accepts clients
        if not num:
            self.stop()
            raise RuntimeError("Xvfb did not start")
        self.display = f":{num}"
        self.env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
        self.env.update(DISPLAY=self.display, QT_QPA_PLATFORM="xcb", LANG="zh_CN.UTF-8", LC_ALL="C.UTF-8")
        self.procs.append(subprocess.Popen(["openbox", "--sm-disable"], env=self.env, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL))
        wait_for(lambda: "window id #" in self.run(["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], check=False),
                 timeout=15, what="openbox")
        return self

    def run(self, args, check=True, input=None, timeout=10) -> str:
        r = subprocess.run(args, env=self.env, capture_output=True, input=input, timeout=timeout)
        if check and r.returncode != 0:
            raise RuntimeError(f"{args}: {r.stderr.decode(errors='replace')}")
        return r.stdout.decode("utf-8", "replace")

    def spawn(self, args, env=None, **kw) -> subprocess.Popen:
        p = subprocess.Popen(args, env={**self.env, **(env or {})}, cwd=ROOT, **kw)
        self.procs.append(p)
        return p

    # the agent's hands
    def key(self, *keys: str) -> None:
        self.run(["xdotool", "key", "--delay", "20", *keys])

    def type(self, text: str) -> None:
        self.run(["xdotool", "type", "--delay", "30", text])

    def click(self, x: int, y: int) -> None:
        self.run(["xdotool", "mousemove", str(x), str(y), "click", "1"])

    def active_window(self) -> int:
        out = self.run(["xdotool", "getactivewindow"], check=False).strip()
        return int(out) if out.isdigit() else 0

    def activate(self, wid: int) -> None:
        # no --sync: it hung ~10 s under openbox (probed-facts); poll instead
        self.run(["xdotool", "windowactivate", str(wid)], check=False)
        wait_for(lambda: self.active_window() == wid, timeout=5, what=f"window {wid} active")

    def set_clipboard(self, text: str) -> None:
        """xclip forks and keeps serving the selection until someone else takes it."""
        subprocess.run(["xclip", "-selection", "clipboard", "-i"], env=self.env, input=text.encode("utf-8"),
                       check=True, timeout=5, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def clipboard(self) -> str:
        return self.run(["xclip", "-selection", "clipboard", "-o"], check=False, timeout=5)

    def screenshot(self, path: Path) -> None:
        self.run(["import", "-window", "root", str(path)], timeout=30)

    def stop(self) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
            for stream in (p.stdin, p.stdout, p.stderr):
                if stream is not None:
                    stream.close()
        self.procs.clear()


def unix_line(path: str, line: bytes, timeout=5.0) -> bytes:
    """Send one line to a Unix socket, read one line back."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(line + b"\n")
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    return buf


def unix_request(path: str, obj: dict, timeout=5.0) -> dict:
    return json.loads(unix_line(path, json.dumps(obj, ensure_ascii=False).encode("utf-8"), timeout).decode("utf-8"))


class Chat:
    """The test chat window process."""

    def __init__(self, desk: XDesktop, sock: Path, geometry=(60, 120, 900, 760), title: str | None = None):
        self.desk = desk
        self.sock = str(sock)
        self.proc = desk.spawn([sys.executable, str(CHAT), self.sock, *map(str, geometry), *([title] if title else [])],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert self.proc.stdout.readline().strip() == b"ready"
        self.wid = wait_for(lambda: self._try_state().get("wid"), what="chat window")
        self.title = self.state()["title"]
        wait_for(lambda: str(self.wid) in self.desk.run(["xdotool", "search", "--name", "测试聊天窗口"], check=False)
                 or self.desk.run(["xdotool", "search", "--name", "测试聊天窗口"], check=False).strip(),
                 what="chat window mapped")

    def bubble(self, role: str, text: str, nick: str = "", time: str = "") -> None:
        unix_request(self.sock, {"cmd": "bubble", "role": role, "text": text, "nick": nick, "time": time})

    def clear_bubbles(self) -> None:
        unix_request(self.sock, {"cmd": "bubbles_clear"})

    def area(self) -> list[int]:
        """The bubble view relative to the window (what the agent would mark)."""
        st = self.state()
        x, y, w, h = st["bubbles_rect"]
        geo = self.desk.run(["xdotool", "getwindowgeometry", str(self.wid)])
        import re as _re

        px, py = map(int, _re.search(r"Position: (\d+),(\d+)", geo).groups())
        return [x - px, y - py, w, h]

    def _try_state(self) -> dict:
        try:
            return unix_request(self.sock, {"cmd": "state"})
        except OSError:
            return {}

    def state(self) -> dict:
        return unix_request(self.sock, {"cmd": "state"})

    def show(self, *messages: str) -> None:
        unix_request(self.sock, {"cmd": "show", "messages": list(messages)})

    def clear(self) -> None:
        unix_request(self.sock, {"cmd": "clear"})

    def focus_input(self) -> None:
        x, y = self.state()["input_at"]
        self.desk.click(x, y)
        wait_for(lambda: self.desk.active_window() == self.wid and self.state()["input_focused"],
                 what="chat input focused")

    def copy_history(self) -> None:
        """Click into the history, select all, Ctrl+C — all as X input through xdotool."""
        self.select_history()
        self.desk.key("ctrl+c")

    def select_history(self) -> None:
        x, y = self.state()["history_at"]
        self.desk.click(x, y)
        wait_for(lambda: self.desk.active_window() == self.wid and self.state()["focus"] == "QPlainTextEdit"
                 and not self.state()["input_focused"], what="history focused")
        self.desk.key("ctrl+a")


class SidebarProc:
    """The real app (`python -m ui.app`) with KEFU_TEST_IPC=1 so the test can read its state."""

    def __init__(self, desk: XDesktop, home: Path, settings: dict | None = None, wait: bool = True,
                 cmd: list[str] | None = None, env: dict | None = None):
        """``cmd``: another way to start the app (the frozen build's executable)."""
        self.desk = desk
        self.home = home
        if settings is not None:
            (home / "settings.json").write_text(json.dumps(settings, ensure_ascii=False), encoding="utf-8")
        self.log = open(home / "stderr.log", "wb")
        self.proc = desk.spawn(cmd or [sys.executable, "-m", "ui.app"],
                               env={"KEFU_HOME": str(home), "KEFU_TEST_IPC": "1", **(env or {})},
                               stdout=self.log, stderr=self.log)
        self.name = server_name_for(home)
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout: float = 60, interval: float = 0.1) -> None:
        wait_for(lambda: (self.state_or_none() or {}).get("ready"), timeout=timeout, interval=interval,
                 what="sidebar ready")

    def state_or_none(self) -> dict | None:
        if self.proc.poll() is not None:
            raise RuntimeError("sidebar exited: " + (self.home / "stderr.log").read_text(errors="replace"))
        try:
            return self._qt_state()
        except (OSError, ValueError):
            return None

    def sock_path(self) -> str:
        import tempfile

        return str(Path(tempfile.gettempdir()) / self.name)

    def _qt_state(self) -> dict | None:
        buf = unix_line(self.sock_path(), b"state")
        return json.loads(buf.decode("utf-8")) if buf else None

    def state(self) -> dict:
        st = self.state_or_none()
        if st is None:
            raise RuntimeError("sidebar does not answer")
        return st

    def wait(self, pred, what: str, timeout=10.0) -> dict:
        """Wait until ``pred(state)`` holds; on timeout say what the sidebar showed and logged."""
        seen = {}

        def check():
            seen["state"] = st = self.state()
            return st if pred(st) else None

        try:
            return wait_for(check, timeout=timeout, what=what)
        except TimeoutError:
            log = (self.home / "kefu.log").read_text(encoding="utf-8", errors="replace")[-3000:]
            raise TimeoutError(f"{what}: last state {seen.get('state')!r}\n--- kefu.log ---\n{log}") from None

    def quit(self, timeout: float = 10.0) -> int:
        """Quit as the tray's 退出 does; the process's exit code."""
        unix_line(self.sock_path(), b"quit")
        code = self.proc.wait(timeout)
        self.log.close()
        return code

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        if not self.log.closed:
            self.log.close()


def server_name_for(home: Path) -> str:
    old = os.environ.get("KEFU_HOME")
    os.environ["KEFU_HOME"] = str(home)
    try:
        from ui.single import server_name

        return server_name()
    finally:
        if old is None:
            del os.environ["KEFU_HOME"]
        else:
            os.environ["KEFU_HOME"] = old
