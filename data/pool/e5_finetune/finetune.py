"""Fine-tune the top layers of e5-small on the reader's training set; score the tune (and validation) split.

Research only (docs/reader.md, "Fifteenth pass"): run setup.sh first and install torch (CPU) by hand.
Trains on exactly what the shipped reader trains on (`train.training_examples`: written text,
triggers and the CC BY NTCIR turns), with the same class and trigger weights. The bottom --frozen
layers and the embeddings stay fixed, so their output is computed once per message; the layers
above them and three heads (intent, emotion, urgent) are trained. Prints each epoch's tune
figures and saves each split's probabilities to <out>-<split>.npz for mix.py.
About 7 to 10 minutes an epoch on 2 cores with --frozen 6.
"""
import sys, time, argparse, json
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
import e5torch as E
from assistant import train as T
from assistant.analysis import clean_for_intent, scoring_text
from assistant.train import EMOTIONS

ap = argparse.ArgumentParser()
ap.add_argument("--frozen", type=int, default=6)
ap.add_argument("--epochs", type=int, default=3)
ap.add_argument("--lr", type=float, default=5e-5)
ap.add_argument("--hlr", type=float, default=1e-3)
ap.add_argument("--bs", type=int, default=32)
ap.add_argument("--val", action="store_true")
ap.add_argument("--maxlen", type=int, default=64)
ap.add_argument("--out", default=str(Path(E.DIR) / "run"))
a = ap.parse_args()
torch.manual_seed(0); np.random.seed(0)

def text(e):
    return scoring_text(clean_for_intent(e.text)) or e.text

pool = T.load_pool()
train = T.training_examples(pool=pool)
tests = {"tune": T.pool_examples("tune", pool=pool)}
if a.val:
    tests["val"] = T.pool_examples("val", pool=pool)
INT = T.intent_ids(); EMO = list(EMOTIONS)
def labels(e):
    i = INT.index(e.intent) if e.intent in INT else -100
    m = EMO.index(e.emotion or "calm") if e.emotion is not None or e.urgent is not None else -100
    u = -100 if e.urgent is None else int(bool(e.urgent))
    return i, m, u
cw = T._class_weights([e.intent for e in train if e.intent in INT], 0.5)
iw = torch.tensor([cw.get(c, 1.0) for c in INT], dtype=torch.float32)
ew_ = T._class_weights([e.emotion or "calm" for e in train if labels(e)[1] >= 0], 0.5)
ew = torch.tensor([ew_.get(c, 1.0) for c in EMO], dtype=torch.float32)
sw = torch.tensor([T.Params().trigger_weight if e.source == "trigger" else 1.0 for e in train])

enc = E.Encoder()
t0 = time.time()
def cache(examples):
    toks = [E.tokenize(text(e), a.maxlen) for e in examples]
    out = []
    with torch.no_grad():
        order = np.argsort([len(t) for t in toks])
        for s in range(0, len(toks), 128):
            idx = order[s:s + 128]
            ids, mask = E.batch([toks[i] for i in idx])
            x = enc.run(enc.embed(ids), mask, 0, a.frozen)
            for j, i in enumerate(idx):
                out.append((i, x[j, :len(toks[i])].half().clone()))
    out.sort(key=lambda p: p[0])
    return [x for _, x in out]
Xtr = cache(train); Xte = {k: cache(v) for k, v in tests.items()}
print(f"cached in {time.time()-t0:.0f}s; mean tokens {np.mean([len(x) for x in Xtr]):.1f}", flush=True)
Ytr = torch.tensor([labels(e) for e in train])

top = nn.ModuleList(enc.layers[a.frozen:])
heads = nn.ModuleDict({"i": nn.Linear(E.H, len(INT)), "e": nn.Linear(E.H, len(EMO)), "u": nn.Linear(E.H, 2)})
opt = torch.optim.AdamW([{"params": top.parameters(), "lr": a.lr}, {"params": heads.parameters(), "lr": a.hlr}], weight_decay=0.01)
steps = a.epochs * ((len(train) + a.bs - 1) // a.bs)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, s / (0.06 * steps)) * max(0.0, (steps - s) / steps))
drop = nn.Dropout(0.1)

def pad(xs):
    L = max(len(x) for x in xs)
    X = torch.zeros(len(xs), L, E.H); m = torch.zeros(len(xs), L, dtype=torch.bool)
    for i, x in enumerate(xs):
        X[i, :len(x)] = x.float(); m[i, :len(x)] = True
    return X, m

def forward(xs, train_mode):
    X, m = pad(xs)
    for ly in top:
        X = ly(X, m)
    p = E.pool(X, m)
    if train_mode:
        p = drop(p)
    return {k: h(p) for k, h in heads.items()}

def evaluate(xs, ex):
    top.eval(); out = {"i": [], "e": [], "u": []}
    with torch.no_grad():
        for s in range(0, len(xs), 128):
            o = forward(xs[s:s + 128], False)
            for k in out: out[k].append(F.softmax(o[k], -1))
    top.train()
    P = {k: torch.cat(v).numpy() for k, v in out.items()}
    from assistant.evaluate import _f1
    from collections import defaultdict
    ok = sum(INT[p] == e.intent for p, e in zip(P["i"].argmax(1), ex))
    emo = defaultdict(lambda: [0, 0, 0]); u = [0, 0, 0]
    for pe, pu, e in zip(P["e"].argmax(1), P["u"][:, 1], ex):
        em, ge = EMO[pe], e.emotion or "calm"
        if em == ge: emo[ge][0] += 1
        else: emo[em][1] += 1; emo[ge][2] += 1
        gu = bool(e.urgent); pu = pu >= 0.5
        u[0] += pu and gu; u[1] += pu and not gu; u[2] += gu and not pu
    labs = [k for k in EMO if sum(emo[k]) > 0]
    return {"intent_acc": round(ok / len(ex), 4), "emotion_macro_f1": round(sum(_f1(*emo[k]) for k in labs) / len(labs), 4),
            "urgent_f1": round(_f1(*u), 4)}, P

step = 0
for ep in range(a.epochs):
    perm = np.random.permutation(len(train)); t1 = time.time(); tot = 0
    for s in range(0, len(perm), a.bs):
        idx = perm[s:s + a.bs]
        o = forward([Xtr[i] for i in idx], True)
        y = Ytr[idx]; w = sw[idx]
        loss = 0
        for k, j, cwt in (("i", 0, iw), ("e", 1, ew), ("u", 2, None)):
            l = F.cross_entropy(o[k], y[:, j], weight=cwt, ignore_index=-100, reduction="none")
            valid = (y[:, j] >= 0).float()
            loss = loss + (l * w * valid).sum() / max(1.0, float(valid.sum()))
        opt.zero_grad(); loss.backward(); opt.step(); sched.step(); step += 1; tot += float(loss.detach())
    res = {k: evaluate(Xte[k], tests[k])[0] for k in tests}
    print(f"epoch {ep+1} loss {tot/(len(perm)/a.bs):.3f} {time.time()-t1:.0f}s {json.dumps(res)}", flush=True)
for k in tests:
    r, P = evaluate(Xte[k], tests[k])
    np.savez(f"{a.out}-{k}.npz", ids=np.array([e.id for e in tests[k]]), **P)
