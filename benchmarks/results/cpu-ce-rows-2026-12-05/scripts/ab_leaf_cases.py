# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# Forward and backward of one op on a leaf: the leaf's first .grad is the backward's array.
F = L.nn.functional
x = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32), requires_grad=True)
gy = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32))
w = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32), requires_grad=True)
def ln():
    F.layer_norm(x, (1024,)).backward(gy); x.grad = None
def sin():
    x.sin().backward(gy); x.grad = None
def matmul():
    (x @ w).backward(gy); x.grad = None; w.grad = None
s = L.tensor(np.float32(0.5), requires_grad=True)
def chain():            # one element: never asks (below engine.OWN_FROM)
    y = s
    for _ in range(10):
        y = y * 1.01
    y.backward(); s.grad = None
res['layer_norm f+b (1024, 1024)'] = t(ln, 20)
res['sin f+b (1024, 1024)'] = t(sin, 20)
res['matmul f+b (1024, 1024)'] = t(matmul, 5)
res['10 muls + backward, one element'] = t(chain, 2000)
