"""What the default knowledge says: no 违禁词, no unchecked claims, no needless apologies, and
subtext rules that recognise what a customer is worried about, whatever the product.

The example messages below are written for this test; none comes from a dataset."""
import re

import pytest

VARIABLE_RE = re.compile(r"\{[^{}\s]{1,8}\}")

# A default reply is offered before the agent has looked anything up, so its literal text (the
# parts the agent does not fill in) must not claim a state of the parcel, refund, order or photos.
UNCHECKED_CLAIM = re.compile(
    r"已经到了|已到达|已经签收|已显示签收|已到账|已经到账|已经退款|已成功退款|已经补发|已经寄出|已寄出"
    r"|照片收到|图片收到|您发的照片|您发来的照片|帮您查了|我查了|核实了|核对好了|已经在配货|已经打好包|目前有现货|还在正常运输"
    r"|货款已经原路退回|还在时效内"
    # a promotion nobody checked is running for these goods (a coupon, a store-wide discount, a gift)
    r"|下方有店铺券[，,；]|现在全店满减|会随单送"
    # … or a reason, a stock level or a price nobody looked up
    r"|断货只能取消|还有现货|已经是活动价"
    # … or a fact about the goods or the shop nobody checked (the shop's own replies state its real
    # ones): the fit, the specs, what is in the box, certificates, sourcing, sales, a running offer
    r"|是标准码|鞋码偏标准|是Type-C接口|主要保湿成分|配方里没有添加|保质期\d|内胆是|单口输出|蓝牙5\.\d"
    r"|标配只有|都通过了3C|授权我们销售|第三方机构出具|直接跟品牌和工厂|剩得不多|很受欢迎|回购多"
    r"|参加第二件半价|还带运费险|不额外收费|周末仓库照常发货"
    # … or that an order can still be changed, before anyone looked whether it has shipped
    r"|颜色可以帮您换|可以帮您改[，,。]|尺码可以帮您换"
    # … or a shop's policy nobody looked up: remote regions always pay extra, pay-later works for
    # these goods, the shop pays both ways' postage (forty-second pass: judged harmful 33 times)
    r"|暂不参与包邮|我们都能用|承担来回运费"
    # … or a parcel's cause of delay guessed, or a wait of 48 hours asked
    # of a customer who has often waited longer (forty-third pass: 物流不更新, judged
    # harmful 25 times), or a request for photos or a repeat of the case (投诉先致歉)
    r"|多半是包裹|超过48小时还不动|有照片更好|没说清的地方再补充")

APOLOGY = re.compile(r"抱歉|对不起|不好意思|歉意|添麻烦")


def _rows(engine, sql):
    return [dict(r) for r in engine.conn.execute(sql)]


def test_no_default_text_contains_a_banned_word(engine):
    offenders = []
    for r in _rows(engine, "SELECT code, text FROM replies WHERE source='default'"):
        if not engine.check(r["text"])["ok"]:
            offenders.append(("reply", r["code"], r["text"]))
    for r in _rows(engine, "SELECT emotion, level, text FROM empathy"):
        if not engine.check(r["text"])["ok"]:
            offenders.append(("empathy", r["emotion"], r["text"]))
    for r in _rows(engine, "SELECT meaning, advice FROM subtext"):
        for field in ("meaning", "advice"):
            if not engine.check(r[field])["ok"]:
                offenders.append(("subtext", field, r[field]))
    for pb in engine.playbooks:
        for part in [pb["name"], pb["limit"], pb["escalate"] or "", *pb["steps"], *pb["options"]]:
            if not engine.check(part)["ok"]:
                offenders.append(("playbook", pb["id"], part))
    assert offenders == []


def test_the_banned_word_check_would_catch_a_bad_reply(engine):
    assert not engine.check("这款是全网最好的，好评返现哦")["ok"]


def test_no_default_reply_asserts_an_unchecked_state(engine):
    offenders = []
    for r in _rows(engine, "SELECT code, text FROM replies WHERE source='default'"):
        literal = VARIABLE_RE.sub("", r["text"])
        found = UNCHECKED_CLAIM.findall(literal)
        if found:
            offenders.append((r["code"], found, r["text"]))
    assert offenders == []


def test_the_claim_pattern_would_catch_an_unchecked_reply():
    text = "{顾客称呼}，帮您查了，包裹{时间}已经到了您所在城市的网点"
    assert UNCHECKED_CLAIM.search(VARIABLE_RE.sub("", text))
    text = "{顾客称呼}，{商品}页面价格下方有店铺券，点领取后下单会自动抵扣"
    assert UNCHECKED_CLAIM.search(VARIABLE_RE.sub("", text))
    assert not UNCHECKED_CLAIM.search("商品页价格下方有店铺券的话，点领取再下单会自动抵扣")
    assert UNCHECKED_CLAIM.search("非常抱歉，这单因为临时断货只能取消")
    assert UNCHECKED_CLAIM.search("亲，这款鞋码偏标准，按平时的码数拍就行")
    assert UNCHECKED_CLAIM.search("亲，这款是品牌方授权我们销售的，授权书都有存档")
    assert not UNCHECKED_CLAIM.search("亲，这款鞋码偏不偏，详情页尺码表里能看到，我帮您核对一下")
    assert UNCHECKED_CLAIM.search("亲，颜色可以帮您换，麻烦确认一下要哪个颜色")
    assert not UNCHECKED_CLAIM.search("亲，我先看下这单到哪一步了：还没发出的话，颜色这就帮您改")


def test_checked_facts_are_variables_the_agent_must_fill(engine):
    row = engine.conn.execute("SELECT text FROM replies WHERE code='cdqwz'").fetchone()
    filled, missing = engine.fill(row["text"], {})
    assert "物流状态" in missing
    assert "{顾客称呼}" not in filled


def test_calm_satisfied_and_confused_openings_do_not_apologise(engine):
    lines = _rows(engine, "SELECT emotion, level, text FROM empathy "
                          "WHERE emotion IN ('calm', 'satisfied', 'confused')")
    assert len(lines) >= 24
    assert [l for l in lines if APOLOGY.search(l["text"])] == []


def test_upset_openings_do_not_promise_compensation(engine):
    lines = _rows(engine, "SELECT text FROM empathy WHERE emotion IN ('angry', 'disappointed') "
                          "AND level='high'")
    assert lines
    assert [l["text"] for l in lines if re.search(r"补偿|赔|退款|补发|弥补|红包|优惠券", l["text"])] == []


def test_subtext_fields_stay_short(engine):
    for r in _rows(engine, "SELECT words, meaning, advice FROM subtext"):
        assert len(r["meaning"]) <= 30 and len(r["advice"]) <= 50, r
        assert r["words"] and '"' in r["words"]


CONCERNS = {
    "皮肤偏干": ["我脸特别干 冬天一到就起皮", "擦完会不会紧绷啊 我是干性皮肤"],
    "起球": ["这毛衣穿久了会不会起毛球", "外套洗完掉毛吗 怕粘一身"],
    "尺码": ["我160 105斤 穿s还是m", "这裤子码数准不准 会不会偏小"],
    "要用的日子": ["下周三我妹过生日 赶得上吗", "急着用 后天要带去出差"],
    "住得偏": ["我在新疆喀什 能寄到吗", "宁夏银川发货几天能收到"],
    "嫌贵": ["有点贵啊 能再便宜点不", "我考虑一下 别家便宜二十块"],
    "不太放心": ["你们家是正品吗 不会是高仿吧", "这耳机会不会是翻新机 靠谱吗"],
}


@pytest.mark.parametrize("needle,message",
                         [(k, m) for k, msgs in CONCERNS.items() for m in msgs])
def test_subtext_recognises_the_concern(engine, needle, message):
    subtext = engine.suggest(message).subtext
    assert any(needle in s["meaning"] for s in subtext), (message, subtext)


@pytest.mark.parametrize("message", ["能开发票吗", "可以用支付宝吗", "好的", "这个是什么材质的"])
def test_plain_question_gets_no_subtext(engine, message):
    assert engine.suggest(message).subtext == []


@pytest.mark.parametrize("message", ["求求了快点发货", "放假的时候能发货吗", "一年前买的耳机坏了 还能修吗",
                                     "您贵姓", "这个拉链卡住了"])
def test_cue_words_do_not_fire_on_lookalike_messages(engine, message):
    meanings = " ".join(s["meaning"] for s in engine.suggest(message).subtext)
    for needle in ("起球", "要用的日子", "嫌贵", "包裹丢"):
        assert needle not in meanings, (message, meanings)
