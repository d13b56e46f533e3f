"""Reading a customer message: intent (+ stage), emotion with intensity, urgency, entities.

Intent evidence comes from two places that complement each other:
- the lexicon (resources/kb/lexicon.yaml): weighted cue patterns written by people;
- retrieval: BM25 over every trigger phrasing in the knowledge base (FTS5), aggregated by intent.
Short follow-ups (好的 / 那怎么办 / 还没到) borrow evidence from earlier customer turns.
"""
from __future__ import annotations

import json
import math
import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from assistant import text
from assistant.reader import Reader, content_len, featurize, topic_weight, with_topic

# JD/Taobao client boilerplate that says nothing about the need itself.
_BOILERPLATE = re.compile(
    r"(咨询)?订单(编)?号[:：]?\s*(\[订单x\]|\[orderid_\d+\])|订单金额[:：]?\s*\[金额x\]|下单时间[:：]?\s*\[日期x\]\s*(\[时间x\])?"
    r"|商品id[:：]?\s*\[?[\w*]+\]?|顾客通过点击.{0,20}信息发送[:：]?|\[链接x\]|https?://\S+"
    r"|#e-s\d+|用户发起转人工"
)
_LEADING_GREETING = re.compile(
    r"^(?:(?:你好|您好|亲爱的|亲亲|亲|在吗|在嘛|在么|在不在|请问|哈喽|hello|hi|客服|老板|掌柜)[\s。,!?~、]*)+")
_ORDERID = re.compile(r"\[orderid_\d+\]")
_MASK = re.compile(r"\[(订单|数字|金额|电话|地址|姓名|链接|日期|时间|站点)x\]")

EMOTIONS = ("calm", "anxious", "angry", "disappointed", "confused", "satisfied")


@dataclass
class Turn:
    role: str  # "customer" | "agent"
    text: str


@dataclass
class Analysis:
    intent: str
    stage: str
    intent_scores: dict[str, float]
    emotion: str
    intensity: float
    urgent: bool
    entities: dict[str, str]
    clean: str = ""
    used_context: bool = False
    evidence: dict[str, list[str]] = field(default_factory=dict)
    reply_hits: dict[int, float] | None = None  # reply id -> BM25 relative to the best hit
    also: list[str] = field(default_factory=list)  # other questions in the same message (intent ids)
    category: str | None = None  # shop category of the product mentioned (服装, 家居 …)

    def as_dict(self) -> dict:
        return {
            "intent": self.intent,
            "stage": self.stage,
            "intent_scores": self.intent_scores,
            "also": self.also,
            "emotion": self.emotion,
            "intensity": self.intensity,
            "urgent": self.urgent,
            "entities": self.entities,
        }


def clean_for_intent(message: str) -> str:
    norm = text.normalize(message)
    norm = _BOILERPLATE.sub(" ", norm)
    norm = _ORDERID.sub("[订单x]", norm)
    norm = _MASK.sub(lambda m: "#" + m.group(1), norm)
    return re.sub(r"\s+", " ", norm).strip()


def scoring_text(clean: str) -> str:
    """The part of a cleaned message that carries its need: "你好，这个漏水" is about the leak."""
    core = _LEADING_GREETING.sub("", clean)
    return core if len(core) >= 2 else clean


def cue_hits(patterns: dict[str, "_Patterns"], s: str) -> dict[str, float]:
    """Hand-written cue hits as reader features: ``kind:label`` -> summed weight."""
    out: dict[str, float] = {}
    for kind, pats in patterns.items():
        for label, v in pats.score(s)[0].items():
            out[f"{kind}:{label}"] = v
    return out


class _Patterns:
    """Weighted regex cues of one kind, grouped by label."""

    def __init__(self, rows):
        self.by_label: dict[str, list[tuple[re.Pattern, float, str]]] = defaultdict(list)
        for label, pattern, weight in rows:
            self.by_label[label].append((re.compile(pattern), weight, pattern))

    def score(self, s: str) -> tuple[dict[str, float], dict[str, list[str]]]:
        scores: dict[str, float] = {}
        hits: dict[str, list[str]] = {}
        for label, pats in self.by_label.items():
            total = 0.0
            for rx, weight, raw in pats:
                if rx.search(s):
                    total += weight
                    hits.setdefault(label, []).append(raw)
            if total:
                scores[label] = total
        return scores, hits


class Analyzer:
    RETRIEVAL_WEIGHT = 3.0
    CONTEXT_WEIGHT = 0.6

    def __init__(self, conn: sqlite3.Connection, reader: "Reader | None" = None):
        self.conn = conn
        self.reader = reader
        self.reload()

    def reload(self) -> None:
        rows = self.conn.execute("SELECT kind, label, pattern, weight FROM lexicon").fetchall()
        by_kind = defaultdict(list)
        for r in rows:
            by_kind[r["kind"]].append((r["label"], r["pattern"], r["weight"]))
        self.intent_lex = _Patterns(by_kind["intent"])
        self.emotion_lex = _Patterns(by_kind["emotion"])
        self.urgent_lex = _Patterns(by_kind["urgent"])
        self.cue_patterns = {"intent": self.intent_lex, "emotion": self.emotion_lex, "urgent": self.urgent_lex}
        self.stages = {r["id"]: r["stage"] for r in self.conn.execute("SELECT id, stage FROM intents")}
        self._trigger_cache: dict[str, str] = {}
        self._reply_hits: dict[str, dict[int, float]] = {}
        self.trigger_picker = text.TokenPicker(self.conn, "trigger")
        self.reply_picker = text.TokenPicker(self.conn, "reply")
        self.product_finder = self._build_product_finder()

    def _build_product_finder(self) -> "ProductFinder | None":
        words: dict[str, set[str]] = {"nouns": set(), "modifiers": set(), "suffixes": set(), "brands": set(),
                                      "not": set()}
        category: dict[str, str] = {}
        for row in self.conn.execute("SELECT label, pattern FROM lexicon WHERE kind='product'"):
            label, _, cat = row["label"].partition(":")
            words.get(label, set()).add(row["pattern"])
            if label == "nouns" and cat:
                category[row["pattern"]] = cat
        for row in self.conn.execute("SELECT category, keywords FROM products"):
            for kw in json.loads(row["keywords"]):
                words["nouns"].add(kw)
                category.setdefault(kw, row["category"])
        return ProductFinder(**words, categories=category) if words["nouns"] or words["brands"] else None

    # --- intent -----------------------------------------------------------------------------

    def _retrieval(self, clean: str) -> dict[str, float]:
        """Per intent, how closely its nearest trigger phrasing resembles the message (0..1).

        BM25 finds candidates; the similarity itself is absolute (rapidfuzz on characters), so a
        message that resembles nothing gets no retrieval evidence at all.
        """
        toks = text.query_tokens(clean)
        q_trig = text.fts_or_query(self.trigger_picker.pick(toks))
        q_reply = text.fts_or_query(self.reply_picker.pick(toks))
        rows, hits = [], []
        try:
            if q_trig:  # intent-level phrasings (keywords + triggers of replies/<intent>.yaml) ...
                rows = self.conn.execute(
                    "SELECT t.intent, t.text FROM trigger_fts "
                    "JOIN triggers t ON t.id = trigger_fts.rowid "
                    "WHERE trigger_fts MATCH ? ORDER BY bm25(trigger_fts) LIMIT 30",
                    (q_trig,),
                ).fetchall()
            if q_reply:  # ... and the phrasings of the nearest replies (indexed once, in reply_fts)
                hits = self.conn.execute(
                    "SELECT rowid, bm25(reply_fts, 1.0, 0.0, 0.0, 0.0) FROM reply_fts WHERE reply_fts MATCH ? "
                    "ORDER BY 2 LIMIT 40",
                    ("trig : (" + q_reply + ")",),
                ).fetchall()
        except sqlite3.OperationalError:
            return {}
        best = -hits[0][1] if hits and hits[0][1] else 1.0
        self._reply_hits[clean] = {h[0]: (-h[1]) / best for h in hits}  # reused by the ranker
        if hits:
            ids = [h[0] for h in hits[:20]]
            marks = ",".join("?" * len(ids))
            rows = list(rows) + self.conn.execute(
                f"SELECT intent, text FROM triggers WHERE reply_id IN ({marks})", ids).fetchall()
        out: dict[str, float] = {}
        for r in rows:
            trig = self._norm_trigger(r["text"])
            sim = fuzz.ratio(clean, trig)
            if len(trig) >= 3 and len(clean) > len(trig):
                sim = max(sim, 0.85 * fuzz.partial_ratio(trig, clean))
            sim = max(0.0, (sim / 100 - 0.4) / 0.6)
            if sim > out.get(r["intent"], 0.0):
                out[r["intent"]] = sim
        return out

    def _norm_trigger(self, t: str) -> str:
        v = self._trigger_cache.get(t)
        if v is None:
            v = self._trigger_cache[t] = clean_for_intent(t)
        return v

    def intent_evidence(self, clean: str) -> tuple[dict[str, float], dict[str, list[str]]]:
        lex, hits = self.intent_lex.score(clean)
        scores: dict[str, float] = defaultdict(float, lex)
        for intent, s in self._retrieval(clean).items():
            scores[intent] += self.RETRIEVAL_WEIGHT * s
        return scores, hits

    # --- main -------------------------------------------------------------------------------

    def analyse(self, message: str, context: list[Turn] | None = None) -> Analysis:
        context = context or []
        self._reply_hits.clear()
        clean = clean_for_intent(message)
        scoring = scoring_text(clean)
        entities = extract_entities(message, self.product_finder)
        if self.reader is not None:
            intent, intent_scores, hits, used_context, also, emotion, intensity, urgent = \
                self._read_learned(message, scoring, context, entities)
            also = self._also_learned(message, intent)
        else:
            intent, intent_scores, hits, used_context = self._read_cues(scoring, clean, context, entities)
            also = self.other_questions(scoring, intent)
            emotion, intensity = self.emotion(message, clean)
            urgent = self.urgency(clean, emotion, intensity)
        stage = self.stage_of(intent, clean, context)
        category = self.category_of(entities.get("product"), context)
        return Analysis(
            intent=intent, stage=stage, intent_scores=intent_scores,
            emotion=emotion, intensity=round(intensity, 2), urgent=urgent, category=category,
            entities=entities, clean=clean,
            used_context=used_context, evidence=hits, reply_hits=self._reply_hits.get(scoring), also=also,
        )

    def category_of(self, product: str | None, context: list[Turn]) -> str | None:
        """The kind of goods the conversation is about: the message's product, else the latest
        product a customer turn named (还没到 after 我买的耳机到哪了 is about earphones)."""
        if self.product_finder is None:
            return None
        if product:
            return self.product_finder.category(product)
        for turn in reversed(context[-4:]):
            if turn.role != "agent":
                cat = self.product_finder.category(self.product_finder.search(turn.text[:500]))
                if cat:
                    return cat
        return None

    # --- the learned reader -----------------------------------------------------------------

    # chosen on the train split (docs/reader.md): how much the nearest trigger phrasing adds to
    # the model's log-probability, the urgency threshold, and how sure a clause must be to count
    # as a second question
    RETRIEVAL_BETA = 0.0
    URGENT_THRESHOLD = 0.4
    ALSO_PROB = 0.5
    TOPIC_SHORT, TOPIC_LONG = 1.0, 0.5
    CUES_GAMMA = 0.5  # weight of the hand-cue reading mixed into the model's (ablation)
    STRONG_CUE, CUES_GAMMA_STRONG = 3.0, 1.5  # a nearly decisive hand cue may weigh more
    CALM_PRIOR = 3.0  # multiplies the model's probability of calm before the emotion is picked
    URGENT_CUES = True  # the lexicon's urgency cues may make a message urgent (ablation)
    ANGRY_IS_URGENT = True
    EMOTION_CUES = True  # clear hand cues of emotion and urgency may override the model (ablation)

    def features(self, scoring: str, context: list[Turn], raw: str = "") -> dict[str, float]:
        ctx = [(t.role, clean_for_intent(t.text)) for t in context[-2:] if t.text]
        cues = cue_hits(self.cue_patterns, scoring) if self.reader.meta.get("cues", True) else None
        return featurize(scoring, ctx, cues, raw=raw)

    def topic(self, context: list[Turn]) -> dict[str, float] | None:
        """The conversation's topic: the intent model read over the last three earlier turns."""
        blob = " ".join(clean_for_intent(t.text) for t in context[-3:] if t.text)
        if not content_len(blob):
            return None
        blob = blob[-300:]
        return self.reader.intent.proba(featurize(blob, None, cue_hits({"intent": self.intent_lex}, blob)))

    def _read_learned(self, message: str, scoring: str, context: list[Turn], entities: dict):
        feats = self.features(scoring, context, message)
        probs = self.reader.intent.proba(feats)
        if context:
            probs = with_topic(probs, self.topic(context),
                               topic_weight(content_len(scoring), self.TOPIC_SHORT, self.TOPIC_LONG))
        if self.CUES_GAMMA:
            _, cue_scores, _, _ = self._read_cues(scoring, clean_for_intent(message), context, entities)
            strong = max(self.intent_lex.score(scoring)[0].values(), default=0.0) >= self.STRONG_CUE
            gamma = self.CUES_GAMMA_STRONG if strong else self.CUES_GAMMA
            probs = {k: v * max(cue_scores.get(k, 0.0), 0.02) ** gamma for k, v in probs.items()}
            total = sum(probs.values())
            probs = {k: v / total for k, v in probs.items()}
        # the nearest phrasings: the ranker needs their reply hits (the cue reading above has
        # usually found them already); the intent takes them only with RETRIEVAL_BETA
        ret = self._retrieval(scoring) if scoring and (self.RETRIEVAL_BETA or scoring not in self._reply_hits) else {}
        if ret and self.RETRIEVAL_BETA:
            logits = {k: math.log(max(p, 1e-9)) + self.RETRIEVAL_BETA * ret.get(k, 0.0) for k, p in probs.items()}
            top = max(logits.values())
            exps = {k: math.exp(v - top) for k, v in logits.items()}
            total = sum(exps.values())
            probs = {k: v / total for k, v in exps.items()}
        intent = max(probs, key=probs.get)
        intent_scores = {k: round(v, 3) for k, v in sorted(probs.items(), key=lambda kv: -kv[1])[:5]}
        _, hits = self.intent_lex.score(scoring)
        also: list[str] = []
        pe = self.reader.emotion.proba(feats)
        pe["calm"] *= self.CALM_PRIOR  # most messages show no feeling: only a clear reading counts
        emotion = max(pe, key=pe.get)
        pe[emotion] /= sum(pe.values())
        intensity = 0.0
        if emotion != "calm":
            bangs = min(3, message.count("!") + message.count("！"))
            intensity = max(0.3, min(1.0, 0.3 + 0.6 * (pe[emotion] - 0.35) / 0.65 + 0.1 * bangs))
        urgent = self.reader.urgent.proba(feats)["yes"] >= self.URGENT_THRESHOLD
        if self.EMOTION_CUES:  # a clear hand cue (投诉, 气死, ???) overrides a calm reading
            cue_emotion, cue_intensity = self.emotion(message, clean_for_intent(message))
            if cue_emotion != "calm" and (emotion == "calm" or cue_intensity >= 0.6):
                emotion, intensity = cue_emotion, max(intensity, cue_intensity)
        if self.URGENT_CUES:  # deadline and refusal cues of the lexicon, with the emotion read
            urgent = urgent or self.urgency(clean_for_intent(message), emotion, intensity)
        if self.ANGRY_IS_URGENT and emotion == "angry":  # the labelling convention: anger needs speed
            urgent = True
        used_context = bool(context) and feats.get("ctx:short") == 1.0
        return intent, intent_scores, hits, used_context, also, emotion, intensity, urgent

    def _also_learned(self, message: str, intent: str) -> list[str]:
        """Intents of the other clauses of a message that asks several things at once: each
        clause read on its own by the same model; only clear readings count. At most two.
        Clauses are split on the message as typed (cleaning joins Chinese across spaces)."""
        raw = _BOILERPLATE.sub(" ", text.normalize_keep_spaces(message))
        clauses = [self._CONNECTIVE.sub("", scoring_text(clean_for_intent(c))) for c in self._CLAUSES.split(raw)]
        clauses = [c for c in clauses if len(re.sub(r"[\d#a-z*]+", "", c)) >= 3][:5]
        if len(clauses) < 2:
            return []
        out: list[str] = []
        for clause in clauses:
            p = self.reader.intent.proba(self.features(clause, []))
            k = max(p, key=p.get)
            if p[k] >= self.ALSO_PROB and k not in (intent, "greeting", "thanks_bye", "other") and k not in out:
                out.append(k)
        return out[:2]

    # --- hand-written cues (the reader before it was learned; kept for the ablation) ---------

    def _read_cues(self, scoring: str, clean: str, context: list[Turn], entities: dict):
        scores, hits = self.intent_evidence(scoring) if scoring else ({}, {})
        lex_strength = max((v for k, v in hits_scores(self.intent_lex, scoring).items()), default=0.0)
        if entities.get("product") and lex_strength < 2.0 and self._YES_NO.search(scoring):
            # 是纸皮核桃吗 / 手表可以回复微信吗: a yes/no question about a named product asks about it
            scores["product_info"] = scores.get("product_info", 0.0) + self.PRODUCT_QUESTION

        used_context = False
        short = len(re.sub(r"[^\w]", "", clean)) <= 6
        if context and (lex_strength < 2.0 or short):
            weight = self.CONTEXT_WEIGHT * (1.0 if lex_strength < 1.0 else 0.5)
            for turn in reversed(context[-4:]):
                if turn.role != "customer":
                    continue
                prev = clean_for_intent(turn.text)
                if not prev:
                    continue
                prev_scores, _ = self.intent_evidence(prev)
                for k, v in prev_scores.items():
                    if k in ("greeting", "thanks_bye"):
                        continue
                    scores[k] = scores.get(k, 0.0) + weight * v
                used_context = True
                weight *= 0.5

        intent_scores = _normalise(scores)
        if intent_scores:
            intent = max(intent_scores, key=intent_scores.get)
            if scores[intent] < 0.8:
                intent = "other"
        else:
            intent = "other"
        if intent == "other":
            rest = {k: round(v * min(1.0, scores.get(k, 0.0)), 3) for k, v in intent_scores.items() if k != "other"}
            confidence = 1.0 - min(1.0, max((scores.get(k, 0.0) for k in rest), default=0.0))
            intent_scores = {"other": round(max(0.5, confidence), 3), **rest}
        top = dict(sorted(intent_scores.items(), key=lambda kv: -kv[1])[:5])
        return intent, {k: round(v, 3) for k, v in top.items()}, hits, used_context

    ALSO_MIN = 1.5  # lexicon weight a clause needs to count as a question of its own
    PRODUCT_QUESTION = 1.0
    _YES_NO = re.compile(r"(吗|么|嘛|没有|不)[?!。~\s]*$|[?]\s*$")
    _CLAUSES = re.compile(r"[?!。；;，,~\s]+")
    # words that join a second question to the first: they say nothing about the question itself
    _CONNECTIVE = re.compile(r"^(?:还有|另外|顺便问下?|顺便|对了|那么?|然后|再问下?|还想问下?)+")

    def other_questions(self, clean: str, intent: str) -> list[str]:
        """Intents of the other clauses of a message that asks several things at once
        (这款杯子能装开水吗？容量多大，有没有粉色的 → stock, and also product_info). Lexicon cues
        only: cheap, and only clear ones count. At most two, in the order they were asked."""
        # a clause is a question of its own when it has words besides numbers (订单号3254… is not)
        clauses = [c for c in self._CLAUSES.split(clean) if len(re.sub(r"[\d#a-z*]+", "", c)) >= 4][:5]
        if len(clauses) < 2:
            return []
        out: list[str] = []
        for clause in clauses:
            lex, _ = self.intent_lex.score(clause)
            if not lex:
                continue
            k = max(lex, key=lex.get)
            if lex[k] >= self.ALSO_MIN and k not in (intent, "greeting", "thanks_bye", "other") and k not in out:
                out.append(k)
        return out[:2]

    def stage_of(self, intent: str, clean: str, context: list[Turn]) -> str:
        stage = self.stages.get(intent, "any")
        if stage != "any":
            return stage
        blob = clean + " ".join(t.text for t in context[-4:])
        if re.search(r"退|换货|坏|收到|签收|售后|质量", blob):
            return "aftersale"
        if re.search(r"订单|发货|快递|物流|单号|#订单", blob):
            return "order"
        return "presale"

    def emotion(self, raw: str, clean: str) -> tuple[str, float]:
        norm = text.normalize(raw)
        scores, _ = self.emotion_lex.score(norm)
        bangs = len(re.findall(r"!", norm))
        questions = len(re.findall(r"\?{2,}", norm))
        if bangs >= 2 and scores:
            for k in ("angry", "anxious"):
                if k in scores:
                    scores[k] += 0.5
        if questions and not scores:
            scores["confused"] = scores.get("confused", 0) + 0.6
        if not scores:
            return "calm", 0.0
        emotion = max(scores, key=scores.get)
        best = scores[emotion]
        if best < 1.0:
            return "calm", 0.0
        intensity = 0.35 + 0.2 * (best - 1.0) + 0.1 * min(bangs, 3) + 0.1 * min(questions, 2)
        return emotion, max(0.3, min(1.0, intensity))

    def urgency(self, clean: str, emotion: str, intensity: float) -> bool:
        scores, _ = self.urgent_lex.score(clean)
        total = sum(scores.values())
        if emotion == "angry":
            total += 1.0
        if emotion == "anxious":
            total += 0.6 + intensity * 0.4
        return total >= 1.0


def hits_scores(patterns: "_Patterns", s: str) -> dict[str, float]:
    return patterns.score(s)[0] if s else {}


def _normalise(scores: dict[str, float]) -> dict[str, float]:
    """Soft-max-like normalisation that keeps clear winners near 1."""
    pos = {k: v for k, v in scores.items() if v > 0}
    if not pos:
        return {}
    top = max(pos.values())
    exps = {k: math.exp(1.5 * (v - top)) for k, v in pos.items()}
    total = sum(exps.values())
    return {k: v / total for k, v in exps.items()}


# --- entities -------------------------------------------------------------------------------

_ORDER_RX = [
    re.compile(r"\[订单x\]|\[ORDERID_\d+\]"),
    re.compile(r"订单(?:编)?号?\s*(?:是|为|[:：])?\s*([0-9*]{4,}[0-9*]*)"),
    re.compile(r"(?<![\d*])(\d{15,20})(?!\d)"),
]
_PHONE_RX = [re.compile(r"\[电话x\]"), re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")]
_AMOUNT_RX = [
    re.compile(r"[¥￥]?\s?\[金额x\]"),
    re.compile(r"[¥￥]\s?(?:\[数字x\]|\d+(?:\.\d+)?)"),
    re.compile(r"(?:\[数字x\]|\d+(?:\.\d+)?|[一二两三四五六七八九十百千万]+)\s?(?:元|块钱|块)"),
    # a bare price after words that only precede money: 满199 / 超过 199 / 只需 299 / 付了 58.5
    re.compile(r"(?:满|超过|只需|只要|需要|需|花了|付了|价格是?|优惠价|到手价?)\s?(\d{2,6}(?:\.\d{1,2})?)"
               r"(?!\s?(?:\d|斤|公斤|码|号|cm|厘米|个|件|包|天|小时|分钟|年|月|岁|g|克|ml|毫升))"),
]
_LETTER_SIZE = r"(?:[xX]{1,3}[lL]|[23456][xX][lL]|[xX]{1,2}[sS]|[sSmMlL])"
_SIZE_RX = [
    # height and weight together: 160 105斤 / 165cm 110斤
    re.compile(r"1[4-9]\d\s?(?:cm|CM|厘米)?\s?[,，/ ]?\s?\d{2,3}(?:\.\d)?\s?(?:斤|公斤|kg|KG)"),
    re.compile(r"(?:\[数字x\]|\d{2,3}(?:\.\d)?)\s?(?:斤|公斤|kg|KG)"),
    re.compile(rf"(?<![a-zA-Z]){_LETTER_SIZE}\s?码"),
    re.compile(r"(?:身高)?\s?1[5-9]\d\s?(?:cm|CM|厘米)"),
    re.compile(r"\d{2}(?:\.5)?\s?码"),
    # a letter size on its own where only a size can be meant: 穿L / 拍 m / 换大一码XL的
    re.compile(rf"(?:穿|拍|换|选|要|买|大一码|小一码)\s?({_LETTER_SIZE})(?![a-zA-Z])"),
    re.compile(r"(?<![a-zA-Z])([xX]{1,3}[lL]|[23456][xX][lL])(?![a-zA-Z])"),
]


def _alternation(words: set[str]) -> str:
    """Longest first; a space may sit between any two characters (segmented chat logs)."""
    parts = sorted((w for w in words if w), key=len, reverse=True)
    return "(?:" + "|".join("\\s?".join(re.escape(ch) for ch in w) for w in parts) + ")" if parts else "(?!)"


class ProductFinder:
    """The product a customer mentions, as written: [brand [model]] [≤2 modifiers] noun
    [suffix], or a brand with its model or a suffix — 蓝牙充电宝, 纸 皮 核桃, 坚果礼盒,
    华为mate50Pro, 科颜氏产品. A second noun is not joined on (体脂秤|电池能用多久).
    Words that contain a noun without being a product (手机号, 说明书, 奶茶) are masked first."""

    def __init__(self, nouns, modifiers=(), suffixes=(), brands=(), not_=(), categories=None, **kw):
        not_words = set(not_) | set(kw.get("not", ()))
        self.categories = categories or {}  # noun -> shop category (服装, 家居 …)
        self._by_length = sorted(self.categories, key=len, reverse=True)
        self._nouns_cache: dict[str, set[str]] = {}
        noun, mod = _alternation(set(nouns)), _alternation(set(modifiers))
        tail = _alternation(set(suffixes))
        brand = _alternation(set(brands))
        model = r"(?:\s?(?:[A-Za-z0-9]+|\[数字x\]))*"
        item = rf"(?:{mod}\s?){{0,2}}{noun}(?:\s?{tail})?"
        self.rx = re.compile(rf"{brand}{model}(?:\s?{item}|\s?{tail})?|{item}", re.IGNORECASE)
        self.not_rx = re.compile(_alternation(not_words)) if not_words else None

    def search(self, raw: str):
        span = self.search_span(raw)
        return raw[span[0]:span[1]].strip() if span else None

    def search_span(self, raw: str) -> tuple[int, int] | None:
        masked = self.not_rx.sub(lambda m: "\u25a1" * len(m.group(0)), raw) if self.not_rx else raw
        m = self.rx.search(masked)
        return (m.start(), m.end()) if m else None

    def nouns_in(self, text_: str) -> set[str]:
        """The product nouns a text names (its {变量} left out), e.g. a reply's 被套、床单. Cached:
        the ranker asks about the same replies again and again."""
        found = self._nouns_cache.get(text_)
        if found is None:
            flat = re.sub(r"\{[^{}]*\}", "", text_).lower()
            found = set()
            for n in self._by_length:
                if len(n) >= 2 and n.lower() in flat and not any(n in f for f in found):
                    found.add(n)
            if len(self._nouns_cache) > 20_000:
                self._nouns_cache.clear()
            self._nouns_cache[text_] = found
        return found

    def category(self, mention: str | None) -> str | None:
        """The shop category of a mention, from the longest noun in it (蓝牙充电宝 → 数码配件)."""
        if not mention:
            return None
        flat = re.sub(r"\s+", "", mention).lower()
        return next((self.categories[n] for n in self._by_length if n.lower() in flat), None)


# In a post addressed to an account (@某某客服), a product noun is often said in passing (手机 in
# a rant about a phone plan); it counts only when a purchase, possessive or measure word comes
# before it (我的/买的/这台 …). Entity F1, train split 0.648 -> 0.686, tune 0.654 -> 0.714;
# JD chats unchanged (docs/reader.md).
_MENTION = re.compile(r"(?<![@!])@(?![@!])")  # @某某客服 (not JDDC's !@@@! turn separator)
_OWNED = re.compile(r"(我的|买的|新买的|这个|这款|该|那个|个|台|部|款|把|只|件|条|双|套|瓶|盒|买了|入手|的)\s?$")


def extract_entities(message: str, finder: "ProductFinder | None" = None) -> dict[str, str]:
    """Entities as exact substrings of ``message`` (masking tokens are kept as written)."""
    raw = message[: text.MAX_MESSAGE_CHARS]
    out: dict[str, str] = {}

    def first(rxs):
        for rx in rxs:
            m = rx.search(raw)
            if m:
                return m.group(1) if m.groups() else m.group(0)
        return None

    if (v := first(_PHONE_RX)):
        out["phone"] = v
    if (v := first(_ORDER_RX)) and v != out.get("phone"):
        out["order_no"] = v
    if (v := first(_AMOUNT_RX)):
        out["amount"] = v.strip()
    if (v := first(_SIZE_RX)):
        out["size"] = v.strip()
    if finder is not None and (span := finder.search_span(raw)):
        v = raw[span[0]:span[1]].strip()
        in_passing = _MENTION.search(raw) and not _OWNED.search(raw[max(0, span[0] - 4):span[0]])
        if v and not in_passing:
            out["product"] = v
    return out
