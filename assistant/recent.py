"""The chat the agent is answering, as far as the sidebar saw it: the customer messages copied in
a chat window and the replies pasted there from the sidebar, as context for a short copied
follow-up (no Qt).

A copied message reaches the sidebar alone, while a follow-up such as "都三天了" or "那我再等等"
means little without what came before. On the tune split the engine reads 41% of the messages
right without their context and 57% with the customer's last turns (docs/reader.md, "Tenth
pass"); on the JD chats with roles, the last four turns of either side read 3 points better than
the customer's alone. The sidebar cannot tell customers apart inside one chat window (千牛's
接待中心 keeps its title), so turns are kept per window title, for a few minutes, and given only
to messages of at most MAX_CHARS characters: there the right context is worth 19–21 points and
another customer's costs 2–4; a longer message stands on its own (+5 / −6). Kept in memory only:
nothing is written anywhere.
"""
from __future__ import annotations

from assistant.analysis import clean_for_intent, scoring_text
from assistant.reader import content_len

WINDOW_S = 300.0  # a follow-up comes within minutes; after that the chat has moved on
MAX_TURNS = 4
MAX_CHARS = 15  # the reader's "long message" bucket starts above this
MAX_CHATS = 50


class RecentMessages:
    def __init__(self, window_s: float = WINDOW_S, max_turns: int = MAX_TURNS, max_chars: int = MAX_CHARS):
        self.window_s, self.max_turns, self.max_chars = window_s, max_turns, max_chars
        self._by_chat: dict[str, list[tuple[float, str, str]]] = {}  # chat -> (time, role, text)

    def _fresh(self, chat: str, now: float, but: str) -> list[tuple[float, str, str]]:
        return [(ts, role, t) for ts, role, t in self._by_chat.get(chat, [])
                if 0 <= now - ts <= self.window_s and not (role == "customer" and t == but)]

    def context(self, chat: str, message: str, now: float) -> list[dict]:
        """The earlier turns of ``chat`` (oldest first) for ``message``, or [] when the message is
        long enough to stand alone or nothing recent is known."""
        if not chat or content_len(scoring_text(clean_for_intent(message))) > self.max_chars:
            return []
        return [{"role": role, "text": t} for _, role, t in self._fresh(chat, now, message)[-self.max_turns:]]

    def add(self, chat: str, message: str, now: float, role: str = "customer") -> None:
        """Remember a customer message of ``chat`` (copying it again moves it to the end), or with
        role "agent" a reply the agent pasted there."""
        if not chat or not message.strip():
            return
        turns = (self._fresh(chat, now, message if role == "customer" else "") + [(now, role, message)])[-self.max_turns:]
        self._by_chat.pop(chat, None)  # re-inserted last: the dict's order is the chats' recency
        self._by_chat[chat] = turns
        while len(self._by_chat) > MAX_CHATS:
            del self._by_chat[next(iter(self._by_chat))]

    def forget(self, chat: str | None = None) -> None:
        if chat is None:
            self._by_chat.clear()
        else:
            self._by_chat.pop(chat, None)
