"""Agreement between the first labels (labels.jsonl) and an independent second labeller
(labels_second.jsonl) on the messages both labelled: `python data/pool/agreement.py`.
Reported for the first sample (JDDC and NTCIR, 250) and the later NTCIR batches
(split_ntcir.jsonl, split_ntcir2.jsonl) apart, as they were labelled by different people at different times; and the
two judges of the judged replies on 100 tune messages (judged.jsonl against judged_second.jsonl).
Last, the project's labelling against the issue's: the 210 dev messages labelled blind with the
project's guide (dev_blind.jsonl, labels by dev id) against ../shared/eval/dev.jsonl's own labels."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from sample import DEV

HERE = Path(__file__).resolve().parent


def read(path: Path) -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if r}


def kappa(a: list, b: list) -> float:
    n = len(a)
    po = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    pe = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    return (po - pe) / (1 - pe) if pe < 1 else 1.0


def main() -> dict:
    first, second = read(HERE / "labels.jsonl"), read(HERE / "labels_second.jsonl")
    both = set(first) & set(second)
    later = set(read(HERE / "split_ntcir.jsonl")) if (HERE / "split_ntcir.jsonl").exists() else set()
    later2 = set(read(HERE / "split_ntcir2.jsonl")) if (HERE / "split_ntcir2.jsonl").exists() else set()
    out = {"first sample": agreement(first, second, sorted(both - later - later2))}
    if both & later:
        out["NTCIR batch"] = agreement(first, second, sorted(both & later))
    if both & later2:
        out["NTCIR second batch"] = agreement(first, second, sorted(both & later2))
    if (HERE / "judged_second.jsonl").exists():
        out["judged replies"] = judged_agreement(read(HERE / "judged.jsonl"), read(HERE / "judged_second.jsonl"))
    if (HERE / "dev_blind.jsonl").exists() and DEV.exists():
        gold, blind = read(DEV), read(HERE / "dev_blind.jsonl")
        out["dev set, blind"] = agreement(gold, blind, sorted(set(gold) & set(blind)))
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return out


def agreement(first: dict, second: dict, ids: list[str]) -> dict:
    out = {"n": len(ids)}
    for key in ("intent", "emotion", "urgent"):
        a = [first[i][key] for i in ids]
        b = [second[i][key] for i in ids]
        out[key] = {"agree": round(sum(x == y for x, y in zip(a, b)) / len(ids), 3), "kappa": round(kappa(a, b), 3)}
    # entities: F1 of the second labeller's (key, value) pairs against the first's
    tp = fp = fn = 0
    for i in ids:
        e1, e2 = set(first[i]["entities"].items()), set(second[i]["entities"].items())
        tp, fp, fn = tp + len(e1 & e2), fp + len(e2 - e1), fn + len(e1 - e2)
    out["entities_f1"] = round(2 * tp / (2 * tp + fp + fn), 3) if tp else 0.0
    conf = Counter((first[i]["intent"], second[i]["intent"]) for i in ids if first[i]["intent"] != second[i]["intent"])
    out["intent_disagreements"] = [f"{a} / {b}: {c}" for (a, b), c in conf.most_common(10)]
    return out


def judged_agreement(first: dict, second: dict) -> dict:
    """Two judges on the same tune messages: each of the engine's candidates (the 12 they were
    shown) is sendable, harmful or neither; and is the first candidate sendable."""
    ids = sorted(set(first) & set(second))

    def verdict(j: dict, code: str) -> str:
        return "ok" if code in j["answers"] else "harmful" if code in j["harmful"] else "no"

    a, b = [], []
    for i in ids:
        for code in second[i]["candidates"]:
            a.append(verdict(first[i], code))
            b.append(verdict(second[i], code))
    top_a = [verdict(first[i], second[i]["candidates"][0]) == "ok" for i in ids if second[i]["candidates"]]
    top_b = [verdict(second[i], second[i]["candidates"][0]) == "ok" for i in ids if second[i]["candidates"]]
    jac = [len(set(first[i]["answers"]) & set(second[i]["answers"])) / len(set(first[i]["answers"]) | set(second[i]["answers"]))
           for i in ids if first[i]["answers"] or second[i]["answers"]]
    return {"n": len(ids), "candidates": len(a),
            "candidate verdict": {"agree": round(sum(x == y for x, y in zip(a, b)) / len(a), 3), "kappa": round(kappa(a, b), 3)},
            "first candidate sendable": {"agree": round(sum(x == y for x, y in zip(top_a, top_b)) / len(top_a), 3),
                                         "kappa": round(kappa(top_a, top_b), 3)},
            "sendable sets, mean Jaccard": round(sum(jac) / len(jac), 3)}


if __name__ == "__main__":
    main()
