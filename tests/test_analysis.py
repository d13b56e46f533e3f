"""Entities, normalisation and the pieces of analysis that need no knowledge base."""
from assistant import text
from assistant.analysis import clean_for_intent, extract_entities


def test_entities_are_exact_substrings():
    msg = "订单号：20241123123456789 手机13812345678 退我29.9元 我160 105斤穿M码"
    ents = extract_entities(msg)
    assert ents["order_no"] == "20241123123456789"
    assert ents["phone"] == "13812345678"
    assert ents["amount"] == "29.9元"
    assert ents["size"] in ("105斤", "M码")
    for value in ents.values():
        assert value in msg


def test_masked_tokens_from_platform_logs_are_entities():
    msg = "咨询订单号:[订单x] 我的电话变为[电话x] 金额[金额x]"
    ents = extract_entities(msg)
    assert ents == {"order_no": "[订单x]", "phone": "[电话x]", "amount": "[金额x]"}


def test_normalise_joins_segmented_text_and_platform_separators():
    assert text.normalize("什么 时候 发货") == "什么时候发货"
    assert text.normalize("好的!@@@!谢谢[SEP]再见") == "好的。谢谢。再见"
    assert text.normalize("ＡＢＣ１２３") == "abc123"
    assert clean_for_intent("咨询订单号:[订单x] 订单金额:[金额x] 还没发货") == "还没发货"


def test_binary_detection():
    assert text.looks_binary("\x00\x01\x02" * 100)
    assert not text.looks_binary("你好，在吗？\n谢谢")


def test_pinyin_keys():
    assert text.pinyin_keys("退换货") == ("tuihuanhuo", "thh")
    assert text.pinyin_keys("abc") == ("", "")


def test_bigram_fallback_works_before_jieba_loads():
    assert text.bigrams("退换货") == ["退换", "换货"]
    assert "abc" in text.bigrams("abc 退")
