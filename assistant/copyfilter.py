"""Is a copy a customer message? The clipboard carries everything the agent copies: an order
number from the back office, a reply they just pasted, a line from the sidebar. Those must not
replace the suggestions for the customer the agent is answering."""
from __future__ import annotations

import re

from rapidfuzz import fuzz

from assistant.screen.headers import header_nick, split_turns, strip_headers

_BARE_ID = re.compile(r"^[\s#:：\-_/A-Za-z0-9]{6,64}$")  # order / tracking / phone number alone


def _norm(s: str) -> str:
    return re.sub(r"\s+", "", s or "")


def not_a_message(text: str, *, own: list[str] = (), pasted: list[str] = ()) -> str | None:
    """Why ``text`` (already without chat headers) does not look like a customer message, in
    Chinese for the status line; None when it does.

    ``own``: the replies the sidebar shows now; ``pasted``: replies the agent recently pasted into
    the chat (copying one back from the chat history is the agent's own words)."""
    t = text.strip()
    if _BARE_ID.match(t) and sum(c.isdigit() for c in t) >= 6 and not re.search(r"[A-Za-z]{4,}\s+[A-Za-z]{4,}", t):
        return "复制的是单号/编号，不是顾客消息：建议保持不变"
    if _is_one_of(t, pasted):
        return "复制的是刚发出的回复，不是顾客消息：建议保持不变"
    if _is_one_of(t, own):
        return "复制的是侧栏里的话术，不是顾客消息：建议保持不变"
    return None


def _is_one_of(text: str, replies) -> bool:
    """Is ``text`` (a part of) one of ``replies``, as the chat shows it back?"""
    n = _norm(text)
    return len(n) >= 4 and any((rn := _norm(r)) and (n in rn or (len(n) >= 8 and fuzz.ratio(n, rn) >= 90))
                               for r in replies)


def clean_copy(text: str) -> str:
    """The copied text without the chat client's nick/time headers."""
    return strip_headers(text)


_SUB_ACCOUNT = re.compile(r"^[^:：]{2,}[:：][^:：]+$")  # 千牛 / 咚咚 agents: "店铺名:客服名"
_SHOP_NICK = re.compile(r"客服|店小蜜|机器人|旗舰店|专营店|专卖店")  # the shop's side, by its nick
_AUTO_REPLY = re.compile(r"^\s*[\[【(（]?\s*(?:自动回复|机器人回复|智能回复)")  # the shop's robot answering
MAX_BLOCK_CONTEXT = 4


def copied_turns(text: str, *, pasted: list[str] = (), own_names: list[str] = ()) -> tuple[str, list[dict]] | None:
    """A copy of several messages with the chat client's nick/time headers, as (the customer's
    newest message, the turns before it with their roles, oldest first); None when the copy is one
    message or its senders cannot be told apart.

    The customer is the sender of the newest message that is not the shop's. The shop's side is
    a sub-account ("店铺:客服"), a nick such as 客服小美 / 店小蜜 or one that contains ``own_names``
    (the shop's and the agent's names from the settings), and whoever sent an automatic reply, a
    message marked 已读/未读 (the client shows that on the shop's messages) or a reply the agent
    pasted from the sidebar. Lines whose sender the copy does not show are left out of the context."""
    turns = [t for t in split_turns(text) if t.nick and t.text.strip()]  # a sender the copy shows
    if len(turns) < 2:
        return None  # one header: a message with its header, or a line of a long message that looks like one
    names = [n.strip() for n in own_names if n and len(n.strip()) >= 2]
    shop = {t.nick for t in turns if t.read_mark or _SUB_ACCOUNT.match(t.nick) or _SHOP_NICK.search(t.nick)
            or _AUTO_REPLY.match(t.text) or _is_one_of(t.text, pasted) or any(n in t.nick for n in names)}
    last = next((i for i in range(len(turns) - 1, -1, -1) if turns[i].nick not in shop), None)
    if last is None:
        return None
    customer = turns[last].nick
    context = [{"role": "customer" if t.nick == customer else "agent", "text": t.text.strip()} for t in turns[:last]]
    return turns[last].text.strip(), context[-MAX_BLOCK_CONTEXT:]


def chat_tail(text: str, limit: int) -> str | None:
    """The end of a copy too long to read whole, when it is a stretch of chat: agents copy a
    whole conversation (Ctrl+A, Ctrl+C in the chat history). The last ``limit`` characters from
    the first message header in them, when at least two messages there carry their sender; None
    for any other long text (a document, a log), which is not a customer message."""
    tail = text[-limit:].replace("\r\n", "\n")
    lines = tail.split("\n")[1:] if len(text) > limit else tail.split("\n")  # the first is cut
    for i, ln in enumerate(lines):
        if header_nick(ln):
            rest = "\n".join(lines[i:])
            return rest if sum(1 for t in split_turns(rest) if t.nick) >= 2 else None
    return None
