"""Entities of a customer message, as exact substrings of it: order number, phone, amount, size
and the product (with the shop category it belongs to). Regular expressions plus the product
finder built from the lexicon's nouns; no model."""
from __future__ import annotations

import functools
import re

from assistant import text

_ORDER_RX = [
    re.compile(r"\[订单x\]|\[ORDERID_\d+\]"),
    # 拼多多: the order date, a dash and a serial (231201-572811234567890), whole
    re.compile(r"(?<![\d\-])(\d{6}-\d{12,16})(?![\d\-])"),
    re.compile(r"订单(?:编)?号?\s*(?:是|为|[:：])?\s*(\[数字x\]|[0-9*]{4,}[0-9*]*)"),
    # 单号 alone is the order's (我的单号是 265432198765); 快递/运/物流单号 is the parcel's
    re.compile(r"(?<!快递)(?<!运)(?<!物流)(?<!快递的)单号\s*(?:是|为|[:：])?\s*(\d{8,24})(?![\d\-])"),
    re.compile(r"(\[数字x\])\s?(?:这个|这|的)?\s?订单"),  # [数字x]订单号 / [数字x] 这个订单
    # a long number on its own (106… is an SMS service port, not an order)
    re.compile(r"(?<![\d*])(?!106)(\d{15,20})(?!\d)"),
    # a shorter one the message opens with ("120508923944 谢谢哦亲"), unless the message asks what
    # it is ("538872953711 是纸皮核桃吗": an item's number)
    re.compile(r"^\s*([1-9]\d{11,13})(?![\d\-.])(?!\s?是)"),
    # Weibo-era order numbers: a letter prefix, or shop-date-serial with dashes
    re.compile(r"(?<![\d*\-])(\d{6,12}-\d{8}-\d{6,12})(?![\d\-])"),
    re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,3}\d{10,18})(?![0-9])"),
]
PHONE_RX = [
    re.compile(r"\[电话x\]"),
    re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)"),
    # written with dashes or spaces, or partly masked: 189-8806-0007 / 1560162xxxx / 159xxxx6507
    re.compile(r"(?<![\d\-])(1[3-9]\d[\- ]\d{4}[\- ]\d{4})(?![\d\-])"),
    re.compile(r"(?<![\dA-Za-z])(1[3-9]\d(?=[\dxX*]{8}(?![\dxX*]))\d{0,7}[xX*]{4,8}\d{0,4})"),
    # a landline with its area code: 0755-83762288 / 010-62345678
    re.compile(r"(?<![\d\-])(0\d{2,3}-\d{7,8})(?![\d\-])"),
    # …or a local number after the word for it (固话60730748)
    re.compile(r"(?:固话|座机|电话)(?:号码?)?\s?(?:是|为|[:：])?\s?(\d{7,8})(?!\d)"),
    re.compile(r"(\[数字x\])\s?(?:(?:这个|那个)号码?|号码)"),  # not [数字x]号, a day of the month
]
_AMOUNT_RX = [
    re.compile(r"[¥￥]?\s?\[金额x\](?:\s?元)?"),
    re.compile(r"[¥￥]\s?(?:\[数字x\]|\d+(?:\.\d+)?)"),
    # 28 元 / 100多块 / 三百块钱 / 两毛钱 / 1角, with the unit; 三元里 (a place) and 一块儿 (together)
    # are no money, and a lone 一块 only with 钱 (换一块 is a piece)
    # …and the jiao after 块 as customers write a price (9块9, 26块8: thirty-seventh pass)
    re.compile(r"(?:\[数字x\]|\d+(?:\.\d+)?多?|(?:几|数)?[一二两三四五六七八九十百千万]{2,}多?)\s?(?:元|块钱|块(?:[1-9](?![\d.]))?|毛钱|毛|角)(?![儿里])"),
    re.compile(r"[一二两三四五六七八九十几]多?(?:块钱|毛钱)|[两三四五六七八九十]元(?![里])"),
    # a bare price after words that only precede money: 满199 / 超过 199 / 只需 299 / 付了 58.5
    # (满199减30 is a coupon's threshold, not a sum: no labeller counts one)
    re.compile(r"(?:超过|只需|只要|需要|需|花了|付了|价格是?|优惠价|到手价?)\s?(\d{2,6}(?:\.\d{1,2})?)"
               r"(?!\s?(?:\d|斤|公斤|码|号|cm|厘米|个|件|包|天|小时|分钟|年|月|岁|g|克|ml|毫升))"),
]
# a price that names a plan (36元套餐, 9元包100MB, 18元月租) is no sum the customer paid or asks about
_NOT_A_SUM = re.compile(r"\s?的?(?:[\u4e00-\u9fff]{0,2}套餐|包月|包\d|月租|流量包)")
_LETTER_SIZE = r"(?:[xX]{1,3}[lL]|[23456][xX][lL]|[xX]{1,2}[sS]|[sSmMlL])"
_SHOE = r"(?:3[3-9]|4[0-6])(?:\.5)?"
# a child's or a grown-up's size by height (90 / 110 / 140 / 165): fifty to 185 in steps of five
_HEIGHT_SIZE = r"(?:[5-9][05]|1[0-8][05])"
# …and what may not follow it for it to be a size (要100个 / 买150块 are a count and a sum)
_NOT_SIZE_UNIT = r"(?![\d.])(?!\s?(?:块|元|斤|个|件|包|天|岁|度|分|小时|兆|g|G|M|克|ml|毫升|片|粒|支|瓶|盒|只|条|张|米|w|W|%))"
# 要 as "I want" before a size, not "it costs" (只要55, 才要39, 只需要45: a price; thirty-eighth pass)
_WANT = r"(?<![只才需])要"
# a body measure by its name (头围59, 腰围 72cm) and a waist in chi (2尺6): sizes here, and in the
# engine what a reply need not ask for again
MEASURE_NAMES = r"(?:头围|腰围|胸围|臀围|脚长|肩宽|腿长|臂长)"
CHI = r"(?<![\d一二三四两])[1-4一二三四两]尺[0-9一二三四五六七八九]"  # 2尺6, 二尺二 (forty-seventh pass)
_SIZE_RX = [
    # the size a customer changes to is the one a reply fills in (想把M换成L / 1.5米的换1.8米的)
    re.compile(rf"(?:换成|改成|改为|换为|换个?|改)\s?((?<![a-zA-Z]){_LETTER_SIZE}(?![a-zA-Z])码?|{_SHOE}码|[12]\.[0-9]\s?米"
               rf"|{_HEIGHT_SIZE}(?=码|的(?!号)|\s|$))"),
    # …and a shoe size swapped for another (42换43: the new one)
    re.compile(rf"(?<![\d.]){_SHOE}码?\s?(?:换成?|改成?)\s?({_SHOE})(?![\d.])"),
    # (thirty-fourth pass, with the pack weight and the letter size after a colour below: shop tune
    # halves size F1 0.804 -> 0.840; pool and dev unchanged)
    # a letter size the customer means to take, over their weight (180 150斤 拿XL够不够 → XL), unless
    # they weigh two (拿M还是L: labellers keep the weight then)
    re.compile(rf"(?:拿|拍|选)\s?((?<![a-zA-Z]){_LETTER_SIZE}码?)(?![a-zA-Z0-9])(?!码?\s?(?:还是|或|和|跟))"),
    # a height in centimetres beside a weight (82cm 24斤 → 82cm: forty-seventh pass; only with a
    # weight, see _HEIGHT_CM)
    _HEIGHT_CM := re.compile(r"(?<![\d.])(?:[5-9]\d|1\d\d)(?:\.\d)?\s?(?:cm|CM|厘米)"),
    # a weight, also after a height (165 120斤 → 120斤: labellers take the weight); the weight of a
    # pack (10斤装, 20斤一箱) is no size, nor the weight of goods (20斤狗粮, 大米10斤): a weight is a
    # size only where the message is about fit (see _FIT)
    _WEIGHT := re.compile(r"(?:\[数字x\]|\d{2,3}(?:\.\d)?)\s?(?:斤|公斤|kg|KG)(?!\s?(?:装|一箱|一袋)|[a-zA-Z])"),
    # a height said as such (身高145 / 我155): the number, as labellers write it
    re.compile(rf"身高\s?(\d{{2,3}}){_NOT_SIZE_UNIT}(?!\s?(?:cm|CM|厘米))"),
    re.compile(r"^我\s?(1[4-9]\d)(?![\d.])(?=\s|$|[，,。])"),
    # (forty-third pass) the size line of a pasted order card (尺码：130 / 尺码: L / 均码), a height said
    # where a clause starts (… 我165穿到哪), a letter size asked for (还有S吗 / 那L还有吗) and a size
    # swapped to without 码 (换40 / 想换42 / 换28的)
    re.compile(rf"尺码\s?[:：]\s?((?<![a-zA-Z]){_LETTER_SIZE}(?![a-zA-Z])码?|\d{{2,3}}|均码)"),
    re.compile(r"(?:^|(?<=[\s，,。!！?？]))我\s?(1[4-9]\d)(?![\d.])(?=\s|$|[，,。]|穿)"),
    re.compile(rf"(?:还有|有没有)\s?((?<![a-zA-Z]){_LETTER_SIZE}(?![a-zA-Z0-9])(?:码|号)?)(?=的|吗|没|不|\s|$)"),
    re.compile(rf"(?<![a-zA-Z0-9])({_LETTER_SIZE}(?:码|号)?)(?=\s?还有)"),
    re.compile(rf"换\s?({_SHOE}|2[5-9]|3[0-4])(?![\d.])(?=的|码|\s|$|[，,。吧])"),
    # a bra size (75B) and a small body measure in centimetres (手腕15cm / 头围58cm / 脚长12.5cm)
    re.compile(r"(?<![\d.])[6-9][05][A-G](?![A-Za-z])"),
    re.compile(r"(?<![\d.])\d{1,2}(?:\.\d)?\s?(?:cm|CM|厘米)(?!的)"),
    re.compile(rf"(?<![a-zA-Z]){_LETTER_SIZE}\s?[码号]"),
    re.compile(r"(?:身高)?\s?1\d\d\s?(?:cm|CM|厘米)"),
    # a waist in chi (腰围2尺6 / 腰二尺二)
    re.compile(rf"{CHI}?(?:寸)?"),
    # a cherry's grade (JJJ), as labellers mark it (forty-seventh pass; JJ级 in an order card is not)
    re.compile(r"(?<![A-Za-z])J{3,4}(?![A-Za-z])"),
    re.compile(r"(?<![\d.])(?:1[0-8]\d|\d{2})(?:\.5)?\s?码"),  # 38码, 120码 (not the 20 of 120码)
    # a letter size on its own where only a size can be meant: 穿L / 拍 m / 换大一码XL的
    re.compile(rf"(?:穿|拍|换|选|要|买|大一码|小一码)\s?({_LETTER_SIZE})(?![a-zA-Z0-9])"),
    re.compile(r"(?<![a-zA-Z])([xX]{1,3}[lL]|[23456][xX][lL])(?![a-zA-Z])"),
    # beside a foot length, the shoe size the customer wears or takes (脚长24.5平时穿38 → 38), and a foot
    # length alone as its number (脚长24.5 → 24.5): as labellers write them (forty-seventh pass; only
    # where the message gives a foot length, see _size_fits)
    _SHOE_TAKEN := re.compile(rf"(?:穿|拍)\s?({_SHOE})(?![\d.])(?!\s?(?:还是|或|块|元|号|天|岁|度|斤|个|件|分))"),
    re.compile(r"脚长\s?(\d{2,3}(?:\.\d)?\s?(?:cm|CM|厘米|公分)?)"),
    # a body measure by its name: 头围59 / 腰围 72cm
    re.compile(rf"{MEASURE_NAMES}\s?\d{{2,3}}(?:\.\d)?\s?(?:cm|CM|厘米|公分)?"),
    # a shoe size where only a size can be meant: 平时穿41 / 拍37还是38 / 白色的37还有吗
    re.compile(rf"(?:穿|拍|{_WANT}|买|选|色的?)\s?({_SHOE})(?![\d.])(?!\s?(?:块|元|号|天|岁|度|斤|个|件|分))"),
    # a child's or a height size said with how it fits (那90的会不会太大 / 买165的太小了)
    re.compile(r"(?<![\d.])((?:[5-9]0|1[0-8][05]))(?=码?的?\s?(?:会不会|会)?(?:太|有点|偏|稍)?(?:大|小(?!时)|紧|松|长|短))"),
    # a child's size by height after the word for choosing it (都拍140的 / 还有110的吗 / 要160)
    re.compile(rf"(?:穿|拍|{_WANT}|买|选|拍的是|色的)\s?({_HEIGHT_SIZE}){_NOT_SIZE_UNIT}(?!的?号)"),
    # a size asked for or swapped to with 的 (还有110的吗 / 换37的 / 我45的脚): thirty-seventh pass
    re.compile(rf"(?:还有|有没有|换|换个|换成)\s?({_HEIGHT_SIZE}|{_SHOE})(?=的)(?!的?号)"),
    re.compile(rf"(?<![\d.])({_SHOE})(?=的脚)"),
    # a cake's size (6寸够几个人吃 / 8寸的蛋糕)
    re.compile(r"(?<![\d.])(?:[4-9]|1[02])寸(?=\s?的?\s?(?:蛋糕|够))"),
    # a letter size said with 的 (再要一条M的 / L的有货吗)
    re.compile(rf"(?<![a-zA-Z0-9.多])({_LETTER_SIZE})(?=的)"),
    # a bed's width (1.8米的床 / 1.8x2.0的床笠)
    re.compile(rf"(?<![\d.])[12]\.[0-9]\s?[xX×*]\s?2(?:\.[0-9])?(?:\s?(?:米|m))?|(?<![\d.])[12]\.[0-9]\s?(?:米|m|M)(?=的?(?:床|被|床笠|床单|床垫|被套|床罩|的))"),
    # a letter size after a colour, 拍的 or 就 (黑色L还有吗 / 我拍的L / 那就M吧)
    re.compile(rf"(?:[色白黑灰蓝红粉绿]|拍的|就)\s?({_LETTER_SIZE})(?![a-zA-Z0-9])"),
]


# what makes a weight the customer's (or their child's, or their dog's) and not the goods': the
# message is about fit, or a height stands before the weight (165 120斤). Forty-seventh pass: on the
# shop tune halves, 10 weights of goods (20斤狗粮, 一箱10斤, 小天鹅10公斤) had been taken for a size.
_FIT = re.compile(r"穿|码|拿|选|身高|体重|胸围|腰|臀|勒|紧|松|胖|瘦|肚子|屁股|大腿|肩|宝宝|孩子|矮|坐|躺|"
                  r"(?<![\d.])1[4-9]\d\s?(?:\[数字x\]|\d{2,3})\s?(?:斤|公斤|kg|KG)|[我他她]\s?1[4-9]\d(?![\d.])")


def _size_fits(raw: str):
    """Which size matches count in ``raw``: a weight only where the message is about fit, a height in
    centimetres ahead of the weight only where there is a weight, a shoe size ahead of the foot length
    only where there is a foot length."""
    def fits(m: re.Match) -> bool:
        if m.re is _WEIGHT:
            return bool(_FIT.search(raw))
        if m.re is _HEIGHT_CM:
            return bool(_WEIGHT.search(raw)) and bool(_FIT.search(raw))
        if m.re is _SHOE_TAKEN:
            return "脚长" in raw
        return True
    return fits


def _alternation(words: set[str], spaced: bool = True) -> str:
    """Longest first; with ``spaced``, a space may sit between any two characters (segmented chat
    logs: 纸 皮 核桃)."""
    parts = sorted((w for w in words if w), key=len, reverse=True)

    def word(w: str) -> str:
        out = re.escape(w[0])
        for a, b in zip(w, w[1:]):  # without ``spaced``, only between a Latin letter or digit and a
            out += "\\s?" if spaced or (a.isascii() != b.isascii()) else ""  # Chinese one (usb 线)
            out += re.escape(b)
        return out
    return "(?:" + "|".join(map(word, parts)) + ")" if parts else "(?!)"


_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_CJK_GAP = re.compile(r"[\u4e00-\u9fff]\s+[\u4e00-\u9fff]")


def segmented(raw: str) -> bool:
    """Is ``raw`` word-segmented (我 的 订单 还 没 到), not a chat where a space ends a clause (好看点 卡片
    写…)? Two gaps or more between Chinese characters, and runs of three characters or fewer on average."""
    runs = _CJK_RUN.findall(raw)
    return len(_CJK_GAP.findall(raw)) >= 2 and sum(map(len, runs)) <= 3 * len(runs)


class ProductFinder:
    """The product a customer mentions, as written: [brand [model]] [≤2 modifiers] noun
    [suffix], or a brand with its model or a suffix — 蓝牙充电宝, 纸 皮 核桃, 坚果礼盒,
    华为mate50Pro, 科颜氏产品. A second noun is not joined on (体脂秤|电池能用多久).
    Words that contain a noun without being a product (手机号, 说明书, 奶茶) are masked first."""

    def __init__(self, nouns, modifiers=(), suffixes=(), brands=(), not_=(), categories=None, generic=(), **kw):
        not_words = set(not_) | set(kw.get("not", ()))
        self.categories = categories or {}  # noun -> shop category (服装, 家居 …)
        self.generic = frozenset(generic)  # nouns for a whole kind of goods (衣服, 护肤品), not one of them
        self.brands = frozenset(b.lower() for b in brands)  # a brand alone (戴森) is goods only when nothing else is named
        self.mentions = None  # the model that picks the goods of a post (assistant/mentions.py), if loaded
        self._by_length = sorted(self.categories, key=len, reverse=True)
        # the nouns of two characters or more by their lower-case form, and each noun's place in
        # _by_length: a text's nouns are found by looking up its substrings, not by scanning every noun
        self._rank = {n: i for i, n in enumerate(self._by_length)}
        self._by_lower: dict[str, list[str]] = {}
        for n in self._by_length:
            if len(n) >= 2:
                self._by_lower.setdefault(n.lower(), []).append(n)
        self._longest = max(map(len, self._by_lower), default=0)
        # the ranker asks about the same replies and the same mention for every candidate: cached
        self.nouns_in = functools.lru_cache(maxsize=20_000)(self._nouns_in)
        self.category = functools.lru_cache(maxsize=20_000)(self._category)
        model = r"(?:\s?(?:[A-Za-z0-9]+|\[数字x\]))*"

        def grammar(spaced: bool) -> re.Pattern:
            noun, mod = _alternation(set(nouns), spaced), _alternation(set(modifiers), spaced)
            tail, brand = _alternation(set(suffixes), spaced), _alternation(set(brands), spaced)
            item = rf"(?:{mod}\s?){{0,2}}{noun}(?:\s?{tail})?"
            return re.compile(rf"{brand}{model}(?:\s?{item}|\s?{tail})?|{item}", re.IGNORECASE)

        # a word may be split by spaces only in segmented text: in a chat a space ends a clause, and
        # 好看点 卡片 names no 点卡 (forty-third pass)
        self.rx, self.rx_chat = grammar(True), grammar(False)
        self.not_rx = re.compile(_alternation(not_words)) if not_words else None

    def search(self, raw: str):
        span = self.search_span(raw)
        return raw[span[0]:span[1]].strip() if span else None

    def search_span(self, raw: str) -> tuple[int, int] | None:
        return next(self.spans(raw), None)

    def spans(self, raw: str):
        """Each mention's (start, end), in order."""
        masked = blank(self.not_rx, raw) if self.not_rx else raw
        rx = self.rx if segmented(raw) or _MENTION.search(raw) else self.rx_chat  # a post keeps its words
        return ((m.start(), m.end()) for m in rx.finditer(masked))

    def _nouns_in(self, text_: str) -> set[str]:
        """The product nouns a text names (its {变量} left out), e.g. a reply's 被套、床单
        (`nouns_in`, cached)."""
        flat = re.sub(r"\{[^{}]*\}", "", text_).lower()
        named = {n for i in range(len(flat)) for j in range(i + 2, min(len(flat), i + self._longest) + 1)
                 for n in self._by_lower.get(flat[i:j], ())}
        found: set[str] = set()
        for n in sorted(named, key=self._rank.__getitem__):  # longest first, as _by_length
            if not any(n in f for f in found):
                found.add(n)
        return found

    def _category(self, mention: str | None) -> str | None:
        """The shop category of a mention, from the longest noun in it (蓝牙充电宝 → 数码配件)
        (`category`, cached)."""
        if not mention:
            return None
        flat = re.sub(r"\s+", "", mention).lower()
        return next((self.categories[n] for n in self._by_length if n.lower() in flat), None)


# In a post addressed to an account (@某某客服), a product noun is often said in passing (手机 in
# a rant about a phone plan); it counts only when a purchase, possessive or measure word comes
# before it (我的/买的/这台 …). Entity F1, train split 0.648 -> 0.686, tune 0.654 -> 0.714;
# JD chats unchanged (docs/reader.md).
_MENTION = re.compile(r"(?<![@!])@(?![@!])")  # @某某客服 (not JDDC's !@@@! turn separator)
# goods named in a comparison (跟糊了的绿豆汤一样, 像你们的合约机似的) are not what the message is about;
# on the train split no labeller counted one (0 of 37)
_LIKE = re.compile(r"(?:跟|像|如同|和)[^，。,.!?？！\s]{1,10}?(?:一样|似的|一般)")
# What a Weibo post opens with (after any @accounts) is what it is about: a device named first
# counts even without 我的, and so does a bare model code (T2, MX4, mate8, N7102). Chosen on the
# second NTCIR batch (1,200 labelled turns nobody trains on): entity F1 0.455 -> 0.501, NTCIR
# train 0.478 -> 0.505, the 100 tune NTCIR turns 0.333 -> 0.342. docs/reader.md.
# an account a post is addressed to (@91手机软件客服, @美图手机官方客服, @TCL电视) names a company, not
# the goods the post is about
ACCOUNT = re.compile(r"(?<![@!])@[^\s@:：,，。.!！?？、;；\u200b]{1,30}")
# a phone, computer, landline, router or SIM card in a message about a phone plan or a line (流量,
# 话费, 套餐, 宽带 …) is the means, not the goods: the message is about the carrier's service
_SERVICE_TOPIC = re.compile(r"流量|话费|套餐|宽带|营业厅|联通|电信|移动(?!电源|硬盘|端|设备|支付)|100[18][06]|停机|光纤")
_GENERIC = {"手机", "电脑", "座机", "路由", "路由器", "sim卡", "手机卡"}  # lower case, as compared
_LEADING_AT = re.compile(r"^(?:\s*(?:@[^\s@:：]{1,30}|#[^#\n]{1,20}#|\[[^\]\n]{1,8}\])[\s:：]*)*\s*")
_MODEL_FIRST = re.compile(r"(?:我的|我家的|白色|黑色)?([A-Za-z]{1,5}\s?\d{1,4}[A-Za-z]{0,5})(?=[\u4e00-\u9fff\s,，])")
# the goods line of a pasted order card (商品：清透保湿乳液 ×1) names what the message is about
_CARD = re.compile(r"(?:商品(?:名称)?[:：]|[【\[]商品[】\]])\s?[^\s，,。:：]{0,12}$")
_MODEL_ANY = re.compile(r"(?<![A-Za-z0-9@#._/\-])([A-Za-z]{1,6}\s?\d{1,4}[A-Za-z]{0,4})(?![A-Za-z0-9.%:/\-])")
_NOT_MODEL = re.compile(r"(?i)(?:ios|cat|e|wifi|android|win|windows|rom|ram|usb|lte|td|wcdma|cdma|gsm|top|no|vip|plus|qq|id|sim|sd|tf|hd|mp|km|kb|mb|gb|am|pm|ie|ipv|http|www|cn|abc|a|b|c|x|y|z|h|v|k|m|g|s|t|p)\s?\d")
# where a clause begins: a device named there is what the clause is about ("手机屏幕碎了怎么办")
_CLAUSE_START = re.compile(r"(?:^|[\s,，。.!！?？~、;；：:]|你好|您好|在吗|请问)\s*$")
_OWNED = re.compile(r"(我的|买的|新买的|这个|这款|该|那个|个|台|部|款|把|只|件|条|双|套|瓶|盒|买了|入手|的)\s?$")


# a parcel's tracking number (快递单号 SF1234567890123, 运单号 …) is no order number: {订单号} must not
# get it (the label contract: order_no is what is called 订单号)
_PARCEL_NO = re.compile(r"(?:快递|运|物流|快件|工)单?号\s*(?:是|为|[:：])?\s*$")


# In a chat (thirty-fourth pass): two goods nouns back to back are one compound (香薰|台灯), and goods
# pointed at (这个手机壳) win over a model or size code named before them (iphone15promax能用吗). Shop
# tune halves product F1 0.783 -> 0.790 (entity 0.839 -> 0.844), pool tune and train unchanged.
_POINTED = re.compile(r"(?:这|那)(?:个|款|双|件|台|套|只|条|顶|把|部|瓶|盒|种)\s?$")
_POINTED_HERE = re.compile(r"这(?:个|款|双|件|台|套|只|条|顶|把|部|瓶|盒|种)\s?$")
# where goods are put (放冰箱, 丢洗衣机, 下锅) is no product: shop tune halves 6 false products fewer, none lost
_ASIDE = re.compile(r"(?:放|丢|扔|塞)(?:进|在|到)?\s?$")
# praise for the goods in a kind word (衣服很好看, 你家衣服质量真不错) names no goods: labellers leave it
# out (thirty-fifth pass; shop tune halves 7 false products fewer)
_PRAISED = re.compile(r"[^，,。!！?？]{0,4}?(?:很|超|真|挺|好)?(?:好看|喜欢|不错|漂亮|满意)")
# a flavour (番茄味的, 草莓味的牛轧糖) names no goods; the goods' 味道 and a smell (一股胶水味) are left alone
_FLAVOUR = re.compile(r"味(?:的|吗|呢|儿)")
# where a parcel waits (柜子在哪, 放错柜子了 next to 取件码 or 丰巢) and where a refund lands (多多钱包, 钱包里没看到
# next to 退) are no goods (forty-third pass)
_LOCKER = re.compile(r"取件|丰巢|快递柜|驿站|菜鸟|快递员")
_REFUND = re.compile(r"退|到账|原路")
_NOT_GOODS_HERE = {"柜子": _LOCKER, "钱包": _REFUND}
# flowers, a word too short for the lexicon (花钱, 花了, 花呗, 花色 are no goods): 花 where a clause
# starts or after the words that hand over goods (那个花送错了, 收到花一半都蔫了, 送女朋友的花), and
# before a clause goes on (forty-third pass)
_FLOWER = re.compile(r"(?:^|(?<=[\s，,。!！?？~])|(?<=的)|(?<=送)|(?<=订)|(?<=收到)|(?<=那个)|(?<=这个)|(?<=束))"
                     r"花(?=[到送要怎直一全呢吗都没还也我她他能,，。\s!！?？]|$)")
# parts and add-ons of goods: 这个电池, 吸尘器电池 name a part of the goods the message is about
_PARTS = frozenset("电池 镜头 摄像头 表带 表盘 充电线 数据线 充电头 电源 遥控器 鞋垫 鞋带 枕套 灯泡 刷头 滤芯 配件 颜料 茶具".split())


# Which of several goods a chat message is about (thirty-seventh pass). The first mention not in
# passing, unless a part of it is named next with 的 (风扇的遥控器, 手机的那个电池: the part is the goods),
# or it is a past purchase and the message goes on to goods it asks about now (上次买的豆浆机很好用 这次的
# 养生壶…; 之前买了机油 现在想再买机滤).
_PART_GAP = re.compile(r"\s?(?:的|的那个|的这个|上的|里的|配的|配套的|自带的)\s?")
_PAST = re.compile(r"(?:上次|上回|之前|以前|去年|上个月|前几天|前阵子|上周)[^，,。!！?？]{0,8}$")
_NOW = re.compile(r"(?:这次|这回|再(?:要|买|来|拿|订|入)|想(?:买|要|换|给|拿|入|订)|那个|那款|这个|这款)[^，,。!！?？]{0,4}$")


def _chat_goods(raw: str, kept: list[tuple[int, int, str]], brands: frozenset) -> tuple[int, int, str]:
    first, later = kept[0], kept[1:]
    if first[2].lower() in brands and (named := next((m for m in later if m[2].lower() not in brands), None)):
        return named  # 戴森的吹风机: the goods named after a brand alone (thirty-eighth pass)
    nxt = later[0] if later else None
    if nxt and nxt[2] in _PARTS and first[2] not in _PARTS and _PART_GAP.fullmatch(raw, first[1], nxt[0]):
        return nxt  # 风扇的遥控器丢了: the part
    if later and _PAST.search(raw[max(0, first[0] - 12):first[0]]):
        now = next((m for m in later if _NOW.search(raw[max(0, m[0] - 10):m[0]])), None)
        if now:
            return now  # 上次买的豆浆机很好用 这次的养生壶…: what is asked about now
    return first


def _joined(raw: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Mentions written back to back (香薰|台灯, 珍珠|发夹, 冰淇淋|蛋糕) are one compound: joined."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and out[-1][1] == start and raw[start:end] not in _PARTS and raw[start - 1] != raw[start]:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


# The only goods of a long chat message are what it is about when a clause starts with them (…答非所问
# 布艺沙发破了个洞…) or they are pointed at (这沙发, 里面是鲜花饼, 我拍的黑色方向盘套): forty-third pass. Not
# in a post's thread, written with ASCII commas and stops, where a lone device is said in passing.
_LONE_BEFORE = re.compile(r"(?:^|[\s，。！？!?~]|这|那|里面是|拍的|黑色|白色)$")
_ASCII_CLAUSES = re.compile(r"[\u4e00-\u9fff][,.][\u4e00-\u9fff\s]")


def _lone_late(raw: str, start: int, spans: list) -> bool:
    return len(spans) == 1 and bool(_LONE_BEFORE.search(raw[:start])) and not _ASCII_CLAUSES.search(raw)


def blank(rx: re.Pattern, s: str) -> str:
    """``s`` with what ``rx`` matches blanked out, lengths kept (so spans still point into ``s``)."""
    return rx.sub(lambda m: "\u25a1" * len(m.group(0)), s)


def post_shape(raw: str) -> tuple[bool, str, str]:
    """Is ``raw`` a post to an account; the post without the @accounts it opens with; and ``raw``
    with comparisons (跟…一样) and, in a post, the @accounts blanked out, where goods are looked for."""
    post = bool(_MENTION.search(raw))
    searched = blank(_LIKE, raw)
    return post, _LEADING_AT.sub("", raw) if post else raw, blank(ACCOUNT, searched) if post else searched


def is_thread(turns) -> bool:
    """Are these earlier turns a thread under a post to an account (@某某客服 …)? A reply there is
    read like the post for its goods."""
    return any(_MENTION.search(t or "") for t in turns)


def extract_entities(message: str, finder: "ProductFinder | None" = None, *, use_model: bool = True,
                     thread: bool = False) -> dict[str, str]:
    """Entities as exact substrings of ``message`` (masking tokens are kept as written). In a post to
    an account, or a reply in the thread under one (``thread``), the finder's mention model
    (assistant/mentions.py), when it has one, picks the goods."""
    raw = message[: text.MAX_MESSAGE_CHARS]
    out: dict[str, str] = {}

    def first(rxs, fits=lambda m: True):
        for rx in rxs:
            m = next((m for m in rx.finditer(raw) if fits(m)), None)
            if m:
                return m.group(1) if m.groups() else m.group(0)
        return None

    if (v := first(PHONE_RX)):
        out["phone"] = v
    if (v := first(_ORDER_RX)) and v != out.get("phone") and not _PARCEL_NO.search(raw[:max(0, raw.find(v))][-8:]):
        out["order_no"] = v
    if (v := first(_AMOUNT_RX, lambda m: not _NOT_A_SUM.match(raw, m.end()))):
        out["amount"] = v.strip()
    if (v := first(_SIZE_RX, _size_fits(raw))):
        out["size"] = v.strip()
    post, body, searched = post_shape(raw)
    spans = list(finder.spans(searched)) if finder is not None else []
    if not post:
        spans = _joined(raw, spans)
        # in a chat, goods pointed at (这个手机壳, 这双跑鞋) are what the message is about, not a device
        # or a brand named before them (iphone15promax能用吗 这个手机壳 …)
        pointed = [sp for sp in spans if _POINTED.search(raw[max(0, sp[0] - 3):sp[0]])
                   and raw[sp[0]:sp[1]] not in _PARTS]
        # ... and goods pointed at with 这 (这个四件套, 这款运动鞋) win over any goods named before them (床垫厚25公分
        # 这个四件套的床笠…): forty-fourth pass. Not 那个, which points back (上回那个, 送的那个, 之间的那个软管).
        here = [sp for sp in pointed if _POINTED_HERE.search(raw[max(0, sp[0] - 3):sp[0]])]
        if here and here[0] != spans[0]:
            pointed = here + [sp for sp in pointed if sp not in here]
        if pointed and pointed[0] != spans[0] and (here or re.search(r"[A-Za-z0-9]", raw[spans[0][0]:spans[0][1]])):
            spans = pointed + [sp for sp in spans if sp not in pointed]
    kept: list[tuple[int, int, str]] = []  # the mentions not in passing, in order
    for start, end in spans:
        v = raw[start:end].strip()
        opens = start <= len(raw) - len(body) + 1  # the post starts with it
        owned = bool(_OWNED.search(raw[max(0, start - 4):start]) or _CARD.search(raw[max(0, start - 20):start]))
        if post:
            in_passing = not opens and not owned
        else:  # a chat: a device word mid-clause, or goods named late in a long message
            in_passing = not owned and ((v.lower() in _GENERIC and not _CLAUSE_START.search(raw[:start]))
                                        or (start >= 15 and len(raw) >= 50 and not _lone_late(raw, start, spans)))
            # a place the goods are put in (放冰箱, 丢洗衣机, 下锅) is not the goods
            in_passing = in_passing or bool(_ASIDE.search(raw[max(0, start - 3):start])) or raw[max(0, start - 1):end] == "下锅"
            # a flavour (番茄味的, 草莓味的牛轧糖, 巧克力味吗) is not the goods (thirty-seventh pass)
            in_passing = in_passing or bool(_FLAVOUR.match(raw, end))
            in_passing = in_passing or (v in finder.generic and bool(_PRAISED.match(raw, end)))  # spans come from the finder
            in_passing = in_passing or bool(v in _NOT_GOODS_HERE and _NOT_GOODS_HERE[v].search(raw))
        if v and not in_passing and not (v.lower() in _GENERIC and not (post and opens) and _SERVICE_TOPIC.search(raw)):
            kept.append((start, end, v))
            if post:
                break
    if kept:
        # a post: the first mention not in passing; a chat: that one, or a part or the goods asked about now
        out["product"] = (kept[0] if post else _chat_goods(raw, kept, finder.brands))[2]  # kept spans come from the finder
    if not post and "product" not in out and finder is not None and not segmented(raw) and (m := _FLOWER.search(searched)):
        out["product"] = m.group(0)
    if post and "product" not in out and (m := _MODEL_FIRST.match(body)):
        out["product"] = m.group(1)  # a post about a device by its model alone: "T2屏幕失灵 @某某客服"
    if post and "product" not in out:
        searched_body = blank(ACCOUNT, body)
        m = next((m for m in _MODEL_ANY.finditer(searched_body) if not _NOT_MODEL.match(m.group(1))), None)
        if m:
            out["product"] = m.group(1)  # a device by its model mid-post: "P7放在口袋就弯了"
    model = getattr(finder, "mentions", None) if use_model else None
    if (post or thread) and model is not None:
        rule = out.pop("product", None)
        if (v := model.pick(raw, finder, rule)):
            out["product"] = v
    return out
