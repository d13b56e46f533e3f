"""assistant/templates.py: the one {变量} syntax the engine, sidebar, usage log and editors share."""
from assistant import templates


def test_fill_names_what_it_could_not_fill_once():
    text, missing = templates.fill("{顾客称呼}，订单{订单号}，再说一次{订单号}", {"顾客称呼": "亲"}.get)
    assert text == "亲，订单{订单号}，再说一次{订单号}" and missing == ["订单号"]


def test_split_and_render_are_inverse_for_the_sidebar_editor():
    template = "订单{订单号}已发{快递公司}"
    values = templates.split(template, "订单123已发顺丰", [])
    assert values == [("订单号", "123"), ("快递公司", "顺丰")]
    assert templates.render(template, dict(values)) == "订单123已发顺丰"
    assert templates.split(template, "完全不同的话", []) is None


def test_unfill_puts_the_slots_back_into_an_edited_text():
    assert templates.unfill("您的{商品}已发出", "您的保温杯已发出", "亲，保温杯今天发出") == "亲，{商品}今天发出"
    assert templates.names("{a}{b}{a}") == ["a", "b"] and templates.strip("x{a}y") == "xy"
