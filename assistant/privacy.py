"""What the usage log keeps of a customer's message: private details masked (docs/data.md).

The learning signal is which reply the agent chose for which kind of message; it needs the
wording of the question, not the customer's phone number, order number, address or name. So by
default (settings ``privacy.mask``) those are replaced by the knowledge base's own template
variables ({手机号} {订单号} {地址} {姓名} …) before an event is queued: they never reach the
database or its backups. An edited reply masked this way is a template again.
"""
from __future__ import annotations

import re

_CJK = "\u4e00-\u9fff"
_ADMIN = r"(?:省|自治区|市|自治州|州|盟|区|县|旗|镇|乡|街道)"
_PLACE = r"(?:路|街|大道|大街|巷|弄|胡同|村|屯|小区|花园|家园|苑|公寓|大厦|广场|中心|园区|工业区)"
_UNIT = r"(?:号楼|号院|号|室|栋|幢|单元|楼|层|弄|组|座|门)"

# order matters: the longest, most specific first
_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9.\-]{1,63}\.[A-Za-z]{2,10}"), "{邮箱}"),
    (re.compile(r"(?<![0-9A-Za-z])\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"),
     "{身份证号}"),
    (re.compile(r"(?<!\d)(?:\+?86[\s\-]?)?1[3-9]\d(?:[\s\-]?\d{4}){2}(?!\d)"), "{手机号}"),
    (re.compile(r"(?<!\d)0\d{2,3}[\s\-]?\d{7,8}(?!\d)"), "{手机号}"),
    # order and waybill numbers: 10+ digits (or letters then 8+ digits), also with * masking
    (re.compile(r"(?<![0-9A-Za-z])(?:[A-Za-z]{1,4}\d{8,}|[\d*]{10,}\d)(?![0-9A-Za-z])"), "{订单号}"),
]
# labelled details: everything after the label up to the end of the clause
_LABELLED_ADDRESS = re.compile(
    rf"(?<!\{{)((?:收货|收件|寄件|送货|家庭|详细|联系)?地址|住址|寄到|送到|发到|地址是)\s*[:：是为]?\s*([^，,。；;！!？?\n]{{4,80}})")
_NAME = rf"([{_CJK}·]{{2,4}}?)(?=[^{_CJK}·]|$|先生|女士|小姐|电话|手机|地址|联系|收)"
_LABELLED_NAME = re.compile(
    rf"(?<!\{{)((?:收件人|收货人|联系人|寄件人|姓名|名字)\s*(?:[:：]|是|为|叫)\s*|(?:收件人|收货人|联系人|寄件人|姓名)\s*|我叫\s*){_NAME}")
_ADDRESS = re.compile(
    rf"(?:[{_CJK}]{{1,8}}?{_ADMIN}){{2,}}(?:[{_CJK}A-Za-z\d\-#]{{0,20}}?\d+\s*{_UNIT})*"
    rf"|[{_CJK}]{{1,10}}?{_PLACE}\s*\d+\s*{_UNIT}(?:[\dA-Za-z\-#\s]{{0,12}}?{_UNIT})*")
_NAME_TITLE = re.compile(rf"(?<![{_CJK}])([{_CJK}])(先生|女士|小姐)")

PLACEHOLDERS = ("{邮箱}", "{身份证号}", "{手机号}", "{订单号}", "{地址}", "{姓名}")


_ADDRESSY = re.compile(rf"\d|{_ADMIN}|{_PLACE}|{_UNIT}")


def _labelled_address(m: re.Match) -> str:
    label, value = m.group(1), m.group(2)
    if "地址" not in label and not _ADDRESSY.search(value):  # 寄到新加坡吗: a question, not an address
        return m.group(0)
    return label + "{地址}"


def mask(text: str | None, entities: dict | None = None) -> str | None:
    """``text`` with phone numbers, order/waybill numbers, ID numbers, e-mail addresses, postal
    addresses and names replaced by placeholders. ``entities`` (the analysis's) are masked too."""
    if not text:
        return text
    out = text
    for key, holder in (("order_no", "{订单号}"), ("phone", "{手机号}"), ("name", "{姓名}"),
                        ("address", "{地址}")):
        v = (entities or {}).get(key)
        if isinstance(v, str) and len(v) >= 2 and not v.startswith("["):
            out = out.replace(v, holder)
    out = _LABELLED_ADDRESS.sub(_labelled_address, out)
    out = _LABELLED_NAME.sub(lambda m: m.group(1) + "{姓名}", out)
    for rx, holder in _PATTERNS:
        out = rx.sub(holder, out)
    out = _ADDRESS.sub("{地址}", out)
    out = _NAME_TITLE.sub(r"{姓名}\2", out)
    return out
