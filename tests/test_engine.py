"""Engine.suggest / search / check against the real default knowledge base."""
import json

import pytest

from assistant.engine import Conversation

CONTRACT_KEYS = {"analysis", "replies", "subtext", "empathy", "playbook", "cross_sell", "warnings", "elapsed_ms"}


def test_suggest_follows_the_json_contract(engine):
    s = engine.suggest(Conversation.of("收到的杯子碎了，订单号 3254857712345678，怎么处理"))
    d = json.loads(json.dumps(s.as_dict(), ensure_ascii=False))
    assert CONTRACT_KEYS <= set(d)
    a = d["analysis"]
    assert {"intent", "stage", "intent_scores", "emotion", "intensity", "urgent", "entities"} <= set(a)
    assert a["intent"] == "damaged_defect" and a["stage"] == "aftersale"
    assert a["entities"]["order_no"] == "3254857712345678"
    r = d["replies"][0]
    assert {"id", "intent", "text", "filled", "missing", "score", "why"} <= set(r)
    assert r["intent"] == "damaged_defect" and r["why"]
    scores = [x["score"] for x in d["replies"]]
    assert 1 <= len(scores) <= 5 and all(x >= engine.SHOW_BELOW for x in scores[1:])  # weak ones not shown
    assert d["playbook"]["name"] and d["playbook"]["options"] and d["playbook"]["limit"]
    assert d["elapsed_ms"] > 0


def test_order_number_and_name_are_filled_into_templates(engine):
    conv = Conversation.of("订单 2024112312345678 还没发货吗", profile={"customer_name": "王姐"})
    s = engine.suggest(conv)
    assert s.analysis.intent == "urge_shipping"
    with_vars = [r for r in s.replies if "{订单号}" in r["text"] or "{顾客称呼}" in r["text"]]
    assert with_vars, "expected at least one template with variables"
    for r in with_vars:
        assert "{订单号}" not in r["filled"] and "{顾客称呼}" not in r["filled"]
        if "{订单号}" in r["text"]:
            assert "2024112312345678" in r["filled"]
        if "{顾客称呼}" in r["text"]:
            assert r["filled"].startswith("王姐") or "王姐" in r["filled"]
        assert "订单号" not in r["missing"]


def test_an_order_number_given_a_turn_earlier_fills_the_reply(engine):
    """Customers send the order number once and then ask: {订单号} is filled from their earlier
    turn, not left for the agent to copy; the message's own entities (what entity F1 scores) and
    an agent's turn do not change."""
    conv = Conversation.of("保修要什么凭证", [{"role": "customer", "text": "我的订单号 3254857712345678"},
                                        {"role": "agent", "text": "好的亲，订单 1111222233334444 我查一下"}])
    s = engine.suggest(conv)
    assert "order_no" not in s.analysis.entities
    assert s.values["order_no"] == "3254857712345678"
    with_order = [r for r in s.replies if "{订单号}" in r["text"]]
    assert with_order and all("3254857712345678" in r["filled"] and "订单号" not in r["missing"] for r in with_order)
    # the message's own number wins over an earlier one; a masked corpus value is never filled in
    s = engine.suggest(Conversation.of("保修要什么凭证，订单 2024112312345678",
                                       [{"role": "customer", "text": "订单号 3254857712345678"}]))
    assert s.values["order_no"] == "2024112312345678"
    s = engine.suggest(Conversation.of("保修要什么凭证", [{"role": "customer", "text": "订单号[订单x]"}]))
    assert "order_no" not in s.values


def test_numbers_from_turns_that_may_be_another_customers_fill_nothing(engine):
    """Turns remembered per window title may be another customer's (one 接待中心 window serves
    them all): they still help to read the follow-up, but their order or phone number must not
    reach this customer in a reply."""
    turns = [{"role": "customer", "text": "我的订单号 3254857712345678 手机 13912345678"}]
    s = engine.suggest(Conversation.of("保修要什么凭证", turns, same_customer=False))
    assert "order_no" not in s.values and "phone" not in s.values
    assert all("3254857712345678" not in r["filled"] and "13912345678" not in r["filled"] for r in s.replies)
    assert engine.suggest(Conversation.of("保修要什么凭证", turns)).values["order_no"] == "3254857712345678"


def test_missing_variables_are_listed_for_the_agent(engine):
    filled, missing = engine.fill("{顾客称呼}，您的单号是{运单号}，订单{订单号}", {}, {})
    assert filled.startswith("亲，")  # default form of address
    assert missing == ["运单号", "订单号"]


@pytest.mark.parametrize("message,intent", [
    ("在吗", "greeting"),
    ("165 110斤穿多大码", "size_fit"),
    ("有没有优惠券啊 能便宜点不", "price_discount"),
    ("发什么快递 包邮吗", "shipping_method"),
    ("能开发票吗 要专票", "invoice"),
    ("东西不想要了 帮我取消订单", "order_cancel"),
    ("快递显示签收了但是我没收到", "delivery_problem"),
    ("衣服小了想换大一码", "return_exchange"),
    ("退款什么时候到账", "refund"),
    ("收到的颜色发错了", "wrong_missing"),
    ("刚买就降价了 能补差价吗", "price_protect"),
    ("我要投诉你们 再不处理就给差评", "complaint"),
    ("转人工", "human_agent"),
    ("好的谢谢", "thanks_bye"),
])
def test_common_needs_are_recognised(engine, message, intent):
    assert engine.suggest(message).analysis.intent == intent


def test_emotion_intensity_and_urgency(engine):
    calm = engine.suggest("这款有白色吗").analysis
    assert (calm.emotion, calm.urgent) == ("calm", False)
    angry = engine.suggest("你们什么态度！！！东西坏了不管是吧 我要投诉").analysis
    assert angry.emotion == "angry" and angry.urgent and angry.intensity >= 0.6
    anxious = engine.suggest("急用 明天能到吗 着急").analysis
    assert anxious.emotion == "anxious" and anxious.urgent


@pytest.mark.parametrize("message", ["对这次服务很不满意", "安装不满意 找你们还是找厂家", "不太满意", "不开心 东西坏了"])
def test_negated_praise_is_not_read_as_praise(engine, message):
    """不满意 holds 满意: the hand cue for praise must not fire on it, and the customer is let down."""
    a = engine.suggest(message).analysis
    assert a.emotion == "disappointed", (message, a.emotion)
    assert engine.analyzer.emotion(message, a.clean)[0] == "disappointed"


@pytest.mark.parametrize("message", ["买给我妈的 她60岁 平时穿L 这个颜色合适吗", "之前给了个差评 现在能改吗 在哪改",
                                     "问题解决了 差评怎么改成好评"])
def test_words_that_only_look_angry_are_not_anger(engine, message):
    """妈的 in 我妈的 is "my mother's", and a customer asking how to change a bad review is not
    angry (both were read angry and got 投诉先致歉 on top)."""
    assert engine.analyzer.emotion(message, message)[0] != "angry", message
    assert engine.suggest(message).analysis.emotion != "angry", message
    assert engine.analyzer.emotion("再不处理我就给差评", "")[0] == "angry"
    assert engine.analyzer.emotion("他妈的什么破东西", "")[0] == "angry"


@pytest.mark.parametrize("message", ["好评返现怎么领 晒图了 截图发哪", "之前手快给了个中评 能改成好评吗 在哪里改",
                                     "能帮忙写张卡片吗 就写生日快乐 价格单别放", "好评先等等 少了个螺丝包"])
def test_a_review_or_a_card_named_is_not_praise(engine, message):
    """好评 in 好评返现 / 改成好评 names a review, and 生日快乐 on a card is its text: a calm
    question, not a pleased customer (the praise cue read 58 such tune-side messages as satisfied;
    fortieth pass). Praise itself still is."""
    assert engine.analyzer.emotion(message, message)[0] != "satisfied", message
    assert engine.suggest(message).analysis.emotion != "satisfied", message
    for praise in ("衣服收到了很喜欢", "必须五星好评", "那不打扰您啦 五一节快乐"):
        assert engine.analyzer.emotion(praise, praise)[0] == "satisfied", praise


@pytest.mark.parametrize("message", ["你们不是有价保吗 降价了给我补下差价", "抬头错了，是个人，不是公司，能重新开吗"])
def test_recalling_a_service_or_correcting_a_detail_is_not_confusion(engine, message):
    """不是有价保吗 reminds the shop of a service and 是个人，不是公司，能重开吗 corrects a detail: the
    confusion cue (不是…吗) no longer reads them, while a promise that did not hold still confuses
    (fortieth pass)."""
    assert engine.analyzer.emotion(message, message)[0] != "confused", message
    puzzled = "极速退款不是秒到的吗 怎么一直显示退款中"
    assert engine.analyzer.emotion(puzzled, puzzled)[0] == "confused"


@pytest.mark.parametrize("message", ["不是很急 慢慢发就行", "不急 什么时候有货", "不着急 帮我备注周末送", "没那么急"])
def test_no_hurry_is_not_a_hurry(engine, message):
    """急 inside 不急 / 不着急 / 不是很急 is the opposite of a deadline."""
    a = engine.suggest(message).analysis
    assert (a.emotion, a.urgent) == ("calm", False), message
    hurry = engine.suggest("着急用 明天能到吗").analysis
    assert hurry.emotion == "anxious" and hurry.urgent


@pytest.mark.parametrize("message", ["好的，麻烦你了", "麻烦帮我查一下这个单", "那麻烦你帮我申请退货", "就这个"])
def test_a_polite_request_is_not_a_letdown(engine, message):
    """麻烦你了 / 麻烦帮我 is please, not 'what a hassle': no apology to a calm customer."""
    assert engine.suggest(message).analysis.emotion != "disappointed", message
    assert engine.analyzer.emotion(message, engine.suggest(message).analysis.clean)[0] != "disappointed"
    assert engine.suggest("退个货太麻烦了 真失望").analysis.emotion == "disappointed"


@pytest.mark.parametrize("message", ["今天几点能发货呀", "又是这款 我再买两盒", "催一下发货吧 谢谢",
                                     "这个颜色不喜欢 能换个别的色吗"])
def test_a_mild_cue_informs_the_model_but_does_not_overrule_its_calm(engine, message):
    """几点, 又, 催, 不喜欢 are features of the learned reading, but alone they no longer turn a calm
    reading into worry or a letdown (Analyzer.NO_OVERRIDE; fiftieth pass: those overrides were
    wrong more often than right on the tune halves the reader never learned from). A clear cue
    still overrules: 气死了, 太失望了."""
    assert engine.suggest(message).analysis.emotion == "calm", message
    assert engine.suggest("气死了 又发错了").analysis.emotion == "angry"
    assert engine.suggest("说好今天发 又拖到明天 太失望了").analysis.emotion == "disappointed"
    # the hand reading alone (no model) still hears them
    assert engine.analyzer.emotion("今天几点能发货呀", "")[0] == "anxious"


def test_every_cue_kept_from_overruling_is_one_the_lexicon_has():
    """NO_OVERRIDE names alternatives of resources/kb/lexicon.yaml's emotion patterns word for word:
    one the lexicon no longer has would silently overrule again."""
    import yaml

    from assistant.analysis import Analyzer, alternatives
    from assistant.paths import kb_resources_dir

    doc = yaml.safe_load((kb_resources_dir() / "lexicon.yaml").read_text(encoding="utf-8"))
    for label, cues in Analyzer.NO_OVERRIDE.items():
        have = {a for pattern, _ in doc["emotion"][label] for a in alternatives(pattern)}
        assert cues <= have, (label, cues - have)


def test_thanks_after_a_request_is_politeness_thanks_for_an_answer_is_satisfaction(engine):
    """帮我查下 谢谢 asks for something (calm); 好的谢谢 thanks the agent for the last answer."""
    for message in ("快递还没收到 麻烦帮查下 谢谢", "查到了告诉我一声，谢谢", "帮我备注一下周六送 谢谢"):
        assert engine.suggest(message).analysis.emotion != "satisfied", message
    for message in ("好的谢谢", "好的谢谢 另外发票能开公司抬头吗"):
        assert engine.suggest(message).analysis.emotion == "satisfied", message


def test_thanks_that_closes_an_exchange_is_thanks_whatever_the_topic(engine):
    """好的 谢谢哦 after the agent has done the thing ends the exchange: the topic (a price
    protection, a refund, a parcel) must not turn it into another question about it. A bare 好的
    after "需要帮您取消吗" is a yes and stays with the topic."""
    closed = [
        ("好的 谢谢哦", "买贵了 能保价吗", "原价299 现价279 差价20元已经为您申请了价保"),
        ("OK 谢谢", "退款什么时候到账", "退款已经提交了 原路退回 1-3个工作日到账"),
        ("懂了，谢谢", "还没发货能取消吗", "已经发出了 可以拒收 快递退回后给您退款"),
        ("辛苦了", "快递三天没动了", "我这边联系站点帮您催一下"),
        ("好的 麻烦你了", "帮我备注一下周六送", "好的亲 已经给您备注了"),
    ]
    for message, asked, answered in closed:
        conv = Conversation.of(message, [{"role": "customer", "text": asked}, {"role": "agent", "text": answered}])
        s = engine.suggest(conv)
        assert s.analysis.intent == "thanks_bye", message
        assert s.replies[0]["intent"] == "thanks_bye", message
    yes = Conversation.of("好的", [{"role": "customer", "text": "还没发货能取消吗"},
                                   {"role": "agent", "text": "可以的 需要帮您取消吗"}])
    assert engine.suggest(yes).analysis.intent == "order_cancel"
    assert engine.suggest("谢谢 那什么时候发货").analysis.intent != "thanks_bye"
    closings = ("亲 其他没有了 谢谢", "好的拜拜", "不用了谢谢", "嗯嗯 好吧 谢谢哦")
    assert all(engine.analyzer.thanks_only(m) for m in closings)
    questions = ("没有了？", "货没有了", "好的", "谢谢 不过还没到", "谢谢，帮我查下", "麻烦你帮我查下")
    assert not any(engine.analyzer.thanks_only(m) for m in questions)


def test_names_of_goods_carry_no_feeling_and_no_other_need(engine):
    """垃圾桶 is a bin, not 垃圾; 靠垫 a cushion, not the curse 靠; 扫地机器人 a vacuum robot, not
    "are you a robot"; 棒棒糖 a lollipop, not 棒 (great). The words alone still count."""
    for message in ("这个靠垫什么材质", "垃圾桶有货吗", "腰靠多少钱", "棒棒糖保质期多久", "扫地机器人有货吗"):
        a = engine.suggest(message).analysis
        assert a.emotion == "calm", message
        assert a.intent not in ("complaint", "human_agent"), message
    assert engine.suggest("垃圾 什么破东西").analysis.emotion == "angry"
    assert engine.suggest("你是机器人吗").analysis.intent == "human_agent"


def test_everyday_words_that_contain_a_curse_are_not_curses(engine):
    """靠 and 滚 are curses alone, not in 靠谱 (reliable), 可靠, 靠近 or 滚轮; 棒 is praise, not in 铁棒."""
    for message in ("这家店靠谱吗", "放门口靠近电梯那边就行", "鼠标滚轮坏了 能换吗", "铁棒多少钱一根"):
        assert engine.suggest(message).analysis.emotion not in ("angry", "satisfied"), message
    assert engine.suggest("京东客服还是靠谱 点赞").analysis.emotion == "satisfied"
    assert engine.suggest("太不靠谱了 说好今天到的").analysis.emotion in ("angry", "disappointed")
    for message in ("我靠 又没送到", "你给我滚"):
        assert engine.suggest(message).analysis.emotion == "angry", message
    for question in ("跟专柜的一样吗", "女朋友会喜欢吗 送她生日的"):  # a question, not a letdown or praise
        assert engine.suggest(question).analysis.emotion == "calm", question
    calm = engine.suggest("急性咽炎能吃这个药吗").analysis  # 急性 (acute) is no hurry
    assert calm.emotion == "calm" and not calm.urgent
    assert engine.suggest("我急用 能快点发吗").analysis.urgent


def test_a_bank_or_a_speaker_is_no_threat_to_complain(engine):
    """工商 (the market regulator) and 媒体 (the press) threaten a complaint; 工商银行 and 多媒体 do not."""
    lex = engine.analyzer.intent_lex
    assert "complaint" not in lex.score("工商银行的卡能付款吗")[0]
    assert "complaint" not in lex.score("多媒体音箱有货吗")[0]
    assert "complaint" in lex.score("再不处理我就找工商")[0]
    assert "complaint" in lex.score("我要找媒体曝光")[0]


def test_training_reads_the_cues_as_the_engine_does(engine):
    """The reader learns from cue hits computed without a database (train.Cues): the goods it
    blanks must be the ones the engine blanks, or the weights learn one thing and see another."""
    from assistant.train import Cues

    cues = Cues()
    a = engine.analyzer
    for kind, lex in (("intent", a.intent_lex), ("emotion", a.emotion_lex), ("urgent", a.urgent_lex)):
        ours = lex._goods.pattern if lex._goods else None
        theirs = cues.kinds[kind]._goods.pattern if cues.kinds[kind]._goods else None
        assert ours == theirs, kind
    assert a.emotion_lex._goods.search("垃圾桶") and a.intent_lex._goods.search("扫地机器人")


def test_a_worry_before_buying_is_a_product_question_not_a_fault(engine):
    """会不会起球 asks about goods not yet bought; 会不会是坏了 asks about a fault."""
    for message in ("会不会起球啊", "会不会漏水啊 看评论有人说漏", "质量咋样 会不会用两天就坏"):
        assert engine.suggest(message).analysis.intent == "product_info", message
    assert engine.suggest("用了一周 会不会是坏了").analysis.intent == "damaged_defect"


def test_a_complaint_denied_or_thanks_with_a_but_is_read_for_what_follows(engine):
    calm = engine.suggest("我不是要投诉 就是想问下为啥还没发货").analysis
    assert calm.emotion != "angry" and not calm.urgent
    assert engine.suggest("我要投诉 你们太过分了").analysis.emotion == "angry"
    for message in ("谢谢客服 但是收到的颜色不对", "感谢亲 可是少了一个赠品"):
        but = engine.suggest(message).analysis
        assert but.emotion != "satisfied" and but.intent != "thanks_bye", message


def test_praise_is_still_praise(engine):
    for message in ("收到了 很满意", "挺不错的 谢谢", "很喜欢 谢谢亲"):
        assert engine.suggest(message).analysis.emotion == "satisfied", message


def test_a_mood_said_in_earlier_turns_carries_over_to_a_flat_follow_up(engine):
    from assistant.analysis import EMOTIONS, Turn

    an = engine.analyzer
    flat = {e: 1 / len(EMOTIONS) for e in EMOTIONS}
    angry = [Turn("customer", "你们什么态度 等了一个星期还不发货 气死我了 我要投诉")]
    worried = [Turn("customer", "说好昨天到的 明天就要用了 急死了")]
    for ctx, mood in ((angry, "angry"), (worried, "anxious")):
        pe = an._with_mood(flat, ctx + [Turn("agent", "亲 我马上帮您查一下")])
        assert max(pe, key=pe.get) == mood and abs(sum(pe.values()) - 1) < 1e-9
    assert an._with_mood(flat, [Turn("agent", "亲 还有什么可以帮您")]) == flat  # only the customer's turns
    assert an.EMOTION_TOPIC > 0


def test_empathy_matches_the_emotion(engine):
    s = engine.suggest("太失望了 本来很期待的 结果用了两天就坏")
    assert s.analysis.emotion == "disappointed"
    assert s.empathy and all(e["emotion"] == "disappointed" for e in s.empathy)


def test_a_puzzled_first_message_gets_no_opening_that_redoes_an_earlier_explanation(engine):
    """"可能我刚才说得不够清楚，我换个说法" fits a customer puzzled by what the agent said; before the
    agent has said anything it is nonsense. Those lines wait for an agent turn in the conversation."""
    back = [t for (emo, _), lines in engine.empathy_lines.items() if emo == "confused"
            for t in lines if engine.REFERS_BACK.search(t)]
    assert len(back) >= 4  # the knowledge base has such lines, so the rule below has work to do
    message = "看不懂这个说明 到底是怎么用的啊"
    seen_first, seen_after = set(), set()
    for tail in ("", "？", "??", " 亲", "呀", " 搞不明白"):  # the hash picks other lines per message
        first = engine.suggest(Conversation.of(message + tail))
        assert first.analysis.emotion == "confused"
        seen_first |= {e["text"] for e in first.empathy}
        after = engine.suggest(Conversation.of(message + tail, ["customer:这个怎么装", "agent:先把底座卡进去再拧紧"]))
        seen_after |= {e["text"] for e in after.empathy}
    assert seen_first and not any(engine.REFERS_BACK.search(t) for t in seen_first)
    assert any(engine.REFERS_BACK.search(t) for t in seen_after)


def test_a_problem_told_calmly_gets_a_serious_opening_not_a_breezy_one(engine):
    """"好的亲，我看看哦" fits a calm pre-sale question; a return, a broken item or a late parcel told
    calmly (or a calm reading that may be an upset customer) gets the serious calm lines instead:
    no apology, nothing breezy; so does an angry reading the reader itself does not share. The
    evaluation counts the openings that misfit the labelled mood."""
    from assistant.evaluate import opening_misfits

    breezy = set(engine.empathy_lines[("calm", "low")])
    care = set(engine.empathy_lines[("calm", "care")])
    assert care and not care & breezy and not any(engine.APOLOGY.search(t) for t in care)
    problem = engine.suggest("收到的杯子有一道裂纹 怎么处理")
    assert problem.analysis.emotion == "calm" and problem.analysis.intent in engine.PROBLEM_INTENTS
    assert problem.empathy and {e["text"] for e in problem.empathy} <= care
    assert all(e["level"] == "care" for e in problem.empathy)
    question = engine.suggest("这款保温杯能装开水吗")
    assert question.analysis.emotion == "calm" and question.analysis.upset < engine.EMPATHY_CARE_UPSET
    assert {e["text"] for e in question.empathy} <= breezy
    engine.EMPATHY_CARE_UPSET = 0.0  # any chance of an upset customer: the serious lines
    assert {e["text"] for e in engine.suggest("这款保温杯能装开水吗").empathy} <= care
    # what the evaluation counts
    assert opening_misfits(engine, "angry", question.empathy[0])
    assert not opening_misfits(engine, "angry", problem.empathy[0])
    assert not opening_misfits(engine, "calm", problem.empathy[0])
    # a "!" alone is a weak cue: with the reader not seeing anger, no apology for "你好!"
    for message in ("你好!", "好的，立刻取消!"):
        bang = engine.suggest(message)
        assert bang.analysis.emotion == "angry" and bang.analysis.upset < engine.EMPATHY_SURE_UPSET, message
        assert {e["text"] for e in bang.empathy} <= care, message
    fury = engine.suggest("气死我了 什么破东西")
    assert fury.analysis.upset >= engine.EMPATHY_SURE_UPSET and not {e["text"] for e in fury.empathy} & care
    sorry = next(t for t in engine.empathy_lines[("angry", "low")] if engine.APOLOGY.search(t))
    sorry = {"emotion": "angry", "level": "low", "text": sorry}
    assert opening_misfits(engine, "calm", sorry) and not opening_misfits(engine, "angry", sorry)
    assert opening_misfits(engine, "disappointed", None)  # no opening at all for a let-down customer


def test_short_follow_up_takes_its_need_from_the_context(engine):
    alone = engine.suggest("那怎么办").analysis
    ctx = [{"role": "customer", "text": "快递显示签收了 可我根本没收到"},
           {"role": "agent", "text": "亲，我帮您查一下"}]
    with_ctx = engine.suggest(Conversation.of("那怎么办", ctx)).analysis
    assert with_ctx.intent == "delivery_problem"
    assert alone.intent != "delivery_problem"


def test_subtext_and_cross_sell_for_a_presale_question(engine):
    s = engine.suggest("你们家面霜保湿吗 我是干皮")
    assert s.analysis.stage == "presale"
    assert s.subtext and all(x["meaning"] and x["advice"] for x in s.subtext)
    assert s.cross_sell and all(c["product"] and c["reason"] for c in s.cross_sell)


def test_no_cross_sell_to_an_angry_customer(engine):
    s = engine.suggest("面霜用了过敏 脸都红了 你们卖的什么垃圾")
    assert s.cross_sell == []


@pytest.mark.parametrize("raw,needle", [
    ("", "为空"), ("   \n\t ", "为空"), ("😀😀👍", "没有文字"), ("\x00\x01\x02\x03\x04" * 50, "二进制"),
])
def test_bad_input_gives_a_clear_warning_not_a_traceback(engine, raw, needle):
    s = engine.suggest(raw)
    assert s.replies == [] and any(needle in w for w in s.warnings)


def test_ten_megabyte_message_is_cut_and_still_answered(engine):
    s = engine.suggest("快递到哪了" + "啊" * 10_000_000)
    assert any("过长" in w for w in s.warnings)
    assert s.analysis.intent == "logistics"


def test_what_a_long_message_says_after_the_cut_is_not_read_by_the_replies_either(engine):
    """Forty-ninth pass: the replies were ranked against the whole pasted text while the reader saw
    only its first MAX_MESSAGE_CHARS (an address after the cut hid the replies that ask for one, and a
    10 MB paste took half a minute in one pattern search). Now both read the same cut message."""
    asking = {"cxgdz", "czxgd"}  # the replies that ask for the new address
    s = engine.suggest("地址写错了 帮我改下收货地址" + "啊" * 3000 + " 光明路18号 3单元", limit=12)
    assert any("过长" in w for w in s.warnings)
    assert asking & {r["code"] for r in s.replies}


def test_banned_words_are_found_with_a_rewording(engine):
    res = engine.check("这是全网最好的面霜，好评返现，加微信聊")
    words = {f["word"] for f in res["found"]}
    assert {"最好", "好评返现", "加微信"} <= words
    assert not res["ok"]
    assert "最好" not in res["rewritten"] and "加微信" not in res["rewritten"]
    assert engine.check("亲，这款面霜很滋润，干皮用着舒服")["ok"]


def test_search_by_words_pinyin_initials_and_shortcode(engine):
    by_words = engine.search("退货运费")
    assert by_words and by_words[0]["intent"] == "return_exchange"
    code = by_words[0]["code"]
    assert engine.search("/" + code)[0]["code"] == code
    initials = engine.search("thh")
    assert initials and any(r["intent"] in ("return_exchange", "refund") for r in initials[:5])
    full = engine.search("tuihuo")
    assert full and full[0]["intent"] in ("return_exchange", "refund", "order_cancel")
    assert engine.search("") == [] and engine.search("zzzzqqqxx") == []


def test_the_first_keystrokes_already_find_matching_titles(engine):
    # one character, two or three pinyin letters: the broadest queries of search-as-you-type
    for typed, word in (("发", "发"), ("fp", "发票"), ("tuih", "退货"), ("bxq", "保修")):
        hits = engine.search(typed, limit=5)
        assert hits, typed
        assert any(word in h["title"] + h["text"] for h in hits[:3]), (typed, [h["title"] for h in hits])
    assert all("发" in h["title"] for h in engine.search("发", limit=3))


def test_a_plain_status_or_why_question_is_calm_with_another_cue_it_is_not(engine):
    assert engine.suggest("昨天拍的 今天还没发货").analysis.emotion == "calm"
    assert engine.suggest("为什么要收运费").analysis.emotion == "calm"
    assert engine.suggest("为什么还没发货 什么意思").analysis.emotion == "confused"
    assert engine.suggest("都三天了怎么还没发货").analysis.emotion == "anxious"


def test_the_out_of_stock_sop_shows_for_a_stockout_not_for_an_availability_question(engine):
    assert engine.suggest("这个保温杯有没有粉色的").playbook is None
    for message in ("粉色的什么时候补货", "拍了显示没货了"):
        assert engine.suggest(message).playbook["name"] == "缺货", message


def test_deadlines_and_refusals_are_urgent_plain_questions_are_not(engine):
    for message in ("催快递今天中午必须到", "能不能明天到货 周六要回老家", "买的充电宝连不上 要退货商家不同意"):
        assert engine.suggest(message).analysis.urgent, message
    for message in ("什么时候发货", "明天发什么快递", "可以退货吗"):
        assert not engine.suggest(message).analysis.urgent, message


def test_time_asked_about_calmly_is_no_urgency_but_a_refusal_is(engine):
    """Fifty-second pass: under a calm reading a deadline or a charge asked about is a question; a
    refusal or a threat still makes the message urgent."""
    for message in ("周四之前能寄到南京吗", "先用后付的话确认收货后几号扣款", "拍完今天能发出去吗 下周一前想收到", "现在还能不能退货"):
        a = engine.suggest(message).analysis
        assert a.emotion == "calm" and not a.urgent, message
    calm_refusal = engine.suggest("充电宝坏了 申请退货商家不同意").analysis
    assert calm_refusal.emotion == "calm" and calm_refusal.urgent


def test_a_calm_reading_needs_a_surer_urgency_model(engine):
    """Fifty-second pass (U52b): under a calm reading the urgency model must say 0.9, not 0.7. A
    calm nudge to ship or to bargain (the model says about 0.7 to 0.75) is no urgency."""
    for message in ("老板 我那箱苹果啥时候发啊 帮忙催一下🙏", "少10块我就拍 不然去别家了"):
        a = engine.suggest(message).analysis
        assert a.emotion == "calm" and not a.urgent, message


def test_a_yes_no_question_about_a_named_product_asks_about_the_product(engine):
    for message in ("是纸皮核桃吗", "这个手表可以直接回复微信吗", "茶叶是今年的新茶吗"):
        assert engine.suggest(message).analysis.intent == "product_info", message
    # a clear cue for something else still wins
    assert engine.suggest("这个保温杯有没有粉色的").analysis.intent == "stock"
    assert engine.suggest("耳机还没发货吗").analysis.intent == "urge_shipping"


def test_a_message_asking_several_things_gets_an_answer_to_each(engine):
    s = engine.suggest("你好，这款保温杯能装开水吗？容量多大，有没有粉色的？")
    # product questions (开水, 容量) and a stock question (粉色): one leads, the other is "also"
    assert {s.analysis.intent, *s.analysis.also} == {"product_info", "stock"} and len(s.analysis.also) == 1
    assert s.as_dict()["analysis"]["also"] == s.analysis.also
    second = s.replies[1]
    assert second["intent"] == s.analysis.also[0] and second["why"].startswith("顾客还问了")
    # one question only: nothing extra
    assert engine.suggest("有没有粉色的").analysis.also == []
    # an angry complaint about a broken cup: the breakage is the other need, and the bare order
    # number (订单号 → 单号, a logistics cue) is not a question
    s = engine.suggest("你们怎么回事！！买的杯子收到就是碎的，订单号 3254857712345678，再不处理我就去投诉给差评！")
    assert s.analysis.intent == "complaint" and s.analysis.also == ["damaged_defect"]


def test_replies_written_for_another_kind_of_goods_rank_lower(engine):
    def tags(reply_id):
        return json.loads(engine.conn.execute("SELECT tags FROM replies WHERE id=?", (reply_id,)).fetchone()[0])

    # worded like a reply for other goods (参数 → the charger's, 材质 → the storage box's,
    # 纯棉 → the T-shirt's); the product decides which one fits
    for message, category in (("保温杯参数发下", "家居"), ("口红是什么材质的", "美妆"), ("耳机是纯棉的吗", "数码配件")):
        s = engine.suggest(message)
        assert s.analysis.category == category
        top = set(tags(s.replies[0]["id"])) & {"服装", "美妆", "家居", "数码配件", "食品"}
        assert top == {category}, (message, s.replies[0]["title"])


def test_cross_sell_falls_back_to_other_customer_types_as_ideas(engine):
    # no rule for 保温杯 targets "any" customer: the agent still gets ideas, labelled by type
    s = engine.suggest("这款保温杯能装开水吗")
    assert s.cross_sell and all(c["customer"] for c in s.cross_sell)
    assert len({c["product"] for c in s.cross_sell}) == len(s.cross_sell)


def test_within_a_kind_of_goods_a_reply_naming_other_goods_ranks_lower(engine):
    titles = [r["title"] for r in engine.suggest("这个杯子能装开水吗").replies]
    assert titles[0] == "杯子材质容量"
    # the bedding reply (被套、床单、枕套) is 家居 too, but not about cups
    assert "床品套件" not in titles[:3], titles


def test_a_customer_asking_to_cancel_is_not_told_the_shop_cancelled_the_order(engine):
    """店铺取消订单 answers "why was my order cancelled?"; a customer who wants to cancel must not be
    offered it (it reads as if the shop had cancelled their order)."""
    for msg in ("我想取消订单 拍错了", "帮我取消一下吧", "还没发货能取消吗"):
        assert "cmjqx" not in [r["code"] for r in engine.suggest(Conversation.of(msg)).replies], msg
    assert "cmjqx" in [r["code"] for r in engine.suggest(Conversation.of("订单被取消了什么情况")).replies[:3]]
