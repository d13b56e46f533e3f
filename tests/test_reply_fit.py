"""A reply fits the message: right goods, nothing asked twice, no pitch to an upset customer,
no apology to a calm one, every question answered, short follow-ups read through context."""
import json
import re

import pytest

from assistant import text
from assistant.engine import Conversation, Engine

APOLOGY = re.compile(r"抱歉|对不起|不好意思|歉意")


@pytest.fixture
def cue_engine(db_file):
    """The ranker's rules do not depend on which reader found the intent: the hand-cue reader
    keeps these tests independent of retraining. Weak replies stay in the list (SHOW_BELOW 0):
    these tests look at which replies are candidates at all, by the knowledge base's own rules,
    so the verdict memory (assistant/memory.py, tests/test_memory.py) is left out too."""
    eng = Engine(db_file, reader=None, memory=None)
    eng.SHOW_BELOW = 0.0
    yield eng
    eng.close()


def _codes(suggestion):
    return {r["code"] for r in suggestion.replies}


def _chat(msg, *turns):
    """A conversation: the message after (role, text) turns."""
    return Conversation.of(msg, [{"role": r, "text": t} for r, t in turns])


def _categories(eng, reply):
    tags = eng.conn.execute("SELECT tags FROM replies WHERE id=?", (reply["id"],)).fetchone()[0]
    return eng._shop_categories.intersection(json.loads(tags or "[]"))


@pytest.mark.parametrize("message, category", [
    ("手机壳是什么材质的", "数码配件"),
    ("这个卫衣会不会起球", "服装"),
    ("这款面霜保湿吗 我是干皮", "美妆"),
    ("这个戒指会不会掉色 是纯银的吗", "饰品"),  # jewellery is no clothing (forty-fourth pass)
])
def test_replies_written_for_other_goods_are_not_offered(cue_engine, message, category):
    s = cue_engine.suggest(message)
    assert s.analysis.category == category
    assert s.replies
    for r in s.replies:
        assert _categories(cue_engine, r) <= {category}, (r["code"], r["text"])


def test_the_category_gate_excludes_what_the_old_penalty_only_lowered(cue_engine):
    a = cue_engine.suggest("这款面霜保湿吗").analysis
    row = cue_engine.conn.execute(
        "SELECT * FROM replies WHERE tags LIKE '%服装%' AND intent='product_info' LIMIT 1").fetchone()
    assert cue_engine._category_fit(a, row) is None
    same = cue_engine.conn.execute(
        "SELECT * FROM replies WHERE tags LIKE '%美妆%' AND intent='product_info' LIMIT 1").fetchone()
    assert cue_engine._category_fit(a, same) is not None


def test_a_reply_asking_for_the_order_number_is_not_offered_when_the_customer_gave_it(cue_engine):
    asks = lambda s: [r["code"] for r in s.replies  # noqa: E731
                      if cue_engine.ASKS_ORDER.search(re.sub(r"\{[^{}]*\}", "", r["text"]))]
    # a compensation demand: the reply for it asks for the order number when it is missing
    without = cue_engine.suggest("你们太慢了 我要投诉 必须赔偿", limit=12)
    assert asks(without), "the complaint replies ask for the order number when it is missing"
    given = cue_engine.suggest("你们太慢了 我要投诉 必须赔偿 订单号 3254857712345678", limit=12)
    assert given.analysis.entities["order_no"] == "3254857712345678"
    assert given.replies and not asks(given)
    earlier = cue_engine.suggest(Conversation.of("我要投诉 必须赔偿", ["customer:订单号 3254857712345678 到现在没发货"]),
                                 limit=12)
    assert earlier.replies and not asks(earlier)


def test_a_reply_asking_for_the_address_is_not_offered_when_the_customer_just_sent_one(cue_engine):
    """未发货改地址 asks for the new address, 自助改地址 says to type it in oneself: neither once the
    customer has sent it, in the message or a turn just before (as for the order number)."""
    asking = {"cxgdz", "czxgd"}
    request = cue_engine.suggest("地址写错了 帮我改下收货地址", limit=12)
    assert asking & _codes(request), "a plain request to change the address gets the replies that ask for it"
    for sent in ("地址写错了 改成 东风路省五金宿舍3-2-401", "帮我改下收货地址 武汉[地址x]",
                 "改地址 格澜郡二期5栋D101室"):
        s = cue_engine.suggest(sent, limit=12)
        assert s.replies and not asking & _codes(s), sent
    earlier = cue_engine.suggest(Conversation.of("帮我改下收货地址", ["customer:新地址 光明路18号 3单元"]), limit=12)
    assert earlier.replies and not asking & _codes(earlier)
    # an agent's turn with an address in it is not the customer sending one
    agent = cue_engine.suggest(Conversation.of("地址写错了 帮我改下收货地址", ["agent:您留的是光明路18号吗"]), limit=12)
    assert asking & _codes(agent)


def test_the_address_replies_are_for_address_changes_only(cue_engine):
    """未发货改地址 / 自助改地址 are not the answer to every change of an order: a new install
    date, a merged order or a different colour does not get them."""
    asking = {"cxgdz", "czxgd"}
    for other in ("安装时间帮我改到下周三", "两个订单能合并一起发吗", "颜色拍错了 能换成黑色吗"):
        s = cue_engine.suggest(other, limit=12)
        assert s.replies and not asking & _codes(s), other
    assert asking & _codes(cue_engine.suggest("还没发货 想改成送到公司", limit=12))


def test_a_size_question_with_height_and_weight_is_not_asked_for_them_again(cue_engine):
    """询问身材 asks for height and weight; once the customer gave both it is not offered, and the
    size the agent recommends is a value the agent fills, never the customer's 160 100斤."""
    asks = lambda s: [r for r in s.replies if cue_engine.ASKS_BODY.search(r["text"])]  # noqa: E731
    assert asks(cue_engine.suggest("连衣裙穿什么码", limit=12)), "a bare size question gets the reply that asks"
    assert asks(cue_engine.suggest("130斤穿多大码", limit=12)), "a weight alone still leaves the height to ask"
    for given in ("这个连衣裙我160 100斤穿什么码", "一米七 130斤选多大", "身高165 体重50kg 穿哪个码"):
        s = cue_engine.suggest(given, limit=12)
        assert s.replies and not asks(s), given
    earlier = cue_engine.suggest(Conversation.of("那穿什么码", ["customer:我158 95斤"]), limit=12)
    assert earlier.replies and not asks(earlier)
    advice = next(r for r in cue_engine.suggest("这个连衣裙我160 100斤穿什么码", limit=12).replies
                  if "建议拍" in r["text"])
    assert "160 100斤" not in advice["filled"] and "建议尺码" in advice["missing"]


def test_a_reply_naming_the_whole_kind_of_goods_fits_any_goods_of_that_kind(cue_engine):
    """The washing reply's phrasings name 衣服: a 鸭舌帽 is 衣服 too, so it is offered; a reply that
    names particular goods (bedding) still is not."""
    s = cue_engine.suggest("鸭舌帽纯棉的清洗方法是什么", limit=12)
    assert s.analysis.entities.get("product") == "鸭舌帽"
    assert "bjx" in _codes(s)
    finder = cue_engine.analyzer.product_finder
    assert "衣服" in finder.generic and "被套" not in finder.generic
    assert "bsjt" not in _codes(cue_engine.suggest("鸭舌帽怎么洗", limit=12))  # 四件套 washing: other goods


def test_a_reply_asking_for_a_photo_is_not_offered_once_the_customer_sent_one(cue_engine):
    """破损请拍照 asks for photos: offered for "杯子收到就碎了", not when a photo came with the message
    ([图片], as a chat client copies one) or the customer says it went (照片发你了), and a reply that
    only offers to send the customer a screenshot (我截图发您) is not counted as asking."""
    photo = "dpspz"
    assert photo in _codes(cue_engine.suggest("杯子收到就碎了", limit=12))
    assert photo not in _codes(cue_engine.suggest("[图片] 杯子收到就碎了", limit=12))
    sent = Conversation.of("照片发你了 麻烦看下", ["customer:杯子收到就碎了"])
    assert photo not in _codes(cue_engine.suggest(sent, limit=12))
    assert photo not in _codes(cue_engine.suggest("刚收到的杯子碎了一个 你看下图", limit=12))  # 看下图: it is there
    assert photo not in _codes(cue_engine.suggest("杯子收到就碎了 图你看下", limit=12))  # …and 图你看下, 拍给你看
    assert photo not in _codes(cue_engine.suggest("杯子收到就碎了 拍给你看", limit=12))
    # 已发货 is not a photo sent
    assert photo in _codes(cue_engine.suggest("已发货了吗 杯子碎了", limit=12))
    assert cue_engine.ASKS_PHOTO.search("麻烦拍三张照片发我：外箱、破损位置")
    assert not cue_engine.ASKS_PHOTO.search("参数在详情页里，我截图发您")


@pytest.mark.parametrize("text, is_address", [
    ("石家庄东风路省五金宿舍[数字x]-[数字x]-[数字x]0[数字x]", True),
    ("北京市朝阳区建国路88号SOHO现代城5号楼1201", True),
    ("我3号到家", False), ("这个道具2号发", False), ("路上走了5天了还没到", False), ("买了3件", False),
])
def test_what_counts_as_an_address_the_customer_sent(text, is_address):
    assert bool(Engine.ADDRESS_IN_TEXT.search(text)) is is_address


def test_stock_and_earbud_replies_need_their_own_situation(cue_engine):
    """现货可拍 is for a stock question (缺货 and 拍照 in the conversation are not one); 耳机单边无声
    is for wireless earbuds, not a phone's headphone jack."""
    assert "axhkp" in _codes(cue_engine.suggest("这个有现货吗", limit=12))
    sold_out = cue_engine.suggest(Conversation.of("那还有别的颜色吗", ["agent:这款黑色缺货了"]), limit=12)
    assert sold_out.analysis.intent == "stock" and "axhkp" not in _codes(sold_out)
    assert "axhkp" not in _codes(cue_engine.suggest("什么时候补货", limit=12))
    assert "dejgz" in _codes(cue_engine.suggest("蓝牙耳机左耳没声音了", limit=12))
    jack = cue_engine.suggest("插耳机没声音", limit=12)
    assert jack.analysis.intent == "damaged_defect" and "dejgz" not in _codes(jack)


def test_no_cross_sell_or_sales_pitch_to_an_upset_customer(cue_engine):
    calm = cue_engine.suggest("这款面霜保湿吗 我是干皮")
    assert calm.cross_sell, "a calm pre-sale question about the same goods gets ideas"
    upset = cue_engine.suggest("面霜用了过敏了 你们什么破东西 气死我了")
    assert upset.analysis.emotion in ("angry", "disappointed")
    assert upset.cross_sell == []
    assert all(r["intent"] != "recommend" for r in upset.replies)


def test_no_apology_to_a_calm_question_and_one_for_an_angry_customer(cue_engine):
    for msg in ("能开发票吗", "这个卫衣会不会起球", "什么时候发货"):
        s = cue_engine.suggest(msg)
        assert s.analysis.emotion == "calm" and s.empathy
        assert not any(APOLOGY.search(e["text"]) for e in s.empathy), msg
    angry = cue_engine.suggest("你们太慢了 我要投诉")
    assert any(APOLOGY.search(e["text"]) for e in angry.empathy)


def test_the_second_question_of_a_message_is_answered(engine):
    s = engine.suggest("能开发票吗 还有今天能发货吗")
    intents = [r["intent"] for r in s.replies[:3]]
    assert "invoice" in intents and "shipping_time" in intents, intents


def test_thanks_then_a_question_answers_the_question(engine):
    s = engine.suggest("谢谢 那什么时候发货")
    assert s.analysis.intent == "shipping_time"
    assert s.replies[0]["intent"] == "shipping_time"


def test_short_follow_ups_are_read_through_the_conversation(engine):
    ctx = ["customer:我买的耳机到哪了", "agent:亲 已经在路上了哦"]
    s = engine.suggest(Conversation.of("还没到", ctx))
    assert s.analysis.intent == "logistics" and s.analysis.used_context
    assert s.analysis.category == "数码配件"  # the goods named earlier still count
    wait = engine.suggest(Conversation.of("好的 那我再等等", ["customer:快递怎么还没到", "agent:亲 物流显示明天派送哦"]))
    assert wait.analysis.intent == "logistics"


def test_when_the_customer_sends_what_the_agent_asked_for_the_first_reply_says_it_is_being_checked(cue_engine):
    hold = cue_engine._holding_reply()
    assert hold is not None and "查" in hold["text"]
    asked = ["customer:我的快递怎么还没到", "agent:麻烦您提供一下订单号，我帮您查询"]
    s = cue_engine.suggest(Conversation.of("3254857712345678", asked))
    assert s.replies[0]["id"] == hold["id"] and "先回复在查" in s.replies[0]["why"]
    bare = cue_engine.suggest("[订单x]")
    assert bare.replies[0]["id"] == hold["id"]
    # a question is answered as a question, even right after the agent asked for the number
    q = cue_engine.suggest(Conversation.of("什么时候能退款到账", asked))
    assert q.replies[0]["id"] != hold["id"]


def test_a_customer_who_only_agrees_gets_the_short_confirmation_not_the_topic_again(engine):
    """好的亲 / 嗯嗯 / 可以啊 / 那我再等等 is agreement: the first reply is the plain 应一声好的 (tagged 确认), not one
    more answer about the refund or the parcel, and no promise to do something nobody agreed on.
    是的 answers a question, thanks closes the chat, and a name sent after the agent asked for it is
    something to look up."""
    ok = engine._tagged_reply("确认")
    assert ok is not None and ok["code"] == "ejhd" and "说好的" not in ok["text"]  # it promises nothing
    offer = ["customer:还没发货能取消吗", "agent:可以的 我这边帮您取消 退款原路退回"]
    for message in ("好的亲", "嗯嗯", "可以啊", "好吧 [姓名x]", "OK", "那好吧", "同意"):
        s = engine.suggest(Conversation.of(message, offer))
        assert s.replies[0]["id"] == ok["id"] and "应了一声" in s.replies[0]["why"], message
        assert s.hold is None, message
        assert len({r["id"] for r in s.replies}) == len(s.replies), message
    assert engine.suggest("嗯嗯").replies[0]["id"] == ok["id"]  # copied alone, with no chat above it
    # saying one will wait, look or try is going along too: no topic answer, no "收到，我这就帮您查"
    parcel = ["customer:我的快递到哪了", "agent:已经到您所在城市的网点了 预计明天送达"]
    for message in ("好的 那我再等等", "我看下", "好的，我试下", "那我再等等吧", "等一下"):
        s = engine.suggest(Conversation.of(message, parcel))
        assert s.replies[0]["id"] == ok["id"] and s.hold is None, message
    for message in ("我看下怎么退", "再等等还是不发货我就退款", "好的谢谢 我再等等"):
        assert engine.suggest(Conversation.of(message, parcel)).replies[0]["id"] != ok["id"], message
    for message in ("是的", "好的 谢谢", "好的 那什么时候发货", "可以退吗", "不行", "不同意"):
        assert engine.suggest(Conversation.of(message, offer)).replies[0]["id"] != ok["id"], message
    asked = ["customer:帮我改下收件人", "agent:好的 麻烦告诉我新的收件人姓名"]
    assert engine.suggest(Conversation.of("嗯 [姓名x]", asked)).replies[0]["id"] != ok["id"]


def test_a_customer_who_says_what_they_will_do_gets_the_plain_ok_first(engine):
    """好的,我明天去试试 / 那我先重新再买个吧 / 晚上发给你 / 重新下单了: the next step is the customer's, so
    the plain 好的 (tagged 确认) comes first, as for a bare agreement. A request, a question, a fact
    about the goods, or the same words copied alone with no chat above them are not that."""
    ok = engine._tagged_reply("确认")
    refund = ["customer:退款多久到账", "agent:一般1-3个工作日原路退回"]
    for message in ("好的,我明天去试试", "好的那我先重新再买个吧", "晚上发给你", "重新下单了", "操作好了"):
        s = engine.suggest(Conversation.of(message, refund))
        assert s.replies[0]["id"] == ok["id"] and s.hold is None, message
    for message in ("我已经申请退款了,麻烦你帮我退一下", "我先试试 不行怎么办？", "已经是2.5.8了呀"):
        assert engine.suggest(Conversation.of(message, refund)).replies[0]["id"] != ok["id"], message
    assert engine.suggest("重新下单了").replies[0]["id"] != ok["id"]


def test_a_customer_who_agrees_and_asks_to_get_on_with_it_gets_go_ahead_first(engine):
    """好的 务必务必 / 行 尽快吧 / 好的，你取消吧: the customer agreed with a plan and pushes for it.
    The first reply is 简短确认 (tagged 照办: "好嘞，按说好的办"), not the topic answered once more and
    not the holding reply. A question, thanks, sarcasm or a number the agent asked for is not that."""
    go = engine._tagged_reply("照办")
    assert go is not None and go["code"] == "ejok" and "说好的" in go["text"]
    offer = ["customer:还没发货能取消吗", "agent:可以的 我这边帮您取消 退款原路退回"]
    for message in ("好的 务必务必", "行  尽快吧  有点急", "好的，你取消吧", "OK,处理好了告诉我一声",
                    "好 务必催下今晚送到"):
        s = engine.suggest(Conversation.of(message, offer))
        assert s.replies[0]["id"] == go["id"] and "催办" in s.replies[0]["why"], message
        assert s.hold is None and not s.folded, message
        assert len({r["id"] for r in s.replies}) == len(s.replies), message
    for message in ("好的，是给豆子吧", "好的 那什么时候能退款", "好的谢谢 尽快哈", "好一个售后 赶紧退钱吧",
                    "好的亲", "好的 那我再等等", "好吧，那我看看吧等有货了再联系你们吧"):
        assert engine.suggest(Conversation.of(message, offer)).replies[0]["id"] != go["id"], message
    asked = ["customer:帮我改下收件人", "agent:好的 麻烦告诉我新的收件人姓名"]
    assert engine.suggest(Conversation.of("好的 [姓名x] 尽快吧", asked)).replies[0]["id"] != go["id"]


def test_praise_and_nothing_else_gets_thanked_first(engine):
    """Praise read as `other` or as a repair (售后师傅上门很快 点个赞, 宽带一会儿就修好了 真给力) gets
    回应夸奖 (tagged 夸奖) first, not "还在帮您确认" or an apology; praise with a question or a "but"
    in it, and thanks (read as thanks already), are not forced."""
    praise = engine._tagged_reply("夸奖")
    assert praise is not None and praise["code"] == "ejmy"
    for message in ("你们售后师傅上门很快 态度也很好 点个赞", "宽带一会儿就修好了 真给力"):
        s = engine.suggest(message)
        assert s.replies[0]["id"] == praise["id"] and "在夸" in s.replies[0]["why"], message
        assert not s.folded, message
    for message in ("东西不错 但是快递太慢了", "质量挺好的 什么时候上新款？", "很满意 谢谢", "我的快递到哪了",
                    "178 150斤 肩膀比较宽 喜欢穿宽松点的"):  # a size and a liking: not praise
        assert "在夸" not in engine.suggest(message).replies[0]["why"], message
    # praise before a question asked without 吗 or ？, or before a wish to buy again (thirty-fourth pass)
    for message in ("上次买的腊肠真好吃 这回味道没变吧", "那款保温杯很好用 还有货没", "床单很喜欢 今天能发不",
                    "质量不错 返现咋领", "很满意 这次想再拿两件"):
        s = engine.suggest(message)
        assert not s.replies or "在夸" not in s.replies[0]["why"], message


def _comes_first(engine, tag, code, context, why, messages):
    """The reply tagged ``tag`` (shipped as ``code``) comes first for each message after ``context``,
    with ``why`` in its reason; returns it."""
    row = engine._tagged_reply(tag)
    assert row is not None and row["code"] == code
    for message in messages:
        s = engine.suggest(Conversation.of(message, context))
        assert s.replies[0]["id"] == row["id"] and why in s.replies[0]["why"], message
    return row


def test_a_customer_chasing_a_lookup_is_told_where_it_stands(engine):
    """查好了吗 / 有结果了吗 / 还没有改好吗 after the agent said it would check: 查询稍久报进度 (tagged
    报进度) comes first. A question whether something can be found is not a chase, nor is a
    copied message with no chat above it. The tag is matched whole: 开票进度 (tagged 进度) is not it."""
    waiting = ["customer:帮我查下这单为什么还没发货", "agent:好的亲 正在为您核实，请稍等"]
    chase = _comes_first(engine, "报进度", "eqcjd", waiting, "进度",
                         ("你好，查好了吗", "有结果了吗?", "还没有改好吗", "那现在是什么处理情况"))
    for message in ("那站点的电话您能查到吗", "我的快递到哪了"):
        assert engine.suggest(Conversation.of(message, waiting)).replies[0]["id"] != chase["id"], message
    assert "问进度" not in engine.suggest("你好，查好了吗").replies[0]["why"]


@pytest.mark.parametrize("message", ["查到什么了", "有消息了没", "好了吗 还要等多久"])
def test_the_progress_reply_waits_until_someone_has_begun_to_look(engine, message):
    """"还在帮您确认，大概还要…" in a chat's first message reports a lookup nobody has begun: it is
    not shown then, anywhere in the list; once the agent has said they would check, it is."""
    progress = engine._tagged_reply("报进度")
    waiting = ["customer:帮我查下这单", "agent:好的 我看下"]
    assert progress["id"] in {r["id"] for r in engine.suggest(Conversation.of(message, waiting), limit=12).replies}
    assert progress["id"] not in {r["id"] for r in engine.suggest(message, limit=12).replies}


def test_a_customer_asking_if_anyone_is_there_in_a_running_chat_hears_that_the_agent_is(engine):
    """在么? / 还在吗 / 人呢 after the chat has begun asks whether the agent is still there: 人呢我在
    (tagged 人在) first, not the opening greeting's "请说，想了解商品还是订单". The same words opening
    a chat are a greeting, and a question after them is answered as a question."""
    waiting = ["customer:这单怎么还不能付款", "agent:小妹为您看看，您稍等哦"]
    here = _comes_first(engine, "人在", "ezzx", waiting, "有没有人", ("在么", "还在吗?", "人呢", "亲 在吗？"))
    assert engine.suggest("在么").replies[0]["id"] != here["id"]
    assert engine.suggest(Conversation.of("在么 我要退货", waiting)).replies[0]["id"] != here["id"]
    engine.STILL_THERE_FIRST = False
    assert "有没有人" not in engine.suggest(Conversation.of("在么", waiting)).replies[0]["why"]


def test_a_very_angry_customer_gets_the_apology_first_whatever_the_question(engine):
    """A rant about a bill read as a payment question gets 投诉先致歉 (tagged 先致歉) first, not the
    fee rules; the same question asked calmly gets the answer. Switched off, the rant gets no
    forced apology. Where no fee reply fits the rant, the apology is the best guess itself and
    still comes first, not folded away (twenty-fourth pass)."""
    sorry = engine._tagged_reply("先致歉")
    assert sorry is not None and sorry["code"] == "etsdq"
    rant = "你们是有多缺钱？月租25生生扣了我45块！！坑爹"
    s = engine.suggest(rant)
    assert s.analysis.intent != "complaint" and s.analysis.emotion == "angry"
    assert s.replies[0]["id"] == sorry["id"] and "生气" in s.replies[0]["why"]
    assert engine.suggest("这个月话费怎么扣了45").replies[0]["id"] != sorry["id"]
    assert not s.folded
    engine.APOLOGY_FIRST_AT = None
    assert "生气" not in engine.suggest(rant).replies[0]["why"]


def test_the_apology_asks_for_nothing_already_given_and_waits_for_a_taken_back_review(engine):
    """Forty-third pass: 投诉先致歉 no longer asks a customer who has sent the video three times for
    photos or to say it all again; and neither path shows it to a customer who typed their own
    address wrong (地址写错了！！) or wants to take back a bad review (差评怎么改), even read as angry."""
    sorry = engine._tagged_reply("先致歉")
    assert not any(w in sorry["text"] for w in ("照片", "补充", "再说", "重复"))
    rant = "视频都发三次了 每次都让我重拍 你们就是想拖着不处理吧 我要求赔偿 不然直接平台介入"
    assert sorry["id"] in [r["id"] for r in engine.suggest(rant).replies]
    for msg in ("刚拍的地址写错了！！改成 江苏省苏州市吴中区木渎镇金山路88号 王丽 13962158847 还没发货吧",
                "之前气头上给了个差评！！现在收到补发的了 差评怎么改啊 找不到入口"):
        assert sorry["id"] not in [r["id"] for r in engine.suggest(msg).replies], msg


def test_a_reply_that_would_check_waits_when_the_agent_has_just_said_it(engine):
    """Forty-third pass: 礼品包装 goes to check whether a gift box or bag can be had; where the agent
    has just said there is one (有礼盒装, 可以帮您装礼盒), it waits (`unless` words written 客服:…
    count only in the agent's turns), and a customer asking the same gets it. A gift that arrived
    broken (口红断了) gets no wrapping reply; a courier that will not deliver to a remote village is
    no question of remote postage (偏远地区运费 waits)."""
    def codes(msg, *turns):
        return _codes(engine.suggest(_chat(msg, *turns)))
    assert "bbz" in codes("有礼盒吗 送人的")
    assert "bbz" in codes("那帮我装礼盒吧 送人的", ("customer", "有礼盒吗 送人的"))
    assert "bbz" not in codes("太好了 那帮我装礼盒 再写张卡片 就写 宝贝生日快乐 落款小胖",
                              ("customer", "可以装礼盒吗"), ("agent", "亲 可以帮您装礼盒的哦 需要另加5元~"))
    assert "bbz" not in codes("那就礼盒装 别放价格单 再帮忙写个卡片 生日快乐就行",
                              ("customer", "这个护膝适合送男朋友吗"), ("agent", "适合的亲 我们有礼盒装哦~"))
    assert "bbz" not in codes("口红断了!! 刚拆开就断在管子里 你们怎么包装的 准备送人的 现在还怎么送")
    assert "bpy" in codes("西藏能发吗 偏远地区运费多少")
    assert "bpy" not in codes("快递说村里不送 让我去镇上自提 二十多公里啊 说是偏远地区 你们能跟快递说说吗")


def test_refund_replies_wait_once_the_agent_said_the_refund_is_done_and_no_order_report_before_buying(engine):
    """Forty-third pass: 未发货仅退款 (apply for a refund) and 退货签收后退款 (we refund once the
    return is signed for) wait once the agent has said the refund went out; a customer asking the
    same before any such word still gets them. 预计送达日期 reports on an order: "拍了几天能到"
    (once I order) has none."""
    def codes(msg, *turns):
        return _codes(engine.suggest(_chat(msg, *turns)))
    done = ("agent", "亲退款已经处理了哦 原路退回~")
    for msg in ("原路是退哪里 我付款用的花呗 怎么支付宝余额里没看到 啥意思", "退款只退了120 我付的是159元 剩下的呢？？？"):
        assert not {"djtk", "dcksh"} & set(codes(msg, ("customer", "退款好了没"), done)), msg
    assert "djtk" in codes("还没发货 我不想要了 怎么退款")
    assert "ajqsd" not in codes("拍了大概几天能到啊 江西赣州的")
    assert "ajqsd" not in codes("我在黑龙江齐齐哈尔 拍了要几天到啊")


def test_a_transit_damage_reply_waits_until_someone_says_the_goods_arrived_broken(cue_engine):
    """破损请拍照 / 破损补发或退款 presuppose broken goods (their `needs` words): a device fault
    does not get them; a breakage in the message or an earlier turn does."""
    transit = {"dpspz", "dbfxz"}
    fault = cue_engine.suggest("手机用了两天就充不进电了 怎么回事", limit=12)
    assert fault.analysis.intent == "damaged_defect"
    assert not transit & {r["code"] for r in fault.replies}
    broken = cue_engine.suggest("杯子收到就碎了", limit=12)
    assert transit & {r["code"] for r in broken.replies}
    later = cue_engine.suggest(Conversation.of("能给我补发一个吗", ["customer:快递到了 盒子压扁了 杯子也裂了"]), limit=12)
    assert "dbfxz" in {r["code"] for r in later.replies}
    # a message typed with spaces between words still says it (杯子 碎 了 → 碎了)
    spaced = cue_engine.suggest("杯子 收到 就 碎 了", limit=12)
    assert transit & {r["code"] for r in spaced.replies}


def test_a_tracking_number_is_given_only_when_someone_asks_for_it(cue_engine):
    """告知快递单号 (cwldh) states the parcel left with a carrier: "has it shipped?" must not get it."""
    shipped = cue_engine.suggest("我的快递发货了吗 怎么还没动静", limit=12)
    assert "cwldh" not in {r["code"] for r in shipped.replies}
    asked = cue_engine.suggest("快递单号发我一下", limit=12)
    assert asked.replies[0]["code"] == "cwldh"


def test_a_parcel_shows_as_delivered_only_when_someone_says_so(cue_engine):
    """显示签收未收到 (cwsd) takes for granted that the tracking says delivered: a plain "not here
    yet" gets the tracking replies instead; "显示签收了" gets it."""
    late = cue_engine.suggest("快递怎么还没到 都好几天了", limit=12)
    assert "cwsd" not in {r["code"] for r in late.replies}
    signed = cue_engine.suggest("显示签收了 可我根本没收到", limit=12)
    assert "cwsd" in {r["code"] for r in signed.replies[:3]}


def test_the_top_three_come_from_intents_the_reader_finds_likely(cue_engine):
    """Slots 2 and 3 go to the runner-up intents the reader gives some probability, not to a reply
    of an intent it all but rules out (which used to win a slot only for being of another intent)."""
    s = cue_engine.suggest("退款什么时候到账", limit=3)
    likely = {k for k, p in s.analysis.intent_scores.items() if p >= cue_engine.UNLIKELY}
    assert len(likely) > 1  # an uncertain reading: the runner-ups do compete
    assert s.replies[0]["intent"] == "refund"
    assert {r["intent"] for r in s.replies} <= likely


def test_an_unsure_answer_gets_a_hold_line_above_it_where_judges_prefer_one(cue_engine):
    """The 先回复 line: "收到，我这就帮您查" on a line of its own when the best answer scores under
    HOLD_BELOW, for every intent but thanks and complaints (NO_HOLD_INTENTS)."""
    hold = cue_engine._holding_reply()
    s = cue_engine.suggest("买的东西有问题")
    assert s.analysis.intent not in cue_engine.NO_HOLD_INTENTS and s.replies
    top = s.replies[0]["score"]
    cue_engine.HOLD_BELOW = top + 0.01  # the best answer is not sure enough
    s = cue_engine.suggest("买的东西有问题")
    assert s.hold is not None and s.hold["id"] == hold["id"] and "查" in s.hold["filled"]
    assert s.replies[0]["id"] != hold["id"], "the answers keep their places below the line"
    assert s.as_dict()["hold"] == s.hold
    cue_engine.HOLD_BELOW = top  # a sure enough answer needs no holding line
    assert cue_engine.suggest("买的东西有问题").hold is None
    # thanks or a complaint get their answers, never a holding line, however unsure
    cue_engine.HOLD_BELOW = 10.0
    for message in ("好的 谢谢啦", "你们什么态度 我要投诉"):
        s = cue_engine.suggest(message)
        assert s.analysis.intent in cue_engine.NO_HOLD_INTENTS and s.hold is None, message
    # a price question does, when no answer is sure (nineteenth pass: judges preferred it there too)
    s = cue_engine.suggest("有没有优惠券可以用")
    assert s.analysis.intent == "price_discount" and s.hold is not None and s.hold["id"] == hold["id"]
    # when the holding reply is already first (the customer sent what was asked), no second copy
    asked = ["customer:我的快递怎么还没到", "agent:麻烦您提供一下订单号，我帮您查询"]
    given = cue_engine.suggest(Conversation.of("3254857712345678", asked))
    assert given.replies[0]["id"] == hold["id"] and given.hold is None


def test_the_evaluation_counts_the_hold_line_as_the_first_thing_the_agent_sees(cue_engine):
    from assistant.evaluate import evaluate

    cue_engine.HOLD_BELOW = 10.0
    cue_engine.FOLD_BELOW = 0.0  # the answers stay in view under the line
    s = cue_engine.suggest("买的东西有问题")
    hold, top = s.hold["code"], s.replies[0]["code"]
    item = {"message": "买的东西有问题", "intent": s.analysis.intent, "answers": [hold], "harmful": [top]}
    res = evaluate(cue_engine, [item])
    assert res["answer@1"] == 0.0 and res["harmful@1"] == 1
    assert res["first_line@1"] == 1.0 and res["first_line_harmful"] == 0 and res["hold_shown"] == 1.0
    assert res["top_unjudged"] == 0 and res["first_line_unjudged"] == 0


def test_unsure_answers_are_folded_under_the_hold_line_and_count_as_not_offered(cue_engine):
    """Under the 先回复 line, answers scoring below FOLD_BELOW are folded: the holding reply stands
    alone, the answers stay in the list for the sidebar to show on request, and the evaluation
    counts no top reply (neither sendable nor harmful) for such a message."""
    from assistant.evaluate import evaluate

    cue_engine.HOLD_BELOW = 10.0
    s = cue_engine.suggest("买的东西有问题")
    top, code = s.replies[0]["score"], s.replies[0]["code"]
    cue_engine.FOLD_BELOW = top  # the best answer scores exactly the threshold: shown
    s = cue_engine.suggest("买的东西有问题")
    assert s.hold is not None and not s.folded
    item = {"message": "买的东西有问题", "intent": s.analysis.intent, "answers": [code], "harmful": []}
    assert evaluate(cue_engine, [item])["answer@1"] == 1.0
    cue_engine.FOLD_BELOW = top + 0.01
    s = cue_engine.suggest("买的东西有问题")
    assert s.folded and s.as_dict()["folded"] is True
    assert s.replies[0]["code"] == code, "folded answers keep their order for the sidebar to show"
    res = evaluate(cue_engine, [item])
    assert res["answer@1"] == 0.0 and res["folded"] == 1.0 and res["top_unjudged"] == 0
    assert evaluate(cue_engine, [dict(item, answers=[], harmful=[code])])["harmful@1"] == 0
    assert res["first_line@1"] == 0.0 and res["hold_shown"] == 1.0  # the 先回复 line is the first line
    # a reply the agents keep picking (the learned prior, over its in-rank share) can lift the best
    # answer over the threshold: then it is in view again
    # (past the 0.25 the prior adds inside the ranking: the rest is added after it)
    cue_engine.FOLD_BELOW = top + 0.3
    cue_engine.set_prior(lambda ids, intent, platform: {i: 1.0 for i in ids}, weight=1.0)
    s = cue_engine.suggest("买的东西有问题")
    assert s.replies[0]["score"] >= top + 0.3 and not s.folded and s.hold is not None
    # and over HOLD_BELOW the 先回复 line goes too, and with it any fold (FOLD_INTENTS fold under it)
    cue_engine.HOLD_BELOW = top + 0.3
    s = cue_engine.suggest("买的东西有问题")
    assert s.hold is None and not s.folded
    cue_engine.HOLD_BELOW = 10.0
    cue_engine.set_prior(None)
    # no holding line, nothing folded: a complaint keeps its apology however unsure
    cue_engine.FOLD_BELOW = 10.0
    s = cue_engine.suggest("你们什么态度 我要投诉")
    assert s.hold is None and not s.folded and s.replies


def test_unsure_payment_cancel_and_membership_answers_are_folded_at_any_score(cue_engine):
    """Under the 先回复 line, answers for payment, cancelling and membership presume an order
    state or push a perk: folded however the ranker scores them; other intents' are not."""
    cue_engine.HOLD_BELOW, cue_engine.FOLD_BELOW = 10.0, -10.0  # every answer unsure, none by score
    for message in ("怎么付款啊", "我想取消订单", "会员积分怎么算"):
        s = cue_engine.suggest(message)
        assert s.analysis.intent in cue_engine.FOLD_INTENTS and s.hold is not None and s.folded, message
    s = cue_engine.suggest("买的东西有问题")
    assert s.analysis.intent not in cue_engine.FOLD_INTENTS and s.hold is not None and not s.folded
    cue_engine.HOLD_BELOW = -10.0  # a sure answer: no 先回复 line, nothing folded
    s = cue_engine.suggest("我想取消订单")
    assert s.hold is None and not s.folded and s.replies


def test_the_evaluation_says_how_many_top_replies_nobody_has_judged(cue_engine):
    """A top reply with no verdict counts as not sendable; `top_unjudged` says how often that
    happened, and a "neither" verdict counts as judged."""
    from assistant.evaluate import evaluate

    cue_engine.FOLD_BELOW = 0.0  # a top in view, not folded away
    s = cue_engine.suggest("买的东西有问题")
    top = s.replies[0]["code"]
    item = {"message": "买的东西有问题", "intent": s.analysis.intent, "answers": [], "harmful": []}
    assert evaluate(cue_engine, [item])["top_unjudged"] == 1
    res = evaluate(cue_engine, [dict(item, neither=[top])])
    assert res["top_unjudged"] == 0 and res["answer@1"] == 0.0 and res["harmful@1"] == 0


def test_replies_for_one_occasion_or_one_kind_of_goods_wait_for_it(cue_engine):
    """节日礼盒推荐 names Mother's Day and 茶叶产地 tea: a generic gift or origin question does not
    get them (those phrasings describe the intent, not the reply); the occasion or the goods do."""
    assert "bmq" not in _codes(cue_engine.suggest("三八节送啥", limit=12))
    assert "bmq" in _codes(cue_engine.suggest("母亲节送妈妈什么好", limit=12))
    assert "acyxx" not in _codes(cue_engine.suggest("产地是哪里", limit=12))
    assert "acyxx" in _codes(cue_engine.suggest("这个茶叶产地是哪里", limit=12))


PAY_HOWTO = {"chbfq", "cdf", "cxyhf", "clpks", "cdgfk", "chdfk"}  # 花呗分期, 代付, 先用后付, 礼品卡, 对公, 货到付款


def test_a_charge_complaint_gets_no_how_to_pay_reply(cue_engine):
    """How-to-pay replies (instalments, someone else pays, pay later, gift cards, company payment)
    answer a question about paying, not a bill the customer disputes (seventeenth pass)."""
    for message in ["这个月账单怎么多了三十块钱", "话费怎么又多扣了我二十块 你们给个说法"]:
        s = cue_engine.suggest(message, limit=12)
        assert s.replies
        assert not _codes(s) & PAY_HOWTO, (message, _codes(s) & PAY_HOWTO)
    # the same replies still come for their own questions
    assert "chbfq" in _codes(cue_engine.suggest("能花呗分期吗", limit=12))
    assert "cdf" in _codes(cue_engine.suggest("能让我老公帮我付吗", limit=12))
    assert "cxyhf" in _codes(cue_engine.suggest("可以先用后付吗", limit=12))


def test_narrow_topic_replies_wait_for_their_topic(cue_engine):
    """会员日, 招聘, 批发代理, 企业采购 and 两款对比 each answer one topic; a message on another
    topic of the same intent does not get them."""
    assert "ehyr" in _codes(cue_engine.suggest("会员日是哪天", limit=12))
    member = cue_engine.suggest("我的会员怎么突然没了", limit=12)
    assert "ehyr" not in _codes(member)
    assert "eqzp" in _codes(cue_engine.suggest("你们还招客服吗", limit=12))
    assert "eqpf" in _codes(cue_engine.suggest("想拿货 批发价多少", limit=12))
    unclear = cue_engine.suggest("那怎么办呢", limit=12)
    assert not _codes(unclear) & {"eqzp", "eqpf", "eqtg"}


def test_replies_for_one_change_or_one_offer_wait_for_it(cue_engine):
    """换颜色, 拍下改价, 老客新客 and 满减凑单 each answer one request (nineteenth pass: 142 more
    replies wait for their topic): a size change or a coupon question does not get them."""
    # (能换成黑色的吗 names the colour: 确认改颜色 answers it, not 换颜色, which asks which; thirty-fourth pass)
    for code, other, own in [("dhys", "我想换个大一码的", "收到的颜色不喜欢 能换个颜色吗"),
                             ("apxgj", "有优惠券吗", "能帮我改下价吗"),
                             ("alkxk", "这个有满减吗", "老顾客有优惠吗"),
                             ("amjcd", "有优惠券吗", "满减怎么凑单")]:
        assert code not in _codes(cue_engine.suggest(other, limit=12)), (code, other)
        assert code in _codes(cue_engine.suggest(own, limit=12)), (code, own)


def test_loose_topic_words_no_longer_open_a_narrow_reply(cue_engine):
    """充电类故障排查, 企业批量采购 and 收到图片问需求 had topic words that any mention passed
    (充电, 公司, 图): a phone that will not start while charging, a signal complaint near the
    carrier's office and a post about "图片评论" got them (twentieth pass)."""
    for code, other, own in [("dsmpc", "充电的时候呼吸灯是有反应,但是开不了机", "冲不进电 插上一点反应都没有"),
                             ("eqtg", "家就住在离联通公司500米的地方信号差得要命", "单位要买50个 能优惠吗"),
                             ("eqtp", "图片评论 我怀疑是我们这块的基站有问题", "[图片]")]:
        assert code not in _codes(cue_engine.suggest(other, limit=12)), (code, other)
        assert code in _codes(cue_engine.suggest(own, limit=12)), (code, own)


def test_a_reply_the_agents_keep_choosing_passes_its_topic_gate(cue_engine):
    """What a shop's agents send says the topic fits: a reply they picked for most messages of the
    intent (a learned prior of NEEDS_LEARNED or more) is offered without its `needs` words."""
    alkxk = cue_engine.conn.execute("SELECT id FROM replies WHERE code='alkxk'").fetchone()[0]
    assert alkxk not in {r["id"] for r in cue_engine.suggest("这个有满减吗", limit=12).replies}
    cue_engine.set_prior(lambda ids, intent, platform: {alkxk: cue_engine.NEEDS_LEARNED - 0.1})
    assert alkxk not in {r["id"] for r in cue_engine.suggest("这个有满减吗", limit=12).replies}
    cue_engine.set_prior(lambda ids, intent, platform: {alkxk: 0.9})
    assert alkxk in {r["id"] for r in cue_engine.suggest("这个有满减吗", limit=12).replies}


def test_small_talk_is_not_offered_for_an_order_number(cue_engine):
    """闲聊回应 answers small talk; a message carrying an order number or a name is business."""
    assert "eqlt" in _codes(cue_engine.suggest("好无聊 陪我聊会呗", limit=12))
    for message in ["订单号[ORDERID_10006434]", "[订单x] 在吗"]:
        assert "eqlt" not in _codes(cue_engine.suggest(message, limit=12)), message


def test_small_talk_is_not_offered_for_a_question_a_fault_or_a_wish(cue_engine):
    """A post that asks, reports a fault or wishes for a feature is not small talk, even when the
    reader calls it `other` (twentieth pass); praise and chit-chat still get 闲聊回应."""
    for message in ["好无聊 陪我聊会呗", "一麻一辣还真心不错！居然还遇到熟人"]:
        assert "eqlt" in _codes(cue_engine.suggest(message, limit=12)), message
    for message in ["小区地下室完全没有信号,请过来装个天线", "能不能考虑加个字体变大功能",
                    "还能参加内测吗", "望京阜荣街15号院3号楼"]:
        assert "eqlt" not in _codes(cue_engine.suggest(message, limit=12)), message


def test_no_membership_or_coupon_pitch_to_an_upset_customer(cue_engine):
    """Joining, member perks, returning-buyer perks and coupons are a pitch (tagged 推销): a calm
    question gets them, an angry customer who names them does not (seventeenth pass)."""
    pitches = {r[0] for r in cue_engine.conn.execute("SELECT code FROM replies WHERE tags LIKE '%推销%'")}
    assert {"ehyrh", "elgk", "alqxd"} <= pitches
    assert "elgk" in _codes(cue_engine.suggest("我是老顾客了 有啥福利", limit=12))
    angry = cue_engine.suggest("我都是你们老顾客了 会员还这么对我 气死我了 什么破服务", limit=12)
    assert cue_engine.is_upset(angry.analysis)
    assert angry.replies and not _codes(angry) & pitches


def test_a_top_reply_that_only_asks_what_is_meant_still_gets_the_hold_line(cue_engine):
    """"没太看明白您的意思" is no answer however sure the ranker is: the 先回复 line shows above it,
    and the answers are folded (eighteenth pass)."""
    conv = Conversation.of("嗯？ 看不懂", ["agent:亲 这款是预售的哦"])
    s = cue_engine.suggest(conv, limit=12)
    assert s.analysis.intent not in cue_engine.NO_HOLD_INTENTS and s.replies[0]["code"] == "eqdy"
    cue_engine.HOLD_BELOW = -10.0  # every answer counts as sure
    line = cue_engine.hold_line(s.analysis, conv, s.replies, {})
    assert line is not None and line["code"] == cue_engine._holding_reply()["code"]
    assert cue_engine.suggest(conv).hold is not None
    # and it is folded away with any unsure guesses, however sure: it answers nothing
    cue_engine.FOLD_BELOW = -10.0
    assert cue_engine.suggest(conv).folded
    other = [r for r in s.replies if r["code"] != "eqdy" and r["id"] != line["id"]]
    assert other and cue_engine.hold_line(s.analysis, conv, other, {}) is None


@pytest.mark.parametrize("message, denied, allowed, code", [
    ("还能拍吗", "agent:这款暂时没货了亲", "agent:这款是现货的亲", "axhkp"),        # 现货可拍
    ("那就取消吧", "agent:您的包裹已经发出了", "agent:您的订单还在仓库", "cqxwf"),   # 未发货取消
    ("那能开吗", "agent:这个商品不支持开发票哦", "agent:您下单时选电子发票就行", "bkp"),  # 可以开票
])
def test_a_reply_is_not_offered_when_the_conversation_denies_what_it_asserts(cue_engine, message, denied, allowed, code):
    """A reply's `unless` words: 现货可拍 after "没货了", 未发货取消 after "已经发出了", 可以开票
    after "不支持开发票" would tell the customer the opposite of what they were just told."""
    assert code in _codes(cue_engine.suggest(Conversation.of(message, [allowed]), limit=12))
    assert code not in _codes(cue_engine.suggest(Conversation.of(message, [denied]), limit=12))


def test_an_either_or_question_does_not_count_as_a_denial(cue_engine):
    """有没有货 and 能不能开 ask; the 没有货 and 不能开 inside them deny nothing."""
    assert "axhkp" in _codes(cue_engine.suggest("这款还有没有货", limit=12))
    assert "bkp" in _codes(cue_engine.suggest("能不能开发票", limit=12))


@pytest.mark.parametrize("said,word,states", [
    ("这款有货没货啊", "没货", False),      # 有 + noun, then 没 + noun: a question
    ("快递到底到没到", "没到", False),      # a verb repeated round 没: a question
    ("还待发货 没货就直说", "没货就直说", True),  # 发货 then 没货 (forty-eighth pass): a statement
    ("充了一晚上电没电了", "没电", True),
])
def test_a_noun_after_mei_is_a_question_only_with_you_before_it(said, word, states):
    """发货没货 looks like 货没货 but says 没货: after 没, a noun's A-not-A question needs 有."""
    assert text.states_any(text.normalize(said), [word]) is states


def test_no_stock_said_right_after_fahuo_is_a_statement(cue_engine):
    """缺货延迟发货 (这批刚好断货) waits for 没货就直说 even right after 发货 (还待发货没货就直说)."""
    assert "cqhyc" in _codes(cue_engine.suggest("这批货缺货了吗 什么时候有", limit=12))
    assert "cqhyc" not in _codes(cue_engine.suggest("拍了四天了还待发货 没货就直说", limit=12))


def test_thanks_with_a_question_is_read_as_the_question(engine):
    """谢谢 那什么时候发货 (the issue's example) and 好嘞谢谢 大概几天能到: the question needs the answer;
    a plain thanks still closes."""
    for message in ("谢谢亲 那这件大概几天能到啊", "好嘞谢谢 那你们几号能发货"):
        s = engine.suggest(message)
        assert s.analysis.intent != "thanks_bye", message
        assert s.replies[0]["intent"] != "thanks_bye", message
        assert all(r["intent"] != "thanks_bye" for r in s.replies), message  # no "不客气" under it either
    assert engine.suggest("好的谢谢亲").analysis.intent == "thanks_bye"
    assert engine.analyzer.thanks_and_asks("谢谢宝 之前给了个差评 现在能改吗")
    assert not engine.analyzer.thanks_and_asks("好的谢谢，有问题再找你")
    # … and so is a thanks with a request in it: the request needs doing (forty-first pass)
    for message in ("谢谢哈 麻烦帮我改下收货电话", "谢谢亲 快递单号发我一下"):
        assert engine.analyzer.thanks_and_asks(message), message
        s = engine.suggest(message)
        assert s.analysis.intent != "thanks_bye", message
        assert all(r["intent"] != "thanks_bye" for r in s.replies[:3]), message
    assert not engine.analyzer.thanks_and_asks("谢谢 麻烦你了")
    # a lone surrogate (a broken paste) is not text: dropped, not an encoding error
    assert engine.analyzer.thanks_and_asks("谢谢\ud800 那几号发货")
    assert engine.suggest("0\ud800").warnings is not None


def test_go_ahead_and_asks_what_is_meant_are_not_offered_under_a_real_question(cue_engine):
    """好嘞，按说好的办 answers no question; 没太看明白您的意思 under an answer says the answer is a guess."""
    go_ahead, unclear = cue_engine._tagged_reply("照办"), "eqdy"
    agree = cue_engine.suggest(Conversation.of("行 那你尽快帮我改吧", ["agent:那我帮您改成L码可以吗"]))
    assert agree.replies[0]["code"] == go_ahead["code"]
    for message in ("有赠品吗 送的是哪几个小样", "这个能合并一起发吗", "面膜一盒几片", "能便宜点不"):
        s = cue_engine.suggest(message, limit=12)
        assert go_ahead["code"] not in _codes(s), message
        assert all(r["code"] != unclear for r in s.replies[1:]), message


@pytest.mark.parametrize("message, code", [
    ("大概几天能到 我在新疆乌鲁木齐", "ajtnd"),      # 几天能到 asks the city
    ("寄上海大概几天能到啊", "ajtnd"),
    ("拖鞋拿多大码合适 我平时穿41 脚背高", "axwsc"),  # 询问身材 asks the usual size
    ("我家床是1.8x2.0的 床垫挺厚有25公分 床笠能包住吗", "acpcc"),  # 床品尺寸 asks the bed size
    ("能帮我备注下不要放发票吗", "cjbz"),                    # 添加备注 asks what to note
    ("雾霾蓝 码数不变 帮我备注一下哈", "cjbz"),              # ... said before the request
    ("帮我备注一下 车厘子下午两点以后再送", "cjbz"),          # ... or after it
    ("老公腰围2尺6 这条西裤拿哪个码合适", "axwsc"),           # 询问身材 asks height and weight: a measure is given
    ("孩子一年级 120cm 四十多斤 拿哪个码", "axwsc"),          # a child's height and weight
    ("主要上班通勤穿 这两款阔腿裤哪个好", "bxq"),             # 先问需求 asks where it is worn
    ("给爸妈买电饭煲 哪个好", "bxq"),                         # ... and who it is for
    ("一家三口用 3.5升和5升的空气炸锅哪个合适", "bxq"),        # ... the household (twenty-seventh pass)
    ("刚拍的颜色选错了 要胡桃色 帮我改下", "cgys"),            # 改颜色 asks which colour
    ("发票抬头写错了 是杭州木森贸易有限公司 麻烦重开一张", "bcsk"),  # 开错重开 asks the title
    ("能帮忙写张贺卡不 写生日快乐就行", "bhk"),                # 手写贺卡 asks the words
    ("这款洗面奶有没有酒精和香精 我是敏感肌", "ahfcf"),        # 护肤成分 asks which to avoid
    ("送宝宝满月的 附张卡片写 祝小橙子平安长大", "bhk"),        # 手写贺卡 asks the words (twenty-ninth pass)
    ("黄黑皮 混油 130和140纠结死了 选哪个", "bxq"),            # ... the skin (twenty-ninth pass)
    ("孩子腰围细 身高145 买150会不会太长", "axwsc"),           # a child's height alone picks a child's size
    ("发票抬头少了个字 是宁波恒信五金商行 不是恒信五金行 能重开吗", "bcsk"),  # the right title, given with the wrong one
    # thirty-ninth pass: the device's model, named (接口兼容 and 机型暂无 ask for it)
    ("这个Type-C转接头我华为mate20能用不", "ajkjr"),
    ("这个线iphone13能用吗", "ajkjr"),
    ("没有我的型号咋办 我是红米note12", "ajxzw"),
])
def test_a_reply_does_not_ask_for_the_city_size_or_bed_just_given(cue_engine, message, code):
    without = {"ajtnd": "大概几天能到啊", "axwsc": "拖鞋拿多大码合适", "acpcc": "床笠能包住床垫吗",
               "cjbz": "能帮我在订单上加个备注吗", "bxq": "推荐一下呗 有什么好的", "cgys": "能帮我换个颜色吗",
               "bcsk": "发票抬头开错了 能重开吗", "bhk": "能帮忙写张贺卡吗", "ahfcf": "这款洗面奶什么成分",
               "ajkjr": "这个线我的手机能用吗", "ajxzw": "没有我的型号咋办"}[code]
    assert code in _codes(cue_engine.suggest(without, limit=20)), without
    assert code not in _codes(cue_engine.suggest(message, limit=20))


@pytest.mark.parametrize("message, looked, code", [
    ("显示已签收 我根本没收到啊", "显示已签收 我根本没收到啊 谁签的??", "cwsd"),  # asks to check the doorman
    ("物流一直不动 是不是丢了", "物流三天没动了 一直卡在转运中心 是不是丢了", "cwlbg"),  # "wait 48 hours"
    ("口红拆封了还能退吗", "口红买错色号了 还没拆封 能退吗", "dbzc"),  # "opened cosmetics: no free return"
    ("你是不是机器人", "又是机器人 转人工!!! 我要真人", "ezrkf"),  # "我是真人客服" after a bot's replies
    ("你是不是机器人", "别让机器人回了 转人工 我要跟真人说", "ezrkf"),
    # replies that presume a state the message denies or that is not there yet
    ("东西收到了 物流还没显示签收", "显示签收了 我根本没收到啊", "cshwx"),  # "东西收到就好"
    ("少了一件 只收到两个", "洗发水漏了一半 盒子里全是", "dlfhs"),  # a leak is no missing item
    ("不想要了能退吗 没拆", "内裤拆了包装还能退吗 没穿过", "dqtwl"),  # hygiene goods
    ("明天能送到吗", "今天下单明天能到上海吗", "ajqsd"),  # "您这单目前…": nothing is ordered yet
    ("五星好评写好了", "好评返现还有吗 晒图评价写好了 截图发给谁", "egxpj"),  # cash back, not thanks
    ("买了半个月了还能退吗", "能七天无理由退吗", "dcqth"),  # "签收超过7天": the days have not passed
    ("运费怎么这么贵", "新疆包邮吗 偏远地区运费要加多少", "byf"),  # "您这单目前运费是…"
    ("赶紧给我发货", "已发货了吗 能不能明天到", "ccfh"),  # chasing the warehouse after shipping
    ("电子发票在哪下载", "找不到啊 订单详情里根本没这个按钮", "bckp"),  # "在订单详情页点…": not there
    ("明天能送到吗", "充电宝今天下午拍能发出来吗", "ajqsd"),  # not bought yet
    ("店铺券怎么领", "店铺券我领不到啊 点了没反应", "alqxd"),  # "点领取…": tried already
    ("什么时候补货 一直没货", "每次都说今天发 你们是不是根本没货", "cqhyc"),  # "刚好断货": only suspected
    # twenty-seventh pass
    ("预售的什么时候发", "预售要这么久 那算了 还没发就直接取消吧", "cysfh"),  # the customer cancels
    ("显示已签收 我根本没收到啊", "显示签收了 打开一看盒子里少了赠品", "cwsd"),  # the parcel came
    ("我要发微博曝光你们", "我在微博上问了三次了 你们到底什么时候修好", "etbg"),  # 微博 said in passing
    ("能开发票吗", "发票在哪里可以看到", "bkp"),  # 可以开票 answers whether, not where
    ("你们收到礼盒要包装一下吗", "礼盒压扁了 盒子全变形了", "bbz"),  # a damaged box, not wrapping
    ("活动买的怎么还没发货", "拍了三天了还没发货 订单号3698214750236618847", "cdcfh"),  # 618 inside an order number
    ("你是机器人吗", "别老发这种自动回复了 转人工", "ezrkf"),  # "我是真人" after automatic answers
    ("没货了 到货能通知我吗", "这款有现货吗 有的话我直接拍", "adhtx"),  # a restock alert needs a shortage
    # thirty-fourth pass: "把新的收件人、电话和地址发我" once the phone or the address is in the message
    ("还没发货 地址能改吗", "还没发货 收件电话换成13712345678", "cxgdz"),
    ("还没发货 地址能改吗", "地址写错了 改成 浙江省嘉兴市南湖区中山路", "cxgdz"),
    # ... and "您告诉我想换哪个颜色" once it is said, or to a customer who wants to return the goods
    ("收到的颜色不喜欢 能换个颜色吗", "收到的颜色不喜欢 黑的换成白的可以吗", "dhys"),
    ("收到的颜色不喜欢 能换个颜色吗", "收到的颜色不喜欢 想退", "dhys"),
    # ... and 七天无理由 for goods it may not cover: bought by proxy, made to order, glasses fitted
    ("不想要了 没拆 能退吗", "代购的包不想要了 没拆 能退吗", "dqtwl"),
    ("不想要了 没拆 能退吗", "定做的门帘不想要了 没拆 能退吗", "dqtwl"),
    # thirty-fifth pass: a general snack list for a customer who weighs two goods by name
    ("想囤点零食 办公室吃 推荐几样", "办公室囤零食 坚果和肉脯哪个好", "bls"),
    # thirty-sixth pass: return steps for a return that was refused or that a condition rules out
    ("怎么退货 步骤是啥", "裙子洗过一次了 还能退吗", "dthlc"),
    ("不想要了 怎么退货 走什么流程", "你们说不支持退 那我自己寄回去行吗", "dthlc"),
    ("净水器一直报错E3 怎么处理", "真丝裙子怎么洗 能机洗吗", "bgzzc"),  # a fault check needs a fault
    # ... price-protection steps after the shop said this price is not protected
    ("昨天买的今天降价了 能退差价吗 核价结果出来没", "直播间价不支持价保？那差价总得退我吧", "dkybc"),
    ("价保怎么申请", "不参与价保？那怎么申请退差价", "dbjlc"),
    ("东西坏了 什么破质量", "视频发你了 你自己看 什么破质量", "dqdj"),  # "还没拍照的话…": it is sent
    ("拍错了 不要了 帮我取消", "已经发出了？那我拒收 不要了", "cqxyy"),  # nothing left to change
    ("找不到申请售后的按钮 你帮我弄下", "我已经申请了 你帮我看下", "ddtsh"),  # applied already
    ("开的普票能换成专票吗", "公司买的 要开增值税专票 抬头税号发你", "bzphk"),  # no invoice issued yet
    ("赶紧给我发货", "拍错颜色了 还没发吧 帮我改一下", "ccfh"),  # a change, not a push to ship
    ("没别的问题了 谢谢", "辛苦你了", "ejsc"),  # a goodbye pitch while something is still being done
    # thirty-seventh pass: how to measure a foot for a customer who gave the length
    ("这双鞋怎么量脚长 拍几码", "孩子脚长20厘米 拍几码", "ajchs"),
    ("取件码在哪看", "丰巢的取件码一直没收到 怎么取", "cqjm"),  # a locker code that never came
    ("这双鞋偏码吗 平时穿38", "袜子是均码吗 38的脚能穿不", "axmxz"),  # one size for all
    ("先用后付是怎么扣款的", "先用后付怎么用不了 显示不支持", "cxyhf"),  # how it works, to one it failed for
    ("电子发票在哪里下载", "找不到啊 直接发我邮箱吧 abc_123@163.com", "bckp"),  # the address is given
    # thirty-eighth pass: a personal invoice title for a claim form; where to claim a coupon, to one
    # whose claimed coupon did not take the price down
    ("个人能开发票吗 抬头写我名字", "能开发票不 公司报销要的 个人抬头不行", "bgr"),
    ("有没有券啊 想领了再拍", "满199减30的券领了 结算怎么还是原价", "alqxd"),
    # which size to take, not a bag's or a scarf's measures; wrapping for a gift already chosen; a
    # stock question, not "this batch sold out"; a number left for a call back, not any phone talk;
    # a parcel chased for a week is no "packed, picked up tonight"
    ("这条裤子我该选什么码", "这个围巾多长多宽呀 是纯羊毛吗", "axwsc"),
    ("送男朋友什么礼物好", "送男朋友的 能帮忙包一下吗 价格单别放", "bnan"),
    ("年会送同事 一百左右送啥好", "送客户的茶叶礼盒能每份配个手提袋吗", "bys"),
    ("你们说缺货了 那我这单到底什么时候能发", "空气炸锅墨绿色现在有货吗 别我拍了又说缺货", "cqhyc"),
    ("号码留给你了 啥时候回电", "我要解绑电话号码", "ezqhd"),
    ("怎么还没揽收 没物流信息", "催单 一个礼拜了还在打包 没物流信息", "cddls"),
    # thirty-ninth pass: thanks for a review held back for a missing part; "retry the payment" when the
    # money was taken; the order's freight in a refund; "past seven days" for goods used a long time
    ("五星好评写好了", "好评先等等 少了个螺丝包 书架装不起来", "egxpj"),
    ("付款一直失败", "付款时候显示支付失败 可我微信已经扣了45.6元 订单还是待支付", "czfsb"),
    ("运费怎么这么贵", "退款怎么只退了45.5元 我付了59 运费也要扣吗", "byf"),
    ("满多少包邮啊", "退款怎么只退了45.5元 包邮的运费也要扣吗", "bby"),
    ("买了半个月了还能退吗", "开箱一看明显用了很久 说好的准新呢 能退吗", "dcqth"),
])
def test_a_reply_that_asks_to_wait_or_look_is_not_offered_once_that_is_done(cue_engine, message, looked, code):
    """... nor one that presumes what the customer has just denied (nothing arrived, no order yet)."""
    assert code in _codes(cue_engine.suggest(message, limit=12))
    assert code not in _codes(cue_engine.suggest(looked, limit=12))


@pytest.mark.parametrize("given, plain, code", [
    ("一家三口用 3.5升和5升的空气炸锅哪个合适", "推荐一下呗 哪个好", "bqkt"),   # 按情况挑款
    ("刚拍的颜色选错了 要胡桃色 帮我改下", "能帮我换个颜色吗", "cqrys"),     # 确认改颜色
    ("能帮忙写张贺卡不 写生日快乐就行", "能帮忙写张贺卡吗", "bakxk"),         # 按内容写贺卡
    ("铸铁锅第一次用要开锅吗 怎么开", "这个锅怎么用", "bscsy"),              # 锅壶首次使用
])
def test_what_the_customer_has_said_gets_a_reply_that_does_not_ask_it_again(cue_engine, given, plain, code):
    """Where the asking reply leaves (twenty-seventh pass), one that takes the given details as
    said is offered instead; it waits for those details."""
    assert code in _codes(cue_engine.suggest(given, limit=12)), given
    assert code not in _codes(cue_engine.suggest(plain, limit=12)), plain


def test_a_security_label_reply_fits_goods_of_any_kind(cue_engine):
    """防伪查询 names no kind of goods: a crab card (食品) has a security ring too (thirty-ninth pass;
    it was tagged 美妆 and left out of every other kind's lists)."""
    s = cue_engine.suggest("这个蟹卡有防伪扣吗 怎么查真伪", limit=20)
    assert s.analysis.category == "食品" and "bfw" in _codes(s)


def test_goods_named_earlier_decide_which_goods_facts_fit(cue_engine):
    """With no goods in the message, the goods of an earlier turn count: an earphone's facts do not
    answer a follow-up about a watch, and clothing sizes do not answer a mattress the agent named."""
    watch = cue_engine.suggest(Conversation.of("啥意思 不带手机就打不了是吧 续航多久",
                                               ["customer:这个手表能接电话吗", "agent:亲 支持蓝牙通话哦"]), limit=20)
    assert watch.analysis.goods == "手表" and "aejcs" not in _codes(watch)
    buds = cue_engine.suggest(Conversation.of("啥意思 不带手机就打不了是吧 续航多久",
                                              ["customer:这个耳机能接电话吗", "agent:亲 支持蓝牙通话哦"]), limit=20)
    assert buds.analysis.goods == "耳机" and "aejcs" in _codes(buds)
    bed = cue_engine.suggest(Conversation.of("我们两口子加起来快300斤 选哪个厚度",
                                             ["agent:亲 床垫有15cm和20cm两个厚度哦~"]), limit=20)
    assert bed.analysis.category == "家居"
    assert not _codes(bed) & {"abrxm", "atjcm", "axwsc", "acmb"}


def test_today_is_not_promised_again_once_it_was_broken(cue_engine):
    context = ["customer:请问什么时候发货", "agent:亲 预计今天内发出哦~"]
    assert "cjtfh" in _codes(cue_engine.suggest(Conversation.of("今天能发吗", context[:1]), limit=12))
    assert "cjtfh" not in _codes(cue_engine.suggest(
        Conversation.of("今天都晚上9点了 还是没发 你们到底发没发", context), limit=12))


def test_weak_replies_are_not_shown_under_a_sure_enough_top(cue_engine):
    """Slots 2 and on hold no reply the ranker scores under SHOW_BELOW (judged, such replies were
    harmful three times as often as sendable); the top stays, and folded guesses, shown only on
    request, are all kept."""
    cue_engine.SHOW_BELOW = Engine.SHOW_BELOW
    message = "蓝牙耳机左耳没声音了"
    shown = cue_engine.suggest(message, limit=8)
    assert not shown.folded and len(shown.replies) >= 2
    assert all(r["score"] >= Engine.SHOW_BELOW for r in shown.replies[1:])
    cue_engine.SHOW_BELOW = 0.0
    everything = cue_engine.suggest(message, limit=8)
    weak = [r["code"] for r in everything.replies[1:] if r["score"] < Engine.SHOW_BELOW]
    assert weak and not set(weak) & {r["code"] for r in shown.replies}
    assert [r["code"] for r in shown.replies] == [r["code"] for r in everything.replies if r["code"] not in weak]
    # folded: the guesses are all there when the agent asks for them
    folded = cue_engine.suggest("那个东西怎么弄", limit=8)
    assert folded.folded and any(r["score"] < Engine.SHOW_BELOW for r in folded.replies[1:])


def test_under_the_apology_an_answer_needs_the_bar_of_the_holding_line(cue_engine):
    """投诉先致歉 on top holds the chat as the 先回复 line does (Engine.APOLOGY_HOLDS, fifty-first pass):
    an answer under it is shown only if it clears FOLD_BELOW, not the lower SHOW_BELOW. Under any
    other top, SHOW_BELOW stays the bar. (FOLD_BELOW is set between the scores this message gets.)"""
    cue_engine.SHOW_BELOW = Engine.SHOW_BELOW
    message = "快递三天不动 问你们也没人管 什么破店"
    cue_engine.APOLOGY_HOLDS = False
    plain = cue_engine.suggest(message, limit=8)
    assert plain.replies[0]["code"] == "etsdq" and len(plain.replies) >= 2
    second = plain.replies[1]
    assert Engine.SHOW_BELOW <= second["score"]
    cue_engine.FOLD_BELOW = second["score"] + 0.01
    assert second["code"] in _codes(cue_engine.suggest(message, limit=8))
    cue_engine.APOLOGY_HOLDS = True
    held = cue_engine.suggest(message, limit=8)
    assert held.replies[0]["code"] == "etsdq" and second["code"] not in _codes(held)
    # another top: the answers under it keep the plain bar
    other = cue_engine.suggest("直播里说九五新 到手全是划痕 欺诈 要求赔偿", limit=8)
    assert other.replies[0]["code"] != "etsdq"
    assert any(r["score"] < cue_engine.FOLD_BELOW for r in other.replies[1:])


def test_the_answer_to_a_second_question_is_shown_however_weak(engine):
    engine.SHOW_BELOW = 1.01  # nothing but the top would be sure enough
    s = engine.suggest("能开发票吗 还有今天能发货吗")
    assert s.analysis.also and len(s.replies) >= 2
    assert all(r["intent"] in s.analysis.also for r in s.replies[1:])


def test_what_asks_the_meaning_leaves_the_list_when_another_reply_comes_first(cue_engine):
    """A very angry customer gets the apology first; the top it pushed down, "没太看明白您的意思",
    does not stand under it as a second guess."""
    message = "烦死了！！！这都第几次了！！！"
    cue_engine.APOLOGY_FIRST_AT = None
    assert cue_engine.suggest(message).replies[0]["code"] == "eqdy"
    cue_engine.APOLOGY_FIRST_AT = Engine.APOLOGY_FIRST_AT
    s = cue_engine.suggest(message)
    assert "先致歉" in s.replies[0]["why"] and "eqdy" not in _codes(s)


@pytest.mark.parametrize("message, allowed, code", [
    ("发票可以改抬头吗", "退了一件 发票咋办", "btk"),             # 退款后发票 needs a refund in the chat
    ("之前开的是个人 想改成公司的", "发票能开个人的吗", "bgr"),     # 个人抬头, not when a company title is wanted
    ("宽带新装一直没人来安装", "工人不给安装空调", "etazj"),        # 安装纠纷安抚 needs an installation that failed
    # twenty-fourth pass: 破损请拍照 is for goods that arrived broken, not a phone the customer dropped;
    # 自动回复后接手 says the earlier messages were auto-replies, which "我要转人工" alone does not say
    ("手机不小心掉地上屏幕碎了 能修吗", "杯子收到就碎了", "dpspz"),
    ("我要转人工", "又是机器人 转人工", "ezdhf"),
])
def test_narrow_replies_wait_for_their_own_case(cue_engine, message, allowed, code):
    assert code in _codes(cue_engine.suggest(allowed, limit=12)), allowed
    s = cue_engine.suggest(message, limit=12)
    assert s.replies
    assert code not in _codes(s), message


def test_payment_replies_wait_for_their_own_situation(cue_engine):
    """A reply that presumes a payment situation (company transfer, gift-card balance, an order
    showing unpaid, an order closed unpaid, a platform membership, a double charge) is not
    offered because a complaint names 公司, 余额, 扣了, 关闭, VIP or 两次 (twenty-fourth pass)."""
    presume = {"cdgfk", "clpks", "cyfwx", "cfkcs", "eptqy", "ccfkk"}
    for message in ["你们公司太离谱了 余额还有60就给我停机 话费扣了又扣",
                    "作为你们VIP客户 信用额度为0 每天都要我手动关闭 充值两次都没到账"]:
        s = cue_engine.suggest(message, limit=12)
        assert s.replies
        assert not _codes(s) & presume, (message, _codes(s) & presume)
    # each still comes for its own question
    for code, message in [("cdgfk", "我们公司要转账付款"), ("clpks", "卡里余额在哪看"),
                          ("cyfwx", "付了钱没显示 还是待付款"), ("cfkcs", "没付款订单没了"),
                          ("eptqy", "88vip能用不"), ("ccfkk", "扣了两次钱")]:
        assert code in _codes(cue_engine.suggest(message, limit=12)), (code, message)


def test_topic_words_are_not_read_in_the_name_of_an_account(cue_engine):
    """A reply's `needs` words are looked for in what was written, not in the account a post is
    addressed to (twenty-fifth pass): @某某网上营业厅 does not say 网上, so the price-comparison
    reply (比价回应, topic words 网上, 京东 …) waits for a customer who compares prices."""
    code = cue_engine.conn.execute("SELECT code FROM replies WHERE title='比价回应'").fetchone()[0]
    assert code in _codes(cue_engine.suggest("网上别家比你们便宜20块", limit=12))
    post = cue_engine.suggest("@某某联通网上营业厅 你们到底管不管 投诉三次了 一点回应都没有", limit=12)
    assert post.replies and code not in _codes(post)


@pytest.mark.parametrize("given, plain, code", [
    ("宝宝14个月了 身高78 这件爬服拿哪个码", "这件爬服拿哪个码", "axwsc"),              # a small child's age and height
    ("之前的文胸80C有点紧 这款拿哪个码", "这款文胸拿哪个码", "axwsc"),                  # a bra size worn
    ("要开专票 抬头和税号我已经发你邮箱了", "要开专票 抬头税号发你", "bzhp"),            # the title and tax number sent
    ("给60多岁的老人买 哪款好用", "哪款好用 推荐一下", "bxq"),                         # who it is for, by age
    ("申请仅退款为啥被驳回 图我都发了", "申请仅退款为啥被驳回", "dtkbj"),                # a photo sent
    ("我拍的M码 怎么给我发了个XXL", "这件外套我穿什么码", "axwsc"),                    # the size ordered
    ("这条裤子我腰围2尺2 胯比较大 拿L会不会勒", "这条裤子拿什么码 怕勒", "akzxm"),       # the waist (forty-second pass)
])
def test_a_reply_does_not_ask_for_what_the_message_has_just_given(cue_engine, given, plain, code):
    """Twenty-eighth pass, the fresh fourth shop half: replies that ask for a size, an invoice title,
    who it is for or a photo are not offered once the customer has said or sent it."""
    assert code in _codes(cue_engine.suggest(plain, limit=20)), plain
    assert code not in _codes(cue_engine.suggest(given, limit=20)), given


@pytest.mark.parametrize("plain, denied, code", [
    ("快递员说包裹丢了 怎么办", "快递是不是丢了啊 一直没更新", "cbjds"),              # lost: asked, not confirmed
    ("电话号码填错了 帮我改下", "地址填错了 改成杭州市西湖区文三路100号 电话不变", "cgsjh"),  # an address, not the phone
    ("这件毛衣会掉色吗", "这条项链镀金的 戴久了会掉色吗", "aqqds"),                       # plating is no fabric
    ("买了不想要了 能退吗", "不是说七天无理由吗 为啥生鲜就不能退", "dqtwl"),             # the customer says it cannot
    ("退款什么时候到账", "退款一直显示处理中 什么时候到账", "dtkdz"),                    # not issued: no bank timing
    ("退款怎么还没到 都好几天了", "退款申请为啥被驳回了 都好几天了", "djj"),              # rejected, not slow
    ("五星好评写好了", "五星好评写好了 追评还能加图吗", "egxpj"),                        # a question with the review
    ("这款是预售款 大概什么时候发", "这款是预售的吗 还是现货", "ayshf"),                # asked whether it is presale
    ("派送的快递员电话多少", "快递员电话打了也不接 说让我去驿站拿", "ckdy"),             # the courier's number is had
    ("这件T恤什么码合适", "这双运动鞋尺码准吗 我脚宽 选大一码吗", "acmb"),               # garment measures for shoes
    ("充电器充不进电怎么办", "充电器充不进电 插座和线都换过了", "dsmpc"),                 # 换个插座、换根线 was tried
    ("这个精华不想要了 能七天无理由退吗", "精华用了两天脸上起红疹 还能退吗", "dqtwl"),      # used, and a reaction
    ("口红没拆封 七天无理由能退吗", "口红拆了塑封没用过 七天无理由能退吗", "dqtwl"),           # opened cosmetics
    ("下单有赠品吗 送什么", "说好的赠品呢 就收到一个盒子", "azpsm"),                      # the gift did not come
    ("这款洗面奶什么成分", "洗面奶成分表我看半天没看懂 是不是加了皂基", "ahfcf"),          # the list was read
    ("收件人名字写错了 帮我改一下", "刺绣的名字写错了 帮我改一下", "cgsjh"),               # a name to embroider
    ("好评有返现吗", "你们说好评带图返5元 返现发哪", "ebfx"),                            # the agent offered it
    ("满多少包邮啊", "新疆包邮吗 偏远地区要补多少", "bby"),                                # a remote region
    ("秒杀买的能价保吗", "昨天买的 今天直播间便宜了40块 能退差价吗", "dtshd"),              # no flash sale named
    ("快递单号多少 我这边查不到物流", "这个单号查不到啊 是不是写错了", "cwldh"),            # the number is had
    ("显示签收了 我没收到", "退回去的包你们都签收三天了 咋还没退款", "cwsd"),                # a return the shop signed
    ("少了一件 只收到两个", "发票抬头少了个字 能重开吗", "dlfhs"),                          # an invoice title
    ("有没有在家兼职 打字赚钱的", "你们招不招兼职主播 我做过博主", "eqjz"),                 # a real job
    ("脚长不知道怎么量 这双鞋穿多大", "这条裤子裤脚太长 能改短吗", "ajchs"),                       # a trouser leg
    ("快递显示退回了 我没拒收啊", "退回去的背包你们都签收三天了 咋还没到账", "cbth"),          # a return the shop signed
    ("发错了 我买的是黑色的", "发票抬头错了 少了个字", "dfchs"),                             # an invoice title
    ("说好补偿10元券 怎么只有5元", "说好的赠品呢 只收到一双鞋", "abcqd"),                    # a gift, not a coupon
    ("不想要了 七天无理由能退吗", "客服说不支持七天无理由 我都没拆也不行吗", "dqtwl"),      # the shop said it does not apply
    ("打包了吗 怎么还没物流信息", "今天第5天了 还是没物流信息", "cddls"),                    # counting the days
    ("显示退款成功了 怎么还没到账", "退款三天了还没到账 你们到底同意了没", "dcgwd"),          # not yet approved
    ("能用花呗分期吗", "京东白条能分12期吗", "chbfq"),                                       # JD installments
    ("保修要发票吗", "保修要用发票的 发票还没给我 发我邮箱", "dbxpz"),                       # an invoice asked for
    ("说明书没放 怎么装", "说明书上写的3号包 箱子里没有", "dsms"),                           # the manual is there
    ("送客户的礼物推荐一下 100左右", "送客户的 别放价格单 帮忙写张贺卡", "bys"),             # a gift service asked for
    ("买大了 能换小一码吗", "洗了一次发现买大了 能换小一码吗", "dhcm"),                      # washed
    ("母亲节送什么好", "给我妈买的礼盒 有手提袋吗", "bmq"),                                  # not Mother's Day
    ("送女朋友什么好 她喜欢可爱的", "这个花束今天下单明天上午能送到不 女朋友生日", "bnv"),     # the gift is chosen
    ("送长辈什么礼物好 我爸六十大寿", "送长辈的 能帮写张卡片吗 价格单千万别放里面", "bzb"),   # a card for a chosen gift
    ("收到就碎了 盒子都压扁了", "孩子摔坏的 不是质量问题 零件能单买吗", "dbfxz"),           # broken at home
    ("显示签收了 我没收到", "显示签收了 可我家一直有人 根本没人敲门", "cwsd"),              # someone was home (forty-first pass)
    ("显示签收了 我没收到", "显示签收了 快递柜驿站我都去找了 没有", "cwsd"),                # already looked
    ("显示退款成功了 怎么还没到账", "一直显示退款中 都两天了 钱还没到账", "dcgwd"),            # not shown as refunded
    ("断货了是吧 什么时候补", "粉色断货了是吧 那黑色还有吗 有的话我就直接拍", "abhsj"),     # asks after another one
    ("断货了是吧 到货了通知我", "粉色断货了是吧 那黑色还有吗 有的话我就直接拍", "adhtx"),
    ("怎么没有充电头", "买的充电套装 说是头加线 盒子里就一根线", "dbhpj"),                  # the listing said it comes
    ("没拆封 七天无理由能退吗", "奶粉没拆封 七天无理由能退吗", "dqtwl"),                    # food: the rule is in doubt
    ("显示签收了 我没收到", "显示签收了 我问了保安 保安说没有", "cwsd"),                    # the guard said no
    ("满多少包邮啊", "商品页不是写包邮吗 怎么下单显示运费8元", "bby"),                       # the page said free
    ("怎么还不发货 帮我催下仓库", "还没发吧 能帮我换个颜色吗 要米白的", "ccfh"),             # a colour to change
    ("怎么还不发货 帮我催下仓库", "加急加了两天了 还是没发 明天就要用", "ccfh"),             # urged already
    ("颜色拍错了 能改吗", "颜色拍错了 帮我换成曜石黑 还没发吧", "cgys"),                    # the colour is named
])
def test_a_reply_does_not_assert_what_the_message_questions_or_denies(cue_engine, plain, denied, code):
    assert code in _codes(cue_engine.suggest(plain, limit=20)), plain
    assert code not in _codes(cue_engine.suggest(denied, limit=20)), denied


def test_goods_named_by_brand_and_model_take_their_kind_from_the_next_goods_named(cue_engine):
    """华为mate60pro names no kind of goods; the screen protector after it does: no clothing sizes.
    (Since the thirty-fourth pass the goods pointed at, 这款钢化膜, are the product, as labellers mark it.)"""
    s = cue_engine.suggest("华为mate60pro贴这款钢化膜会翘边吗", limit=20)
    assert s.analysis.entities.get("product") == "钢化膜" and s.analysis.category == "数码配件"
    assert not _codes(s) & {"axwsc", "abrxm", "acmb"}
    # …and those goods are what replies must fit: a phone case's model advice is not for a screen protector
    assert s.analysis.goods == "钢化膜" and "asjk" not in _codes(s)
    assert "asjk" in _codes(cue_engine.suggest("华为mate60pro用这个手机壳会不会松", limit=20))


def test_a_parcel_stuck_for_days_gets_a_check_with_the_carrier_not_wait_48_hours(cue_engine):
    """物流三天没动了: 物流多日不动 (we ask the carrier, resend or refund once it is confirmed lost)
    is offered, 物流不更新's "wait 48 hours" is not; a parcel out for delivery is not stuck."""
    stuck = _codes(cue_engine.suggest("物流三天没动了 一直卡在转运中心 是不是丢了", limit=12))
    assert "cwlkz" in stuck and "cwlbg" not in stuck
    assert "cwlkz" in _codes(cue_engine.suggest("快递停在义乌两天了 里面是冻品 会不会化", limit=12))
    assert "cwlkz" not in _codes(cue_engine.suggest("物流一直不动 现在显示派送中了 今天能到吗", limit=12))


def test_garment_measures_leave_for_feet_not_for_trouser_legs(cue_engine):
    """尺码表 (衣长、胸围、肩宽) is no answer about feet, but 裤脚 is a trouser's length."""
    assert "acmb" not in _codes(cue_engine.suggest("脚背高 这双鞋尺码表怎么看", limit=20))
    assert "acmb" in _codes(cue_engine.suggest("尺码表在哪看 裤脚多长", limit=20))


def test_a_question_on_one_colour_or_size_gets_a_stock_check_unless_it_is_sold_out(cue_engine):
    """黑色L码还有货吗: 查规格库存 (we look it up now) is offered; once the message says it is sold
    out, the restock and hold replies answer instead."""
    assert "acxkc" in _codes(cue_engine.suggest("那个奶白色的38码还有现货吗 有的话今天就拍", limit=12))
    assert "acxkc" not in _codes(cue_engine.suggest("奶白色38码断货了吗 什么时候补货", limit=12))


def test_a_fault_with_the_purchase_time_gets_the_in_warranty_repair_steps(cue_engine):
    """用了五个月坏了 保修吗: 保修期内报修 (warranty length, video, send-in address, we pay the
    postage) is offered; not for damage the customer caused, nor once it was already sent in."""
    assert "dbxqn" in _codes(cue_engine.suggest("加湿器用了五个月 不出雾了 保修吗 怎么修", limit=12))
    assert "dbxqn" not in _codes(cue_engine.suggest("用了五个月 不小心摔了一下 不出雾了 保修吗", limit=12))
    assert "dbxqn" not in _codes(cue_engine.suggest("用了五个月坏了 已经寄回去了 修好了没", limit=12))


@pytest.mark.parametrize("message", ["猫砂买3包能便宜点不 有没有满减券", "一次拿十盒月饼送客户 有没有满减或者返现",
                                     "88VIP的折扣能和满300减40一起用吗 这双靴子到手多少"])
def test_a_discount_question_with_the_goods_and_count_is_not_asked_for_them_again(cue_engine, message):
    """领券下单 asked 您说下想要的款和数量 of customers who had just said how many of what (forty-second
    pass: judged harmful in 15 lists); no reply offered asks for them again."""
    s = cue_engine.suggest(message, limit=12)
    assert "alqxd" in _codes(s)
    asks = [r["code"] for r in s.replies if re.search(r"(?:说下|告诉我|发我).{0,8}(?:数量|几件|款和)", r["text"])]
    assert asks == [], asks


def test_replies_added_after_training_are_found_by_their_phrasings(engine):
    """开票信息收到 and 当天发截单时间 have only ``late_triggers``: their phrasings train no model,
    yet a message worded like them (not one of them) puts them in the list the agent sees."""
    for message, code in (("发票抬头：南京瑞丰商贸有限公司，税号我发你", "bxxsd"), ("今天几点截单", "ajdsj")):
        s = engine.suggest(message)
        assert not s.folded and code in [r["code"] for r in s.replies[:3]], message


@pytest.mark.parametrize("code, offered, not_offered", [
    # eight replies for cases nothing answered, with late phrasings only (thirty-second pass)
    ("dywaq", "新买的被子味道好刺鼻 会不会有甲醛 孩子能盖吗", None),
    ("cgxdz", "地址填错了 改成 南京市鼓楼区中山北路88号阳光花园3栋1单元602 还没发吧", "地址怎么改 在哪改"),
    ("aqdjy", "店铺券和平台的满减能叠加吗", None),
    ("alqbd", "这个优惠券怎么领不了啊 点了没反应", None),
    ("arkjg", "直播间价比店里便宜20 我在店里直接拍能按直播价吗", None),
    # 赶日子能否到 before buying; once bought and late, other replies answer
    ("ajgrz", "下周三婚礼要用 现在买来得及吗", "我周二就拍了 怎么还没发 周六要用的"),
    # 定制款工期 asks how long making takes; overdue, other replies answer
    ("adzgq", "定制的沙发套要做多久才能发", "定制的窗帘都十天了 怎么还没发"),
    ("dpjdm", "滤芯可以单独买吗", None),
])
def test_new_replies_find_their_case_and_wait_for_it(engine, code, offered, not_offered):
    """Found through their late phrasings (the models never saw them), in the first three; a
    gated one stays out of the whole list where its case has passed."""
    assert code in [r["code"] for r in engine.suggest(offered).replies[:3]], offered
    if not_offered:
        assert code not in [r["code"] for r in engine.suggest(not_offered, limit=12).replies], not_offered



@pytest.mark.parametrize("code, offered, not_offered", [
    # 转交主管 says the case went to a supervisor: only when one is asked for, not for 转人工 after a bot
    ("ezzg", "叫你们主管来 这事你处理不了", "别拿机器人糊弄我 转人工"),
    # 称联系不上: the courier claimed the customer was unreachable, not the customer unable to reach the courier
    ("clxbs", "快递说联系不上我 我手机一直开着的", "显示已签收 我根本没收到 快递员电话也打不通"),
    # 食品不新鲜: food gone off, not 小吃 or 臭 in a rant
    ("etsp", "坚果有哈喇味 是不是变质了", "服务还不如沙县小吃 投诉你们"),
    # 开票进度: an invoice applied for, not a question before buying
    ("bjd", "发票什么时候开好 等了好几天了", "我还没买 买了之后发票什么时候开"),
    # 鉴定非正品处理 promises a payout: when asked what happens if it proves fake, not at every doubt
    ("bjh", "收到后鉴定是假的怎么办", "是正品吗 之前在别家买到过假的"),
    # 答偏了重新确认 asks again what they want: not when a bot answered and a person is asked for
    ("ezdp", "答非所问 我问的是尺码", "别自动回复了 答非所问 转人工"),
    # 耽误使用补救: goods late for their use, not any delay in handling; still on the way (once they
    # came, 才到, its 我先查这单卡在了哪一步 was judged harmful: forty-sixth pass)
    ("etyw", "耽误我用了 生日都过了还没到", "一直拖着不给处理 什么态度"),
    # 放门口丢了: left at the door, not any parcel that went missing after 签收 (thirty-second pass)
    ("cfmd", "快递放门口被人拿走了 我都没看到", "显示已签收 我根本没收到 东西丢了谁负责"),
    # 先问需求 asks what it is for: not when two options are named to choose between
    ("bxq", "想买个加湿器 推荐一下呗", "加湿器买大容量的还是小容量的 哪个好"),
    # 询问身材 asks height and weight: for a bare size question, not when they were just given
    ("axwsc", "这件外套我穿什么码合适", "我身高160 体重110斤 这件外套穿什么码"),
    # 改电话收件人: a new number for the parcel, not a wish not to be called or a name to print (thirty-third pass)
    ("cgsjh", "收件人电话写错了 帮我改成13912345678", "帮我备注下 到了别打电话 放门卫室"),
    ("cgsjh", "收件人电话写错了 帮我改成13912345678", "名字打错了 是李思琪不是李思奇 还没印吧 快改一下"),
    # 货不对板 and 诉求补偿: goods unlike their page, a shop's compensation; not a carrier's plan
    ("etxjx", "实物跟图片上完全不一样 你们这是虚假宣传", "@某某客服 套餐说好送流量 结果虚假宣传"),
    ("etpc", "耽误我这么多事 你们必须赔偿", "宽带断了三天 联通必须赔偿我的损失"),
    # 先用后付 says how pay-later works: not to a customer it charged twice (forty-second pass)
    ("cxyhf", "能先用后付吗 收到再付钱", "先用后付的 怎么扣了我两次钱 订单还显示待付款"),
    # 保修流程 mails the goods in: not to a customer asking for an on-site repair (forty-second pass)
    ("dbxlc", "买了半年的吹风机坏了 能修吗", "去年买的油烟机 吸力变小了 还在保修期吗 能上门修不"),
    # 核价结果答复 reports a price check: not to a customer who offers to pay a difference for a courier
    ("dkybc", "昨天买的今天降价了 核价结果出来没 能补多少差价", "能发顺丰吗 补差价也行 中通太慢了"),
    # 缺货延迟发货 says this batch is sold out: not to a customer who cancels (forty-second pass)
    ("cqhyc", "缺货要等多久 什么时候补货发给我", "缺货就不要了 取消吧 还没发就直接退"),
    # 服装面料 points at a garment's wash label: not for a ring or a necklace (forty-fourth pass)
    ("afzml", "这件卫衣什么材质的 料子舒服吗", "这个戒指什么材质的 会不会过敏"),
    # 修改中差评 says how to change a review: not to a customer holding one up as a threat
    ("egpj", "差评能改吗 之前手滑点错了", "问三遍都不回 我要投诉 差评已经写好了"),
    # 不送货上门 asks the courier to deliver to the door: not for a parcel the station has not got
    ("cbsm", "快递员不送上门 非让我自己去驿站拿", "显示已签收 我根本没收到 问了驿站也说没有"),
])
def test_replies_judged_harmful_out_of_their_case_wait_for_it(cue_engine, code, offered, not_offered):
    """Replies the judges called harmful more often than sendable on the tune side, each where its
    topic words matched a different situation (thirty-first to thirty-third passes)."""
    assert code in _codes(cue_engine.suggest(offered, limit=12))
    assert code not in _codes(cue_engine.suggest(not_offered, limit=12))


def test_a_customer_who_has_looked_everywhere_is_not_sent_to_look_again(cue_engine):
    """签收凭证 sent a customer who asked who signed to ask the family, the guard or the station,
    where they had mostly looked already (forty-first pass): no reply shown sends them back there."""
    s = cue_engine.suggest("显示签收了 到底谁签的 家里人门卫驿站我全问过了")
    shown = [r for r in s.replies[:3]] if not s.folded else []
    assert "cqspz" in [r["code"] for r in cue_engine.suggest("显示签收了 到底谁签的", limit=20).replies]
    assert [r["code"] for r in shown if re.search(r"问问家人|看看门卫|门卫、快递柜", r["text"])] == []


def test_a_clause_that_ends_in_a_question_asks_and_praise_with_it_gets_no_thank_you(cue_engine):
    """能放张贺卡不 帮我写个: a clause ending in 不/没 asks, even when more follows; and a thank-you
    for praise (回应夸奖) is not offered when the praise comes with a question (forty-first pass)."""
    an = cue_engine.analyzer
    assert an.asks_something("行 那礼盒里能放张贺卡不 帮我写个祝福")
    assert an.asks_something("老板 上次的锅真好用 还有货没 想再拿一个")
    assert not an.asks_something("物流一直没 烦死了")
    assert not an.asks_something("好的 谢谢亲 服务很好")
    praise = cue_engine._tagged_reply("夸奖")["code"]
    assert praise in _codes(cue_engine.suggest("服务真好 谢谢亲 下次还来", limit=12))
    assert praise not in _codes(cue_engine.suggest("上次的辣椒酱家里都说好吃 这次还有货没 想再拿两瓶", limit=12))
    go_ahead = cue_engine._tagged_reply("照办")["code"]
    agree = Conversation.of("行 那礼盒里能放张贺卡不 帮我写个祝福", ["agent:有礼盒版的 加15元哦"])
    assert go_ahead not in _codes(cue_engine.suggest(agree, limit=12))


def test_a_promise_the_agent_made_is_not_contradicted_and_a_retort_is_no_praise(cue_engine, engine):
    """不做好评返现 and 晒图无奖励 say the shop rewards no review: not after the agent has just
    promised a surprise or cashback for one; and "满意个啥 …" answering the agent's 满意吗 is a
    complaint, not praise to thank for (forty-fourth pass)."""
    asked = "好评返现怎么领 五星带图写了 截图发你了"
    assert {"ebfx", "eshjl"} & _codes(cue_engine.suggest(asked, limit=12))
    promised = _chat(asked, ("agent", "亲 收到货满意的话给个好评哦 有小惊喜~"))
    assert not {"ebfx", "eshjl"} & _codes(cue_engine.suggest(promised, limit=12))
    praise = cue_engine._tagged_reply("夸奖")["code"]
    assert praise in _codes(cue_engine.suggest(_chat("很满意 东西不错", ("agent", "宝子 收到还满意吗~")), limit=12))
    retort = _chat("满意不了 饮水机一插电就嗡嗡响 吵得睡不着", ("agent", "宝子 收到还满意吗~"))
    assert praise not in _codes(cue_engine.suggest(retort, limit=12))
    read = engine.suggest(retort).analysis  # the learned reader, which read it as thanks before
    assert read.intent != "thanks_bye" and read.emotion != "satisfied"


def test_a_posts_handles_are_no_feeling(engine):
    """A Weibo post's @handles say whom it is addressed to: the feeling and urgency models read the
    post without them, so a calm or pleased post to a carrier's account is not read as anger and
    apologised to (forty-fifth pass). E-mail addresses are no handles."""
    from assistant.analysis import drop_mentions
    from assistant.train import Example, example_features

    assert "@" not in drop_mentions("东莞联通,爱你！@东莞联通 @中国联通广东客服")
    assert "请问" in drop_mentions("请问@中国联通青岛客服 @山东省联通 我家电脑老断网")
    assert drop_mentions("发票发我邮箱 wanglin_88@163.com 谢谢") == "发票发我邮箱 wanglin_88@163.com 谢谢"
    assert drop_mentions("@中国联通客服") == "@中国联通客服"  # nothing else would be left
    post = "我在这里.联通4G满格.@中国联通 @中国联通客服 @中国联通四川客服 @资阳联通 西门桥街"
    feel = example_features(Example(text=post), None, feeling=True)
    assert not any("联通客服" in f for f in feel) and any("满格" in f for f in feel)
    s = engine.suggest(post)
    assert s.analysis.emotion == "calm" and not s.analysis.urgent
    apology = engine._tagged_reply("先致歉")["code"]
    assert apology not in _codes(s)
    praise = engine.suggest("联通真给力,我反应的问题马上就找到了原因和迅速处理,果断赞@中国联通 @中国联通广东客服")
    assert praise.analysis.emotion == "satisfied"


def test_weights_trained_on_whole_posts_read_them_whole(db_file):
    """Whether the feeling models read a post without its handles follows how their weights were
    trained (the reader's meta), not a setting that could disagree with them: older weights, or a
    file trained otherwise, read the post whole."""
    from assistant.analysis import Analyzer
    from assistant.reader import Reader

    shipped = Reader.load()
    assert shipped.meta.get("feeling_without_mentions") is True
    older = Reader(shipped.models, {k: v for k, v in shipped.meta.items() if k != "feeling_without_mentions"})
    post = "我在这里.联通4G满格.@中国联通 @中国联通客服 @中国联通四川客服 @资阳联通 西门桥街"
    new, old = Engine(db_file, reader=shipped), Engine(db_file, reader=older)
    try:
        read_old = old.suggest(post).analysis
        assert new.suggest(post).analysis.upset != read_old.upset  # the older weights read the handles too
        Analyzer.DROP_MENTIONS = False  # the switch for experiments turns it off as well
        assert new.suggest(post).analysis.upset == read_old.upset
    finally:
        Analyzer.DROP_MENTIONS = True
        new.close()
        old.close()


def test_replies_wait_where_the_chat_has_settled_what_they_ask_or_promise(cue_engine):
    """Forty-fifth pass: a reply that says to apply for price protection, or promises the difference,
    waits once the agent has said this price has none; size replies that ask for the weight, usual
    size or waist wait once the customer gave them; the restock reply waits for a customer who
    will buy if it is there; the compensation reply (send me the order and the story) waits once
    the agent has offered an amount; the shipping-rule reply waits once hurrying has already failed."""
    def shown(conv):
        return _codes(cue_engine.suggest(conv, limit=12))

    asked = "昨天买的电煮锅今天降了30 价保几天啊 能补吗"
    assert "dbjts" in shown(asked)
    assert "dbjts" not in shown(_chat(asked, ("customer", "电煮锅降价了"), ("agent", "亲 活动价不支持保价哦~")))
    assert "dgsbj" in shown("刚买就降价了 心塞 亏了40块")
    assert "dgsbj" not in shown(_chat("刚买就降价了 心塞 亏了40块", ("agent", "亲 直播专享价不在价保范围哦~")))
    # the customer's own question keeps it: 你们不保价是吧 asks, it does not settle
    assert "dgsbj" in shown("昨天刚买的破壁机 今天就降了200 你们不保价是吧")
    assert "akzxm" in shown("这条裤子我该拿哪个码 怕腰紧")
    assert "akzxm" not in shown("这条裤子我腰二尺一 拿哪个码 怕腰紧")
    assert "abxpc" in shown("这件外套版型偏大还是偏小")
    assert "abxpc" not in shown("平时穿M的 110斤 这件卫衣版型偏大吗")
    out = _chat("那米白色的M还有吗 有我就直接拍了", ("agent", "亲 黑色M码暂时断货了哦~"))
    assert "abhsj" not in shown(out)
    assert "abhsj" in shown(_chat("那到货了能通知我吗", ("agent", "亲 黑色M码暂时断货了哦~")))
    demand = "东西坏了害我白跑一趟 必须赔偿"
    assert "etpc" in shown(demand)
    assert "etpc" not in shown(_chat("8块？打发要饭的呢 我要投诉", ("customer", demand), ("agent", "亲 给您补偿8元红包可以吗~")))
    assert "cfhsx" in shown("拍了三天了怎么还没发货")
    assert "cfhsx" not in shown(_chat("催了两天了还是没动静 到底啥时候发", ("agent", "亲 已经在帮您催仓库了哦~")))


def test_urgency_needs_a_clear_reading(engine):
    """The urgency model's reading counts from 0.7 (0.6 before the forty-fifth pass): a job
    enquiry or a parcel a day late is not urgent; a deadline or a threat still is."""
    assert not engine.suggest("你们招不招安装师傅 我干空调安装十来年了 有证").analysis.urgent
    late = _chat("物流三天没动了 一直停在义乌分拨中心 帮我查一下呗", ("customer", "我的快递到哪了"), ("agent", "亲 已经发出了哦~"))
    assert not engine.suggest(late).analysis.urgent
    assert engine.suggest("明天就要用 今天再不发我就申请平台介入").analysis.urgent


# Forty-sixth pass: replies that wait where the chat has already settled what they assume. Each row
# is (code, a message the reply still answers, a chat where it must wait); every waiting case showed
# the reply on the tree before the pass.
_REFUND_DONE = ("agent", "亲 退款已经原路退回了哦 请注意查收~")
SETTLED_46 = [
    # G46: 明白您着急用 for 不急; the order's phone for a mistyped top-up; the presale reply for
    # 现货还是预售; 您说下更在意哪一点 for one who has said what matters; the refund-progress check once
    # the agent said the money went back
    ("cjygs", "急用 能不能换顺丰 我补运费", "姐 我那条裙子发了没呀 不急哈 就问问"),
    ("cgsjh", "收件人电话写错了 改成13912345678", "充话费手机号输错一位了 应该是13912345678 能改吗"),
    ("aysm", "页面显示预售 要等多久才发", "现在下单啥时候发货 是现货还是预售的"),
    ("bjj", "黑色白色纠结死了 拿不定主意", "扫地机器人T10和T20差在哪 家里两只猫 掉毛特别多 选哪个好"),
    ("dtkjd", "退款到哪一步了 还没看到钱", _chat("原路是哪个路啊 我用微信付的 微信里没看到钱啊", _REFUND_DONE)),
    # W46: holding stock for a sold-out item; 页面上能拍的就是库存 for an order not shipping; gift
    # suggestions once a box or card is asked; the big-sale and intercept replies once the agent
    # said there is no price protection or the parcel has not left; pickup-code and status replies
    # for a parcel nobody received
    ("alhsm", "能帮我留两天吗 发工资了再拍", "五仁月饼还有木有 前天看还有货今天就显示售罄了 啥时候补啊"),
    ("akczq", "页面显示有货 是真有吗 别拍了又说没货", "买的车载充电器一个礼拜了还不发货 是不是压根没货？？"),
    ("bmq", "母亲节送什么好 预算三百", "想送我妈一盆蝴蝶兰 母亲节那天 能帮写个贺卡吗"),
    ("ddcqj", "双十一会不会更便宜 现在买亏不亏",
     _chat("凭什么不保价？前天买的就活该当冤大头？", ("customer", "我前天买的四件套 今天便宜了40"),
           ("agent", "亲 补贴价是平台活动 不支持保价哦~"))),
    ("cyfhq", "已经发货了还能取消吗",
     _chat("那帮我取消吧 不想要了 别家已经买到了", ("customer", "这个蓝牙耳机还没发吧"),
           ("agent", "亲 还在仓库排单中哦~ 预计48小时内发出"))),
    ("bnv", "想送女朋友生日礼物 推荐一下", "送闺蜜生日的 这个颜色会不会太素 有礼盒装不"),
    ("bnan", "送男朋友什么好 预算两百", "送男朋友的手办 有礼盒装吗 加钱也行"),
    ("cqjm", "取件码在哪看 驿站让我报取件码",
     _chat("驿站快递柜全找了没有！！20斤狗粮自己长腿跑了？", ("customer", "快递显示签收了"),
           ("agent", "亲 麻烦先看看门口或者驿站哦~"))),
    ("cshwx", "东西已经收到了 物流还显示运输中",
     _chat("物流显示签收三天了 钱呢", ("customer", "退货已经寄回去了"), ("agent", "亲 仓库收到后1-3个工作日处理哦~"))),
    # X46: the allergy reply for a broken lipstick (口红 holds 红); the difference-arrives reply after
    # 不支持价保; the scam warning for 招不招兼职; 先问问邻居 for one who has searched; 我先查卡在哪一步
    # for a parcel that came late; "packed, waiting for pickup" once that promise failed
    ("dgm", "面霜用了两次脸上起红疹子 好痒", "口红断了！！刚拆开就断成两截 你们怎么包装的"),
    ("dcjdz", "差价什么时候到账",
     _chat("那我退了重拍行吧 前后差了15块钱", ("customer", "能退差价吗"), ("agent", "亲 活动价不支持价保哦~"))),
    ("eqjz", "有人让我在家兼职刷单 说是你们店的 要先垫钱", "你们招不招兼职客服啊 我想在家兼职"),
    ("cfmd", "快递没经过我同意就放门口了 现在找不到了",
     _chat("都找过了 快递柜驿站门卫都问了 没有 到底谁签收的？？", ("customer", "快递显示签收了 我没收到"),
           ("agent", "亲 可以先看看门口 快递柜或者驿站哦~"))),
    ("etyw", "东西晚了三天 生日都过了 耽误事了", "一句抱歉就完了?求婚都结束了花才到 我要赔偿"),
    ("cddls", "还没有物流信息 是打包了吗",
     _chat("呵呵 昨天你也是这么说的", ("customer", "怎么还没发货"), ("agent", "亲 仓库正在加急打包哦 今天一定发出~"))),
    # Y46: 想备注什么直接跟我说 once the note is given; the failed-refund reply for a failed top-up;
    # the resend's tracking number for a resend still asked for; the taste reply for 醋酸 and 哈喇味
    ("cjbz", "能备注一下吗", "宝 备注帮我加一下 那条手链要刻字 刻 LY&ZH 0520"),
    ("dtksb", "退款失败了 怎么回事", "话费充值失败 页面显示退款成功 我支付宝里没看到钱啊"),
    ("dbfdh", "补发的单号发我一下", "包裹都到了 但是少了两颗螺丝 装到一半卡住了 能补寄吗"),
    ("akwgm", "这个辣不辣 口味重吗", "醋酸面料是啥 跟涤纶比口感怎么样"),
    ("akwgm", "这个辣不辣 口味重吗", "坚果吃着有哈喇味 是不是放久了"),
    # Z46: the service phone for 转人工 (0 sendable of 59 judged showings); the earbud reset for one
    # who has reset already
    ("ezfwd", "售后电话多少 我想打过去问问", "转人工 别让机器人回了 大闸蟹的事说不清楚"),
    ("dejgz", "耳机左边没声音 右边正常", "耳机左耳没声音 右耳正常 重置了好几遍还是不行"),
]


SETTLED_47 = [
    # A47: the not-shipped refund once photos are in and the money is asked after; the missing-gift
    # reply for a gift that broke; the charger checklist for a swollen power bank; the personal-title
    # reply where a company one was wanted; the delivery date of 这单 for one not yet shipping; the
    # restock reply for an order that will not ship; the overdue apology once the customer cancels
    ("djtk", "还没发货 我不想要了 直接退款吧",
     _chat("照片也拍给你了 退款多久能到", ("customer", "水蜜桃烂了三个"), ("agent", "亲 拍个照片给我 给您退款哈"))),
    ("dzp", "说好的赠品没收到 盒子里只有杯子", "买锅送的那个电煮锅不加热了 赠品能保修吗"),
    ("dsmpc", "充电宝充不进电了 指示灯一直闪", "充电宝才用半个月就鼓包了 充电都不敢充了"),
    ("bgr", "发票开个人的就行 写我名字", "发票开成个人的了 我要的是公司抬头 能重开吗"),
    ("ajqsd", "我的快递今天能送到吗 等着用", "今天能发出吗 寄到成都几天能到"),
    ("abhsj", "白色什么时候补货啊", "付款一周了还不发 是不是没货 再不发我就申请平台介入"),
    ("ccsfh", "拍了五天了还不发货 等好久了", "等了五天都不发 不想要了 直接退吧"),
    # B47: 再拍一单 for two orders to ship together; the order-progress note for "can it ship today";
    # the shipping-time rule once the customer cancels
    ("cjyj", "还想再加一件 怎么弄", "又拍了一单 能跟上一单合一起发吗"),
    ("agxdj", "刚付款了 什么时候发货", "刚付款了 今天能发出吗"),
    ("cfhsx", "啥时候发货啊 付款两天了", "付款两天了还没发 不想要了 直接退吧"),
    # C47: the address, colour and merge replies for two orders to ship together; transit damage for
    # a phone dropped by its owner; repair times for a repair that failed; foot length for one-size
    # socks; the forged-signature reply for a return the shop signed for
    ("cxgdz", "地址写错了 还没发货吧 帮我改一下", "我刚下的两单能合一起发吗 地址是一样的"),
    ("cqrys", "刚拍的 颜色选错了 要白色的", "那我两件一起发吧 合并一下 白色那件也要"),
    ("cgys", "颜色拍错了 能改吗", "拍了两单 能合并发吗 一单是另一个颜色"),
    ("dpspz", "收到的时候杯子就碎了 箱子也压扁了", "杯子失手摔地上碎了 能补发一个吗"),
    ("dwxsc", "寄去维修多久能修好", "寄去维修都半个月了 还是没修好 多久能好"),
    ("dwxjd", "维修到哪一步了 好几天了", "返修回来还是没修好 到底还要多久"),
    ("ajchs", "这双鞋我穿多大 不知道自己脚多长", "袜子是均码吗 我45的脚能穿吗"),
    ("cmqhs", "显示签收了 我根本没收到 谁签的", _chat("显示签收三天了 钱呢", ("customer", "退货已经寄回去了"))),
    # E47: the stuck-at-the-hub reply for a question whether a cable comes in the box (还送不送 asks for
    # the delivery itself: the reply stays)
    ("cwpsy", "快递到了网点还送不送了 好几天不派送", "耳机送不送充电线 不送的话我再另买一根"),
]

SETTLED_48 = [
    # A48: a later shipping date for an address to correct; the colour change for a size change; the
    # overdue apology once the customer cancels (给我取消); 先问问邻居 once the door has been looked
    # at; thanks for a review held back for a fault; the missing-photos reason for a refused refund
    # of virtual goods; the cancel steps for a gift card's words; order-in-time advice for a gift
    # that came spoiled
    ("cythf", "先别发货 我下周才在家", "先别发 收货地址写错了 改成杭州市西湖区文三路18号"),
    ("cqrys", "颜色拍错了 要黑色的", "黑色那条拍错码了 帮我改成L"),
    ("ccsfh", "拍了五天了还不发货 等好久了", "等了一周还不发 给我取消 把钱退了"),
    ("cfmd", "快递说放门口了 我没看到啊", "显示签收了 门口没有 快递柜也没有"),
    ("egxpj", "好评写好了 五星", "先别说好评 戒指戴了三天就褪色了"),
    ("dtkbj", "退款被驳回了 为什么", "游戏点卡退款被拒了 我都没用"),
    ("cqxwf", "还没发货 不想要了 取消吧", "贺卡上那句不要了 改成生日快乐"),
    ("bjq", "周六过生日 现在拍能送到吗", "送人的花收到都蔫了 叶子都黑了"),
    # B48: other colours for one who wants this one only; filing a return for one who has settled on
    # it; the refund-after-return reply for a parcel never sent back; 这批刚好断货 where only the
    # customer suspects it
    ("aggdh", "白色怎么选不了 没货了吗", "那什么时候补 别的配色不想要"),
    ("ddtsh", "找不到退货按钮 怎么退", "不合适 七天无理由退了吧 怎么申请"),
    ("dcksh", "退货寄回去了 你们签收了吗 钱呢", "还没寄出吧 先别寄了 钱退我就行"),
    ("cqhyc", "这批货缺货了吗 什么时候有", "一直不发货 是不是压根没货 再不发我申请退款"),
    # C48: advice to get it checked for goods already checked and found fake
    ("bjh", "收到了拿去鉴定 如果是假的怎么办", "拿去专柜验了是假的 退一赔三"),
    # D48: return steps for a complaint that nobody answers or that went to 12315; the courier's
    # number for a child who asks every day; the fault video for an alteration of made-to-measure goods
    ("dthlc", "退货怎么退 没弄过", "客服半天不回消息 退货退了一个月还没弄完 我已经打12315了"),
    ("ckdy", "快递员电话多少 我联系一下", "催一下 前天拍的 孩子天天问到没到"),
    ("dbxlc", "用了两个月坏了 保修怎么弄", "去年定制的旗袍 腰那里能寄回去改吗 你们有保修吗"),
]


SETTLED_49 = [
    # A49: 傍晚揽收 once the customer says there is still no movement; the opened-food rule for a
    # toy nobody played with; the seven-day rule for fresh fruit; a stalled parcel for a brake that
    # fails; 婉拒议价 for a refund that came short; 可改单 once the customer said no change; a resend's
    # tracking number while the customer still asks which remedy; the scam warning for a hiring question
    ("cddls", "打包了吗 怎么还没物流信息", "前天就说在打包 今天还是没动静 到底发没发"),
    ("dbzc", "面霜拆了还能退不", "孩子不喜欢 盒子拆了但没玩过 能退吗"),
    ("dqtwl", "不想要了能退吗 没拆", "买的草莓没拆 不想要了能退吗"),
    ("cwlbg", "物流一直不更新 卡在中转站了", "滑板车刹车失灵 停在路边就往下溜"),
    ("awjyj", "能便宜点吗 诚心要", "退款少了十块 用的优惠券凭什么从我钱里扣"),
    ("cqxyy", "拍错了 不想要了 取消吧", "颜色不用改了 直接取消吧"),
    ("dbfdh", "补发的什么时候到 单号多少", "少发了一个配件 是补发还是退钱啊"),
    ("eqjz", "在家刷单能赚钱吗 你们有兼职任务吗", "你们店招兼职客服吗 打字很快"),
    # B49 (from tune29): the charging check for a charger that overheats or may burst; transit
    # damage for an old screen protector that broke; 收到图片问需求 for a photo that comes with the
    # fault spelled out; the colour change for a size change; the missing manual where the manual came
    ("dsmpc", "充电宝充不进电 插上没反应", "充电宝充一会就烫得不敢摸 会不会爆啊"),
    ("dpspz", "收到的杯子碎了 箱子也压扁了", "手机膜怎么还不发 旧膜都碎了 急用"),
    ("eqtp", "[图片] 看下图", "[图片] 你看下图 这个耳钉的针是歪的"),
    ("cqrys", "颜色拍错了 要黑色的", "黑色那件能帮我改成XL不 L偏小"),
    ("dsms", "说明书没有 怎么装啊", "盒子里只有说明书和主机 充电线没看到"),
]


SETTLED_50 = [
    # B50 (from tune30): 退货签收后退款 for a top-up that failed; 催退款加急 for a customer asking where
    # the refund went; 漏发核实 for a refund that came short; 留号码回电 for a courier asked to call
    # ahead; the shop's membership for the platform's (PLUS, 京豆); 改到新地址 for an item added to a
    # group-buy order; 做工瑕疵's "麻烦拍下…发我" once the photo is in the chat
    ("dcksh", "退货寄回去三天了 钱还没退回来", "话费充值失败了 100块还没退回来 到底退哪了"),
    ("djj", "退款都好几天了 怎么还没到 快点", "退款到底退哪了 原路是哪里 零钱里没看到"),
    ("dlfhs", "少发了一件 只收到一件", "怎么只退了50块 我付了80 少了一截"),
    ("ezldh", "打字说不清 能给我打个电话吗", "冰箱到哪了 送之前让师傅提前打个电话"),
    ("ehyqy", "会员有什么权益", "我是PLUS会员 有会员价吗 京豆能抵吗"),
    ("cgxdz", "地址改成阳光小区5栋2单元", "团长 能再加一份鸡蛋不 还是3号楼自提"),
    ("dxc", "外套腋下开线了", "[图片] 外套腋下开线了"),
]


SETTLED_51 = [
    # B51 (from tune31): 普票所需信息 asks for the e-mail among other things, and the customer has
    # written it; 补发单号 gives a tracking number for a resend the customer is only asking for;
    # 先问需求 asks who it is for when the customer named the pet's age or health
    ("bpp", "开普票要提供什么信息", "发票开好了吗 还没收到 我邮箱是wangxy_2020@qq.com 你看看是不是填错了"),
    ("dbfdh", "补发的单号多少 发我一下", "收到只有3双袜子 少了2双 请补发"),
    ("bxq", "想买个猫粮 推荐一下", "幼猫吃哪款猫粮好 推荐下"),
    ("bxq", "狗粮哪款好 推荐一个", "家里狗狗肠胃不好 狗粮推荐哪款"),
    # B51b (from tune32): 显示成功未到账 for a refund that was refused; 收货后状态未更新 for a return the
    # shop signed for, whose money is asked for; 普票所需信息 once the tax number itself is written
    ("dcgwd", "退款显示成功了 怎么还没到账", "仅退款凭什么被拒 东西我都没收到 没到账"),
    ("cshwx", "东西收到了 物流还显示在路上", "退货那边显示签收了 钱啥时候退给我"),
    ("bpp", "开普票要提供什么信息", "能开电子普票吗 税号再发你一遍 91440300MA5G8X2L1K 开票要什么信息"),
]


def test_an_order_number_is_no_tax_number(cue_engine):
    """B51b reads an 18-character credit code as the tax number given; an 18-digit order number
    has no letter in it and is not one, so 普票所需信息 still asks for the title and tax number."""
    assert "bpp" in _codes(cue_engine.suggest("普票就行 订单号183746592018374652 开票要提供什么信息", limit=12))


def test_intercepting_a_parcel_waits_once_the_agent_said_it_ships_tomorrow(cue_engine):
    """B51b: 已发货拦截 waits once the agent has just said the order goes out tomorrow (明天就发出)."""
    settled = _chat("算了不要了 没发的话直接给我取消吧", ("customer", "那个炒锅发了吗"), ("agent", "亲 您的订单明天就发出啦~"))
    assert "cyfhq" in _codes(cue_engine.suggest(_chat("发货了还能取消吗 不想要了", ("customer", "那个炒锅发了吗")), limit=12))
    assert "cyfhq" not in _codes(cue_engine.suggest(settled, limit=12))


SETTLED_52 = [
    # B52 (from tune33): 发错先核实 and 漏发核实 ask for a photo (麻烦拍一下…, …拍给我) the customer has
    # just sent
    ("dfchs", "发错货了 我要的是白色 你们发了个灰色", "[图片] 发错了 我买的白色 收到灰色"),
    ("dlfhs", "少发了一件 只收到裤子 上衣没有", "[图片] 你看 就收到裤子 上衣没有 少发了"),
    # B52c: 退款金额说明 (why the refund is short) waits while the customer only asks whether it is in
    # full, or demands it in full; 七天无理由 waits for earrings, worn through the ear
    ("dtkje", "退款怎么少了 只退了一部分", "退款退多少啊 是全额吗"),
    ("dtkje", "退款怎么少了 只退了一部分", "收到的桃子一半是烂的 要么全额退款 要么我找平台"),
    ("dqtwl", "项链不太喜欢 没戴过 能七天无理由退吗", "耳环不太喜欢 能七天无理由退吗"),
    # B52d (from tune33 and tune34): 发错先核实 after 拍了 看到没; 预计送达日期 reports on an order
    # not placed yet (3点前下单能当天送到吗)
    ("dfchs", "发错货了 我要的是白色 你们发了个灰色", "拍了 看到没 发错货了 我要的白色"),
    ("ajqsd", "我那单明天能送到吗", "下午2点前下单明天能送到北京吗"),
    # B52e (from tune34): a screen smashed by a fall (屏幕摔裂了) is the customer's, not transit damage
    ("dpspz", "快递到了 手表屏幕碎了 盒子都压扁了", "手表屏幕摔裂了 能换个屏吗"),
    ("dbfxz", "快递到了 手表屏幕碎了 盒子都压扁了", "手表屏幕摔裂了 能换个屏吗"),
]


def test_the_shipping_promise_waits_once_the_agent_said_it_shipped(cue_engine):
    """B52: 发货时效说明 (we ship by the promised time, I will push it if late) waits once the agent
    has just said the parcel left."""
    assert "cfhsx" in _codes(cue_engine.suggest(_chat("多久能发啊", ("customer", "我的台灯发了吗")), limit=12))
    shipped = _chat("多久能发啊", ("customer", "我的台灯发了吗"), ("agent", "亲 已经发货了哦 中通快递~"))
    assert "cfhsx" not in _codes(cue_engine.suggest(shipped, limit=12))


def test_chasing_the_warehouse_waits_while_the_customer_only_asks_whether_it_shipped(cue_engine):
    """B53: 已帮催仓库 ("我这就加急、催仓库…发出后我把单号发您") presumes the parcel has not left: it
    is offered when the customer pushes (催, 尽快, 急), not when they only ask whether it shipped."""
    def codes(msg, *turns):
        return _codes(cue_engine.suggest(_chat(msg, *turns), limit=12))
    assert "ccfh" in codes("发了没 帮我催一下")
    assert "ccfh" in codes("拖鞋发了吗 急用")
    assert "ccfh" not in codes("到底发没发 都三天了")
    assert "ccfh" not in codes("拖鞋发了吗 不急 有空帮我看一眼")  # 不急 is no push
    assert "ccfh" in codes("发了吗", ("customer", "能快点发吗 赶时间"))  # a push in an earlier turn counts


SETTLED_53 = [
    # B53b: 正品承诺 (a pre-sale promise to check where the goods come from) waits for an accusation
    # after buying; 填写退货单号 waits once the return's tracking number is filled in
    ("bzp", "这双鞋是正品吗 鞋标怎么歪的", "这双鞋是正品吗 拿去专柜验了是假的"),
    ("dtxdh", "退货寄出了 单号在哪填", "退货寄出了 单号填好了 在哪看进度"),
    # B53c (from tune36): 改颜色 does not ask which colour when one is named (要米白不要黑的, 要的是雾霾蓝);
    # 换新还是维修 waits for a fall; 到了不派送 once it shows delivered; 付款失败 once another card was tried
    ("cgys", "拍错颜色了 还没发吧 帮我改一下颜色", "拍错颜色了 要米白不要黑的 还没发吧 帮我改一下"),
    ("cgys", "拍错颜色了 还没发吧 帮我改一下颜色", "颜色拍错了 要的是雾霾蓝 还没发吧 帮我改一下颜色"),
    ("dhxwx", "手机用了一个月屏幕有条线 保修是换新还是修", "手机屏幕摔裂了 保修是换新还是修 想换新的"),
    ("cwpsy", "快递到了本地网点两天了一直不派送", "骑手显示已送达 一直不派送 人呢"),
    ("czfsb", "一直支付失败 怎么回事", "一直支付失败 换了张卡也不行 怎么回事"),
    # B53e: 查询退款进度 (how far the refund has got) waits for a refund demanded that nobody started
    ("dtkjd", "退款申请三天了还没到账 到底退哪去了", "安装费收了我80块 这钱必须退 退款申请三天了还没到账"),
]

SETTLED_54 = [
    # B54: 热卖款参考 (look at the sales figures; tell me the use) waits when the customer says what they
    # need or compares two; 衣物洗涤 waits for shoes and bedding; a photo said to be sent in other words
    # (拍照给你看了, 照片发群里了) is not asked for again
    ("brm", "你家卖得最好的是哪款碎纸机", "碎纸机推荐哪款 最好能碎光盘 你家卖得最好的是哪款"),
    ("brm", "红茶哪款卖得好", "红茶跟普洱哪个更适合我 你家哪款卖得好"),
    ("bjx", "这件卫衣怎么洗 能丢洗衣机吗", "白色板鞋脏了怎么洗 能丢洗衣机吗"),
    ("bjx", "真丝睡衣能机洗吗 怕洗坏了", "真丝被能机洗吗 怕洗坏了"),
    ("dpspz", "口红到手就断了 外壳也裂了一条缝", "口红到手就断了 外壳也裂了一条缝 拍照给你看了"),
    ("dpspz", "昨天拿的水蜜桃 6个烂了3个 咋处理", "昨天拿的水蜜桃 6个烂了3个 照片发群里了 咋处理"),
    # B54b: 七天无理由 waits once the seventh day has passed; 改到新地址 waits for a group-buy quantity
    # written wrong; 几天能到 (parcel days) waits for a top-up; 破损请拍照 waits for wear after a month's use
    ("dqtwl", "电热水壶没拆封 不想要了 七天无理由能退吗", "电热水壶没拆封 不想要了 今天第八天了 七天无理由还能退吗"),
    ("cgxdz", "团长我接龙地址写错了 是18栋2单元 帮我改下", "团长我接龙写错了 草莓写了2份 其实要3份 18栋小王 帮我改下"),
    ("ajtnd", "刚拍了 大概多久能到啊", "话费刚充了100 大概多久到账啊"),
    ("dpspz", "沙发收到皮面就开裂了", "沙发才坐一个月 皮面就开裂了"),
    # B54d: 放门口丢了 waits when the customer offers the gatehouse; 分包裹发货 once every parcel came; 服装面料
    # for leather bags; 热卖款参考 does not read 最好 (a wish) as a popularity word; 已打包待揽收 once the agent
    # said it shipped; 送货上门 once the agent spoke of delivery to the door
    ("cfmd", "快递放门口就没了 监控也没拍到",
     _chat("我电话一直开着的 让他再送一次 放门卫也行", ("agent", "亲 快递员反馈联系不上您哦"))),
    ("dfb", "书桌只收到一个包裹 少了侧板", "两个包裹都到了 拼了一半发现少两根螺丝和一块侧板"),
    ("afzml", "这件衬衫什么面料 含棉多少", "这个包包是真皮还是pu的啊 内衬什么料子"),
    ("brm", "双肩包哪款卖得最好", "通勤用 要能放15寸电脑的双肩包 推荐哪款 最好黑色耐脏"),
    ("cddls", "怎么还没揽收 一直没物流",
     _chat("可我这显示还没揽收啊 这什么意思", ("customer", "书发了吗"), ("agent", "亲 昨天已经发出了哦~ 中通快递"))),
    ("bsm", "我住6楼没电梯 能送上楼吗",
     _chat("我住6楼没电梯 上楼要另外给钱吗", ("agent", "亲 沙发是物流专线配送的 送货上门但是不包上楼哦"))),
]

SETTLED_55 = [
    # B55: 人为损坏 waits when the customer rules out the damage it presumes; 洗后掉色 for a buckle's
    # plating; 送女生推荐 once the gift has arrived spoiled
    ("drwsh", "手机摔了一下 屏幕裂了 还能保修吗", "手机没摔也没进水 屏幕自己裂了 还能保修吗"),
    ("dds", "卫衣洗了一次就掉色 还把别的衣服染了", "包上的金属扣掉色了 才背了一周"),
    ("bnv", "想送女朋友生日礼物 有啥推荐的", "送女朋友的花收到一半都蔫了 怎么办"),
    # B55b: a phone model named as the one wanted is not asked for again; 衣物洗涤 waits for a coat;
    # 物流多日不动 for a parcel not carried up; 称联系不上 for a parcel shown as signed for
    ("dmcxh", "手机壳买错型号了 没拆封 能换吗", "手机壳买错型号了 没拆封 能换成15的吗"),
    ("bjx", "这件毛衣怎么洗 能丢洗衣机吗", "这件羊毛大衣怎么洗 能丢洗衣机吗"),
    ("cwlkz", "跑步机物流一直不动 卡在中转站了", "跑步机物流一直不动 师傅说放一楼大厅 不管上楼 我搬不动"),
    ("clxbs", "快递员说联系不上我 可我手机一直开着", "显示已签收 快递员说联系不上我 可我一直在家"),
]

SETTLED_56 = [
    # B56: 回应夸奖 waits when the praise comes with a request; 已帮催仓库 when the customer only asks
    # whether it has shipped (还没发货吧); 未发货仅退款 once the goods have arrived
    ("ejmy", "客服小姐姐态度真好 效率好高👍", "效率好高👍 物流单号发我一下"),
    ("ccfh", "都五天了还没发货 什么情况", "想把颜色换成蓝的 还没发货吧"),
    ("djtk", "还没发货的话我不要了 能直接仅退款吗", "收到的杯子裂了一道缝 我要仅退款"),
]

SETTLED_57 = [
    # B57: 包裹丢失 waits while the loss is only feared (别是丢了吧, 丢了算谁的); 留号码回电 when the
    # customer asks not to be called; 付款失败 ("换张卡或改用花呗再试试") once they tried both;
    # 未发货仅退款 once the goods came (寄过来); 地址填错改派 when the customer says the address was right
    ("cbjds", "快递员说我的包裹丢了 这怎么办", "驿站说找不到我的件 别是丢了吧"),
    ("cbjds", "快递员说我的包裹丢了 这怎么办", "快递送到别的楼去了 里面是手表 丢了算谁的"),
    ("ezldh", "打字说不清楚 能给我打个电话吗", "拍好了 帮我备注一下 别打电话 上班接不了 放快递柜"),
    ("czfsb", "付款一直提示失败 这是怎么回事", "付不了款 一直提示支付失败 花呗也不行 咋回事"),
    ("djtk", "还没发货 我不想要了 能直接仅退款吗", "多肉寄过来全烂根了 我要仅退款"),
    ("cdzcw", "下单时地址写错了 快递已经在路上 能改派吗", "快递送到隔壁小区去了 我地址没写错啊 你们帮我联系一下快递"),
    # B57b: 电子版说明书 ("说明书丢了没关系") waits for a missing manual, not one the customer has and cannot follow
    ("bsms", "说明书丢了 这个咋用啊", "说明书看了好几遍 还是不会设定时 按哪个键啊"),
    # … and 操作说明发您, the how-to reply that stands in for it, waits where the customer reports a fault
    ("bczsm", "辅助轮怎么装啊 图看不明白", "辅助轮怎么装啊 图看不明白 装了一次就坏了"),
    ("bczsm", "辅助轮怎么装啊 图看不明白", "这个滑板车怎么折叠 说明书看不明白 折的时候卡扣坏了"),
    # B57c: 先问需求 (自己用还是送人、预算多少) waits once the customer has said who it is for or what for
    ("bxq", "有啥推荐的吗 不知道买哪个", "想给上初二的孩子挑几本课外书 有啥推荐的"),
    ("bxq", "有啥推荐的吗 不知道买哪个", "家里老人血糖偏高 哪种杂粮适合 推荐一下"),
]

SETTLED = (SETTLED_46 + SETTLED_47 + SETTLED_48 + SETTLED_49 + SETTLED_50 + SETTLED_51 + SETTLED_52 + SETTLED_53
           + SETTLED_54 + SETTLED_55 + SETTLED_56 + SETTLED_57)


@pytest.mark.parametrize("code,open_case,settled_case", SETTLED, ids=[row[0] for row in SETTLED])
def test_replies_wait_where_the_chat_has_settled_what_they_assume(cue_engine, code, open_case, settled_case):
    assert code in _codes(cue_engine.suggest(open_case, limit=12))
    assert code not in _codes(cue_engine.suggest(settled_case, limit=12))


def test_intercepting_a_parcel_waits_once_the_agent_said_it_ships_days_later(cue_engine):
    """Forty-ninth pass: 已发货拦截 (a parcel that left can only be stopped) is offered for a cancel
    after shipping, and waits once the agent has just said the goods ship days later."""
    def codes(msg, *turns):
        return _codes(cue_engine.suggest(_chat(msg, *turns), limit=12))
    assert "cyfhq" in codes("发货了还能取消吗 不想要了", ("customer", "那个炒锅发了吗"))
    assert "cyfhq" not in codes("那不要了 没发的话就取消吧", ("customer", "电饭煲今天能发吗"),
                                ("agent", "亲 这款要5天后才能发出哦"))


def test_an_engraving_question_gets_the_engraving_reply(cue_engine):
    """Fifty-fourth pass: 刻字定制 answers "能刻字吗" (礼品包装, the box, was its top answer and judged
    harmful 4 times in 5); it needs an engraving word in the message, so 立刻 or a gift box alone does
    not bring it."""
    assert "bkzdz" in _codes(cue_engine.suggest("钢笔能刻字吗 送老师的 有没有礼盒", limit=12))
    assert "bkzdz" in _codes(cue_engine.suggest("保温杯能刻个名字吗", limit=12))
    assert "bkzdz" not in _codes(cue_engine.suggest("钢笔有礼盒吗 送老师的", limit=12))
    assert "bkzdz" not in _codes(cue_engine.suggest("立刻发货吗 明天要用", limit=12))
    # its words count in the message itself (问:刻字): a wrapping question asked after the engraving was
    # settled does not bring it back
    assert "bkzdz" not in _codes(cue_engine.suggest(_chat(
        "那帮我包好看点 送领导的 能配个手提袋不", ("customer", "这个钢笔礼盒能刻字吗"), ("agent", "可以的亲 刻字限8个字以内哦~")),
        limit=12))
    # …and once the agent has said it can be engraved, it does not go and check that again
    asked = "刻字要多等几天啊 能配个礼盒吗 送老师的"
    assert "bkzdz" in _codes(cue_engine.suggest(asked, limit=12))
    assert "bkzdz" not in _codes(cue_engine.suggest(_chat(asked, ("agent", "亲 这款钢笔支持免费刻字哦~")), limit=12))
