"""Chat-client headers: the nick and time lines a client puts above (or in front of) each message,
and which come along when the agent copies a message or when OCR reads the chat.

Shapes seen in the clients we target (and in HexChat-style IRC clients):
  小王 2026-12-01 10:02:11        千牛 / 咚咚 / 拼多多: nick, date, time on their own line
  2026/12/01 10:02                date without a nick
  昨天 10:02 · 星期一 10:02 · 10:02  WeChat: time alone, centred
  <nick> message                  IRC-style: the nick in angle brackets in front of the text
  [10:02] <nick> message          with a time stamp in front
  小王(tb123456): message          nick, account, colon
OCR drops the spaces ("小王2026-12-0110:02:11"), so every pattern allows none.
"""
from __future__ import annotations

import re
from typing import NamedTuple

_DATE = r"(?:\d{4}\s*[-/.年]\s*)?\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
_TIME = r"\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?"
_DAY = r"(?:今天|昨天|前天|星期[一二三四五六日天]|周[一二三四五六日天]|上午|下午|晚上|凌晨|中午)"
_STAMP = rf"(?:{_DATE}\s*(?:{_DAY}\s*)?{_TIME}|(?:{_DAY}\s*)+{_TIME}|{_TIME}|{_DATE})"
# a whole line that is a header: [nick] stamp, or stamp [nick]; nick = up to 24 chars without 。？！
_NICK = r"[^\s。？！?!，,]{1,24}?(?:\s*[(（][^)）]{1,30}[)）])?"
_STAMP_LINE = re.compile(rf"^\s*[\[(（]?(?P<stamp>{_STAMP})[\])）]?\s*$")
_HEADER_LINE = re.compile(rf"^\s*(?:(?P<nick>{_NICK})\s*)?[\[(（]?(?P<stamp>{_STAMP})[\])）]?\s*[:：]?\s*$")
# a header in front of the text on the same line
_INLINE = re.compile(rf"^\s*(?:[\[(（]?{_STAMP}[\])）]?\s*)?(?:<(?P<nick>[^<>\s]{{1,30}})>|＜(?P<nick2>[^＜＞\s]{{1,30}})＞)\s*")
_STAMP_PREFIX = re.compile(rf"^\s*[\[(（]{_STAMP}[\])）]\s*")
_NICK_COLON = re.compile(r"^\s*(?P<nick>[^\s:：。？！?!，,]{1,16}\s*[(（][^)）]{1,30}[)）])\s*[:：]\s*")


def is_header_line(line: str) -> bool:
    """True for a line that is only a nick and/or a time stamp (no message text)."""
    s = line.strip()
    if not s:
        return False
    m = _STAMP_LINE.match(s) or _HEADER_LINE.match(s)
    if not m:
        return False
    stamp = m.group("stamp").replace(" ", "")
    if not re.search(r"[:：]\d{2}|\d[-/.年月]\d", stamp):
        return False
    if m.re is _STAMP_LINE:
        return True  # a time or date alone (WeChat's centred time)
    # after a nick, only a full stamp (a date, seconds or a day word): "明天 12:30" is a message
    return bool(re.search(r"\d[-/.年月]\d|[:：]\d{2}[:：]\d{2}|" + _DAY, stamp))


def strip_line(line: str) -> str:
    """Remove a nick/time header in front of the text on one line ("<nick> 你好" → "你好")."""
    out = _INLINE.sub("", line, count=1)
    if out == line:
        out = _STAMP_PREFIX.sub("", line, count=1)
    if out == line:
        out = _NICK_COLON.sub("", line, count=1)
    return out


def strip_headers(text: str) -> str:
    """Chat text as the agent copied it (or OCR read it) without the client's headers: header
    lines go, inline headers are cut, the client's own notes (已读, 撤回了一条消息 …) go, empty lines
    collapse. Text without headers is unchanged."""
    if not text:
        return text
    lines = text.replace("\r\n", "\n").split("\n")
    kept = []
    for ln in lines:
        if is_header_line(ln) or _CLIENT_NOTE.match(ln) or _READ_MARK.match(ln):
            continue
        kept.append(strip_line(ln))
    out = "\n".join(x for x in kept if x.strip())
    return out.strip() if out.strip() else text.strip()


# What 千牛 puts in a copy besides the messages (as a public parser of its clipboard text handles
# them; docs/platform-notes.md): the read state under the shop's own messages, recalls, the
# routing notes of a transferred chat.
_READ_MARK = re.compile(r"^\s*(?:已读|未读|发送中)\s*$")
_CLIENT_NOTE = re.compile(r"^\s*(?:.{0,40}撤回了一条消息|当前用户来自.*|由\s*\S.{0,40}转交给.*|原因[:：]\s*【.*)\s*$")
# an older layout: the nick alone on one line, the full date and time on the next
_FULL_STAMP = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}\s+\d{1,2}:\d{2}:\d{2}\s*$")
_NICK_ALONE = re.compile(r"^\s*[^\s。？！?!，,；;“”]{1,32}(?:\s*-->\s*[^\s。？！?!，,]{1,32})?\s*$")
# "sender --> receiver 2026-12-01 10:02:11": a message between two accounts, named by its sender
_ARROW = re.compile(r"^\s*(?P<nick>[^\s。？！?!，,]{1,32})\s*-->\s*[^\s。？！?!，,]{1,32}\s*(?P<stamp>" + _STAMP + r")\s*$")


class CopiedTurn(NamedTuple):
    nick: str | None  # the sender as the client names them; None where the copy does not show it
    text: str
    read_mark: bool = False  # 已读 / 未读 under it: the client shows those on the shop's own messages


def _sender(nick: str) -> str:
    return re.sub(r"\s+", "", nick.split("-->")[0])


def _line_nick(line: str) -> tuple[str | None, str] | None:
    """(nick, text) when ``line`` starts a message: a header line (text "", nick None for a time
    alone) or a header in front of the text; None for a line of message text."""
    s = line.strip()
    m = _ARROW.match(s)
    if m and is_header_line(m.group("stamp")):
        return _sender(m.group("nick")), ""
    if is_header_line(s):
        m = _HEADER_LINE.match(s) if not _STAMP_LINE.match(s) else None
        nick = (m.group("nick") or "").strip() if m else ""
        return (re.sub(r"\s+", "", nick) or None), ""
    m = _INLINE.match(line)
    if m:
        return m.group("nick") or m.group("nick2"), line[m.end():]
    m = _NICK_COLON.match(line)
    if m:
        return re.sub(r"\s+", "", m.group("nick")), line[m.end():]
    return None


def header_nick(line: str) -> str | None:
    """The sender's nick when ``line`` starts a message under a header that names one."""
    head = _line_nick(line)
    return head[0] if head else None


def split_turns(text: str) -> list[CopiedTurn]:
    """A copied stretch of chat as its messages, oldest first. [] when the text has no header at
    all (then it is one message as written). Lines above the first header (the tail of a message
    the selection cut into) come with nick None, as do messages under a time alone (WeChat shows
    no nick)."""
    if not text:
        return []
    turns: list[list] = []  # [nick, lines, read_mark]
    seen = False
    for ln in text.replace("\r\n", "\n").split("\n"):
        if _READ_MARK.match(ln):
            if turns:
                turns[-1][2] = True
            continue
        if _CLIENT_NOTE.match(ln):
            continue
        head = _line_nick(ln)
        if head is not None:
            seen = True
            nick = head[0]
            if nick is None and _FULL_STAMP.match(ln) and turns and turns[-1][1] and _NICK_ALONE.match(turns[-1][1][-1]):
                nick = _sender(turns[-1][1].pop())  # the nick on the line above its time stamp
            turns.append([nick, [head[1]] if head[1].strip() else [], False])
        elif ln.strip():
            if not turns:
                turns.append([None, [], False])
            turns[-1][1].append(ln.strip())
    if not seen:
        return []
    return [CopiedTurn(nick, "\n".join(lines), mark) for nick, lines, mark in turns if lines]
