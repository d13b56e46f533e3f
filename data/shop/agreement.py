"""Agreement of a second, blind labeller with the shop set's labels:
`python data/shop/agreement.py data/shop/relabel_tune.jsonl data/shop/relabel_val.jsonl`.
Prints counts only (the validation half is not read by anyone working on the engine)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "pool"))
from agreement import kappa  # noqa: E402  (the pool's: one Cohen's kappa for the project)


def main() -> None:
    gold = {}
    for part in ("tune", "val"):
        for line in (HERE / f"{part}.jsonl").read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            gold[r["id"]] = r
    for path in sys.argv[1:]:
        rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
        rows = [r for r in rows if r["id"] in gold]
        out = [f"{Path(path).name}: n {len(rows)}"]
        for key in ("intent", "emotion", "urgent"):
            pairs = [(gold[r["id"]][key], r[key]) for r in rows]
            out.append(f"{key} {sum(a == b for a, b in pairs) / len(pairs):.3f} "
                       f"(kappa {kappa([a for a, _ in pairs], [b for _, b in pairs]):.3f})")
        tp = fp = fn = 0
        for r in rows:
            g, p = set((gold[r["id"]].get("entities") or {}).items()), set((r.get("entities") or {}).items())
            tp, fp, fn = tp + len(g & p), fp + len(p - g), fn + len(g - p)
        out.append(f"entity F1 {2 * tp / max(1, 2 * tp + fp + fn):.3f}")
        print(", ".join(out))


if __name__ == "__main__":
    main()
