"""A synthetic but realistic knowledge base of any size, for `kefu bench`.

Replies are assembled from parts (product × situation × phrasing) so that a 100k-reply library
has varied Chinese text and triggers instead of copies of the default knowledge. The intent
lexicon, playbooks etc. come from the default resources so that analysis behaves as in a shop.
"""
from __future__ import annotations

import random
import time
from pathlib import Path

from assistant import kb, paths

ADJ = ["纯棉", "加厚", "宽松", "修身", "轻薄", "保湿", "控油", "温和", "无线", "快充", "磁吸", "便携",
       "原味", "低糖", "有机", "手工", "复古", "简约", "大容量", "迷你", "防水", "速干", "儿童", "男士",
       "女士", "情侣", "学生", "孕妇", "透气", "耐磨", "静音", "折叠"]
NOUN = {
    "服装": ["T恤", "卫衣", "衬衫", "连衣裙", "牛仔裤", "羽绒服", "外套", "袜子", "睡衣", "运动裤", "马甲", "帽子"],
    "美妆": ["面霜", "精华", "面膜", "口红", "防晒霜", "洗面奶", "爽肤水", "眼霜", "粉底液", "卸妆油", "护手霜"],
    "家居": ["收纳盒", "保温杯", "四件套", "枕头", "拖鞋", "毛巾", "衣架", "台灯", "地垫", "香薰", "餐具"],
    "数码配件": ["手机壳", "数据线", "充电器", "耳机", "充电宝", "钢化膜", "支架", "键盘", "鼠标", "读卡器"],
    "食品": ["坚果", "花茶", "牛肉干", "饼干", "蜂蜜", "芒果干", "红枣", "咖啡", "燕麦", "辣条", "茶叶"],
}
SITUATION = {
    "greeting": ["打招呼", "咨询前问候", "晚间接待"], "product_info": ["材质说明", "成分说明", "参数介绍", "包装清单"],
    "size_fit": ["尺码建议", "型号适配", "尺寸说明"], "stock": ["现货说明", "补货时间", "颜色库存"],
    "price_discount": ["优惠券", "满减活动", "赠品说明", "议价回复"], "shipping_time": ["发货时效", "到货天数"],
    "shipping_method": ["快递选择", "包邮说明", "偏远运费"], "authenticity": ["正品保障", "授权说明"],
    "usage_howto": ["使用方法", "安装步骤", "清洗保养"], "recommend": ["选购建议", "款式对比"],
    "gift": ["礼盒包装", "贺卡服务"], "invoice": ["开票说明", "发票抬头"], "payment": ["付款方式", "分期付款"],
    "order_modify": ["改地址", "改规格"], "order_cancel": ["取消订单", "拒收说明"],
    "urge_shipping": ["催发货安抚", "仓库加急"], "logistics": ["物流查询", "物流停滞"],
    "delivery_problem": ["签收未收到", "驿站取件"], "return_exchange": ["退货流程", "换货说明"],
    "refund": ["退款进度", "退款到账"], "damaged_defect": ["破损处理", "质量问题"],
    "wrong_missing": ["错发处理", "漏发补寄"], "price_protect": ["价保说明", "补差价"],
    "warranty": ["保修说明", "维修流程"], "complaint": ["投诉安抚", "升级处理"], "review": ["评价说明", "追评"],
    "membership": ["积分说明", "会员等级"], "human_agent": ["转人工说明"], "thanks_bye": ["结束语"],
    "other": ["闲聊回复", "合作咨询"],
}
ASK = ["{p}{k}吗", "{p}怎么{k}", "请问{p}{k}", "{p}能{k}不", "想问下{p}{k}", "{p}{k}咋弄", "亲 {p}{k}",
       "{k} {p}", "我买的{p}{k}", "{p}的{k}是怎样的"]
OPEN = ["{顾客称呼}，", "{顾客称呼}您好，", "亲爱的，", "好的{顾客称呼}，", "收到{顾客称呼}，"]
BODY = ["关于{p}的{s}：我们会在{t}内给您处理好，请放心。", "{p}这边{s}按店铺规则来，有需要随时找{客服名}。",
        "这款{p}{s}我帮您查过了，{订单号}的情况已经备注。", "{p}的{s}可以参考详情页第三张图，看不清我再发您。",
        "您说的{p}{s}，我们支持处理，麻烦提供一下订单号。", "{s}这块{p}一般{t}搞定，我会持续帮您跟进。"]
TIME = ["24小时", "48小时", "三天", "一个工作日", "今天", "两天"]


def synth_resources(n: int, seed: int = 7) -> dict:
    """Resources dict (as kb.read_resources returns) with ``n`` generated replies."""
    rnd = random.Random(seed)
    data = kb.read_resources(paths.kb_resources_dir())
    keywords = {doc["intent"]: [str(k) for k in doc.get("keywords") or []] for doc in data["replies"]}
    intents = list(SITUATION)
    per_intent = {i: [] for i in intents}
    for idx in range(n):
        intent = intents[idx % len(intents)]
        cat = rnd.choice(list(NOUN))
        product = rnd.choice(ADJ) + rnd.choice(NOUN[cat])
        sit = rnd.choice(SITUATION[intent])
        kw = keywords.get(intent) or [sit]
        trig = []
        for _ in range(3):
            k = rnd.choice(kw)
            trig.append(rnd.choice(ASK).format(p=product, k=k))
        body = rnd.choice(OPEN) + rnd.choice(BODY).format(p=product, s=sit, t=rnd.choice(TIME),
                                                            订单号="{订单号}", 客服名="{客服名}")
        per_intent[intent].append({
            "code": f"s{idx:06d}", "title": f"{product}{sit}"[:14], "text": body,
            "tags": [cat], "triggers": trig})
    data["replies"] = [
        {"intent": i, "stage": data["intents"][i]["stage"], "keywords": keywords.get(i, [])[:10],
         "triggers": [], "replies": per_intent[i]} for i in intents]
    return data


def build_synthetic(db_file: Path, n: int, seed: int = 7) -> kb.BuildReport:
    from assistant.db import connect

    for suffix in ("", "-wal", "-shm"):
        side = db_file.with_name(db_file.name + suffix)
        if side.exists():
            side.unlink()
    data = synth_resources(n, seed)
    started = time.perf_counter()
    conn = connect(db_file)  # WAL and synchronous=NORMAL, exactly as `kefu kb build` writes
    try:
        rep = kb._write(conn, data)
    finally:
        conn.close()
    rep.seconds = time.perf_counter() - started
    return rep
