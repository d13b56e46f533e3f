"""Text normalisation and tokenisation shared by the index and the queries.

The index and the queries use character bigrams (and pinyin keys), so the engine never needs
a segmenter. jieba (~0.8 s to load its dictionary) is only used by the rank_bm25 baseline of
`kefu bench` (`words()`), and only loaded there.
"""
from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000  # a chat message longer than this is cut: nobody types 10 MB

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SPACE_NEAR_CJK = re.compile(rf"\s+(?=[{_CJK}])|(?<=[{_CJK}])\s+")
_SEPARATORS = re.compile(r"!@@@!|\[SEP\]|\bNULL\b")
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_WS = re.compile(r"\s+")
_HAN = re.compile(rf"[{_CJK}]")
_WORDISH = re.compile(rf"[{_CJK}]+|[a-z0-9]+")

# invisible characters that split words without showing (退\u200b货), direction marks, and lone
# surrogates (not text at all: SQLite and every encoder refuse them)
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ud800-\udfff]")

_jieba = None
_jieba_lock = threading.Lock()
_t2s = None
_t2s_lock = threading.Lock()


def clean(text: str) -> str:
    """Input as a person meant it: invisible characters and lone surrogates removed."""
    if text and _INVISIBLE.search(text):
        return _INVISIBLE.sub("", text)
    return text or ""


def _converter():
    """OpenCC's traditional-to-simplified converter, made on first use (about 7 ms); None, and
    text read as written, if the library cannot be loaded."""
    global _t2s
    if _t2s is None:
        with _t2s_lock:
            if _t2s is None:
                try:
                    import opencc
                    _t2s = opencc.OpenCC("t2s")
                except Exception as exc:  # a broken install or frozen build: read as written
                    log.warning("OpenCC unavailable (%s): traditional characters are read as written", exc)
                    _t2s = False
    return _t2s or None


def simplified(text: str) -> str:
    """Traditional characters as simplified: 訂單還沒發貨 reads as 订单还没发货. Some customers (and
    phone keyboards) write traditional; the knowledge base, the lexicon and the reader's weights
    are simplified. OpenCC's t2s (characters and a few phrases, not Taiwan's vocabulary: 軟體 stays
    软体) changes nothing in simplified text; on the 19,120 pool turns it changed only the 119
    written in traditional, and never a length, so spans found in the result are spans of the text."""
    if not text or text.isascii():
        return text or ""
    conv = _converter()
    return conv.convert(text) if conv is not None else text


def normalize(text: str) -> str:
    """Invisible characters removed, NFKC, traditional characters as simplified, lower-case,
    platform separators to '。', spaces between CJK removed."""
    if not text:
        return ""
    text = simplified(clean(text[:MAX_MESSAGE_CHARS]))
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if _CTRL.search(text):
        text = _CTRL.sub(" ", text)
    if "@@@" in text or "[SEP]" in text or "NULL" in text:
        text = _SEPARATORS.sub("。", text)
    text = text.lower()
    if " " in text or "\t" in text or "\n" in text:
        text = _SPACE_NEAR_CJK.sub("", text)
        text = _WS.sub(" ", text).strip()
    return text


def normalize_keep_spaces(text: str) -> str:
    """NFKC and lower-case like normalize(), but the spaces a customer typed stay: they may
    separate two questions (能开发票吗 还有今天能发货吗)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", simplified(clean(text[:MAX_MESSAGE_CHARS])))
    return _SEPARATORS.sub("。", _CTRL.sub(" ", text)).lower()


def content_chars(text: str) -> int:
    """How many letters, digits and CJK characters a text has."""
    return sum(1 for ch in text if ch.isalnum())


def has_content(text: str) -> bool:
    """True if the text has at least one letter, digit or CJK character."""
    return any(ch.isalnum() for ch in text)


def is_han(ch: str) -> bool:
    return _HAN.match(ch) is not None


def looks_binary(raw: str) -> bool:
    """Heuristic for clipboard/CLI input that is not human text."""
    if not raw:
        return False
    sample = raw[:4000]
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\r\n") or ch == "\ufffd")
    return bad / len(sample) > 0.1


# --- jieba -------------------------------------------------------------------------------

def _load_jieba():
    global _jieba
    with _jieba_lock:
        if _jieba is not None:
            return _jieba
        import jieba

        jieba.setLogLevel(logging.WARNING)
        try:
            from assistant import paths

            jieba.dt.tmp_dir = str(paths.cache_dir())
            userdict = paths.resources_dir() / "jieba_userdict.txt"
            jieba.initialize()
            if userdict.exists():
                jieba.load_userdict(str(userdict))
        except Exception:  # the cache dir is an optimisation only
            log.exception("jieba set-up with cache dir failed; using defaults")
            jieba.initialize()
        _jieba = jieba
        return jieba


def words(text: str) -> list[str]:
    """jieba search-mode words of normalised text (loads jieba on first use, ~0.8 s)."""
    text = normalize(text)
    if not text:
        return []
    _load_jieba()
    return list(_cut(text))


@lru_cache(maxsize=100_000)
def _cut(norm: str) -> tuple[str, ...]:
    out = []
    for w in _jieba.cut_for_search(norm):
        w = w.strip()
        if w and _WORDISH.fullmatch(w):
            out.append(w)
    return tuple(out)


def bigrams(text: str) -> list[str]:
    """Overlapping CJK character bigrams plus ascii/digit runs; single CJK chars kept alone."""
    out: list[str] = []
    for run in _WORDISH.findall(normalize(text)):
        if _HAN.match(run):
            if len(run) == 1:
                out.append(run)
            else:
                out.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            out.append(run)
    return out


def index_tokens(text: str) -> str:
    """Space-joined tokens for the FTS5 index: character bigrams plus ascii/digit runs.

    Measured on the dev set, adding jieba words to the index changed intent accuracy by
    0.005 while making the build 2–10× slower (see docs/architecture.md), so the index is
    bigram-only and needs no segmenter at run time."""
    return " ".join(dict.fromkeys(bigrams(text)))


# Tokens that match a large share of any index and carry no meaning for retrieval.
STOP_TOKENS = frozenset(
    "的 了 吗 呢 吧 啊 呀 哦 嘛 么 我 你 他 她 是 在 有 和 就 都 也 还 这 那 个 一 不 没 要 会 能 可 以 "
    "我的 你们 我们 这个 那个 一个 什么 怎么 可以 就是 还是 已经 现在 请问 你好 您好 亲 了吗 的吗 是不是 "
    "了吧 的话 一下 不是 没有 有没有 了我 我要 我想 给我 我们 你们 吗亲 呢亲".split())


def query_tokens(text_: str, *, limit: int = 24) -> list[str]:
    """Tokens worth sending to FTS5: the bigrams of the text, minus stop tokens."""
    norm = normalize(text_)
    toks = bigrams(norm)
    out = [t for t in dict.fromkeys(toks) if t not in STOP_TOKENS]
    if not out:  # a message made only of common words still deserves a query
        out = [t for t in dict.fromkeys(toks)]
    return out[:limit]


# --- pinyin ------------------------------------------------------------------------------

_PINYIN: dict[str, tuple[str, str]] = {}


def char_pinyin(ch: str) -> tuple[str, str]:
    """(full, initial) pinyin of one Chinese character, its most common reading."""
    from pypinyin import Style, lazy_pinyin

    full = lazy_pinyin(ch, errors="ignore")
    first = lazy_pinyin(ch, style=Style.FIRST_LETTER, errors="ignore")
    _PINYIN[ch] = value = (full[0] if full else "", first[0] if first else "")
    return value


_HAN_RUN = re.compile(rf"[{_CJK}]+")

# The words of a question, shared by the rules that must not fire on one (small talk, praise, a
# go-ahead); each adds its own (a final 么, 多久, 对吧 …). 为什么 is covered by 什么.
ASKS = r"[?？]|吗|怎么|什么|能不能|可不可以|是不是|有没有|哪"


# nouns that follow 没 (没货, 没电): their A-not-A question repeats 有 with them (有货没货), so 发货没货
# and 充电没电 say 没货 and 没电 (forty-eighth pass: 还待发货 没货就直说 was read as a question)
_HAVE_NOUNS = frozenset("货电钱人网票")


def _asks(said: str, start: int, w: str) -> bool:
    """Is the negative word ``w`` at ``said[start]`` the second half of an A-not-A question?"""
    if w[0] not in "不没" or len(w) < 2 or start == 0 or said[start - 1] != w[1]:
        return False
    return not (w[0] == "没" and w[1] in _HAVE_NOUNS) or (start >= 2 and said[start - 2] == "有")


def states_any(said: str, words) -> bool:
    """Does ``said`` contain one of the words as a statement? A negative word (不能开, 没有货) is
    not counted where it is the second half of an A-not-A question: 能不能开, 有没有货, 到没到,
    有货没货 ask, they do not deny (发货没货就直说 does)."""
    for w in words:
        start = said.find(w)
        while start >= 0:
            if not _asks(said, start, w):
                return True
            start = said.find(w, start + 1)
    return False


def search_keys(phrases: list[str]) -> str:
    """Tokens of the search box's own index (`search_fts`), from every character position:
    initials of the next 6 characters, full pinyin of the next 3, and the character itself.
    An FTS5 prefix query then finds any typed start (thh → 退换货, tuihuo → 退货运费, 发 → 发票),
    and prefix indexes of 1–3 characters answer the broadest keystrokes (t, tu, 发) in ~0.1 ms
    at 100k replies (4–35 ms without). Per-character readings keep the build fast."""
    out: list[str] = []
    for phrase in phrases:
        out.extend(_phrase_keys(phrase))
    return " ".join(dict.fromkeys(out))


@lru_cache(maxsize=200_000)
def _phrase_keys(phrase: str) -> tuple[str, ...]:
    out: list[str] = []
    chars: list[str] = []
    for run in _HAN_RUN.findall(normalize(phrase)):
        keys = [_PINYIN.get(ch) or char_pinyin(ch) for ch in run]
        initials = "".join([k[1] for k in keys])
        out += [initials[i : i + 6] for i in range(len(run) - 1)]
        fulls = [k[0] for k in keys]
        out += [a + b + c for a, b, c in zip(fulls, fulls[1:] + [""], fulls[2:] + ["", ""])]
        chars += run
    return tuple(out + chars)


class TokenPicker:
    """Chooses which query tokens are worth sending to one FTS5 table, by document frequency.

    Ranking a match with BM25 costs ~3 µs per matching document, so a 100k-reply library
    queried with 怎么 would score 30k rows for nothing. Tokens not in the index are dropped
    (they cannot match); then the rarest tokens are taken while the documents they match stay
    within ``budget``. A small library keeps every token; in a big one a message made only of
    very common words gets no lexical candidates (intent candidates still come).
    Document frequencies come from the token_df table written at build time.
    """

    def __init__(self, conn, table: str, *, budget: int = 1000, limit: int = 12):
        self.conn, self.table, self.budget, self.limit = conn, table, budget, limit
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (f"docs_{table}",)).fetchone()
        self.docs = int(row[0]) if row else 0
        self._df: dict[str, int] = {}
        self._complete = bool(self.docs) and self.docs <= 5000
        if self._complete:  # small library: every frequency fits in memory
            self._df = {t: d for t, d in conn.execute(
                "SELECT term, doc FROM token_df WHERE tbl = ?", (table,))}

    def df(self, tokens: list[str]) -> dict[str, int]:
        missing = [t for t in tokens if t not in self._df]
        if missing and not self._complete:
            marks = ",".join("?" * len(missing))
            found = dict(self.conn.execute(
                f"SELECT term, doc FROM token_df WHERE tbl = ? AND term IN ({marks})",
                (self.table, *missing)).fetchall())
            if len(self._df) > 200_000:
                self._df.clear()
            for t in missing:
                self._df[t] = found.get(t, 0)
        return {t: self._df.get(t, 0) for t in tokens}

    def pick(self, tokens: list[str]) -> list[str]:
        if not self.docs:  # no statistics (e.g. an index being rebuilt): send what we have
            return tokens[: self.limit]
        freq = self.df(tokens)
        present = sorted((t for t in tokens if freq[t] > 0), key=lambda t: freq[t])
        chosen, total = [], 0
        for t in present:  # rarest first; a message made only of very common words sends nothing
            if total + freq[t] > self.budget or len(chosen) >= self.limit:
                break
            chosen.append(t)
            total += freq[t]
        return chosen


@lru_cache(maxsize=50_000)
def title_pinyin(title: str) -> tuple[str, str]:
    """(initials, full pinyin) of the Chinese characters of a short title, per-character readings."""
    keys = [_PINYIN.get(ch) or char_pinyin(ch) for run in _HAN_RUN.findall(normalize(title)) for ch in run]
    return "".join(k[1] for k in keys), "".join(k[0] for k in keys)


def fts_quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def fts_or_query(tokens: list[str], limit: int = 40) -> str:
    seen = list(dict.fromkeys(t for t in tokens if t))[:limit]
    return " OR ".join(fts_quote(t) for t in seen)
