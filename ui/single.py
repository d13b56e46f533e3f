"""Single instance: the first launch listens on a per-user, per-data-dir local socket; a second
launch connects, asks the first to come to the front, and exits.

Commands are one line each: ``show`` (bring to front), and ``state`` (JSON of what the window
shows) and ``quit`` (as the tray's 退出), the last two only when KEFU_TEST_IPC=1, for the
end-to-end tests."""
from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
from typing import Callable

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from assistant import paths

log = logging.getLogger(__name__)


def server_name() -> str:
    try:
        user = getpass.getuser()
    except Exception:
        user = "user"
    h = hashlib.sha1(str(paths.data_dir().resolve()).encode("utf-8")).hexdigest()[:10]
    return f"kefu-assistant-{user}-{h}"


def send(name: str, command: str, timeout_ms: int = 1000) -> bytes | None:
    """Send one command to a running instance; its answer, or None when nobody listens."""
    sock = QLocalSocket()
    sock.connectToServer(name)
    if not sock.waitForConnected(timeout_ms):
        return None
    sock.write((command + "\n").encode("utf-8"))
    sock.flush()
    sock.waitForBytesWritten(timeout_ms)
    data = b""
    while sock.waitForReadyRead(timeout_ms):
        data += bytes(sock.readAll())
        if data.endswith(b"\n"):
            break
    sock.disconnectFromServer()
    return data


class SingleInstance(QObject):
    show_requested = Signal()
    quit_requested = Signal()

    def __init__(self, name: str | None = None, state: Callable[[], dict] | None = None, parent=None):
        super().__init__(parent)
        self.name = name or server_name()
        self.state = state
        self.server: QLocalServer | None = None
        self._socks: list[QLocalSocket] = []

    def acquire(self) -> bool:
        """True: we are the first instance and now listen. False: another one was told to show."""
        answer = send(self.name, "show", 500)
        if answer is not None:
            return False
        QLocalServer.removeServer(self.name)  # a stale socket after a crash
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.UserAccessOption)
        if not self.server.listen(self.name):
            log.warning("single-instance server failed: %s", self.server.errorString())
            return True  # still run: better two windows than none
        self.server.newConnection.connect(self._accept)
        return True

    def _accept(self) -> None:
        while self.server is not None and self.server.hasPendingConnections():
            sock = self.server.nextPendingConnection()
            self._socks.append(sock)
            sock.readyRead.connect(self._on_ready_read)
            sock.disconnected.connect(self._on_disconnected)
            if sock.canReadLine():
                self._read(sock)

    @Slot()
    def _on_ready_read(self) -> None:
        sock = self.sender()
        if isinstance(sock, QLocalSocket):
            self._read(sock)

    @Slot()
    def _on_disconnected(self) -> None:
        sock = self.sender()
        if sock in self._socks:
            self._socks.remove(sock)
            sock.deleteLater()

    def _read(self, sock: QLocalSocket) -> None:
        while sock.canReadLine():
            cmd = bytes(sock.readLine()).decode("utf-8", "replace").strip()
            if cmd == "show":
                self.show_requested.emit()
                sock.write(b"ok\n")
            elif cmd == "state" and self.state and os.environ.get("KEFU_TEST_IPC") == "1":
                sock.write(json.dumps(self.state(), ensure_ascii=False).encode("utf-8") + b"\n")
            elif cmd == "quit" and os.environ.get("KEFU_TEST_IPC") == "1":  # as the tray's 退出
                sock.write(b"ok\n")
                self.quit_requested.emit()
            else:
                sock.write(b"?\n")
            sock.flush()

    def release(self) -> None:
        for sock in self._socks:
            sock.abort()
            sock.deleteLater()
        self._socks = []
        if self.server is not None:
            self.server.close()
            self.server.deleteLater()
            self.server = None
