# #4's 1024 x 1024 float32 matmul step (cpu_speed.py's matmul_backward) and its forward alone,
# for vs_torch.py.
A, B, G = (rng.standard_normal((1024, 1024)).astype(np.float32) for _ in range(3))
a = L.tensor(A, requires_grad=True); b = L.tensor(B, requires_grad=True); g = L.tensor(G)
def step():
    a.grad = b.grad = None
    (a @ b).backward(g)
res['matmul f+b 1024'] = t(step, 3)
res['matmul fwd 1024'] = t(lambda: a @ b, 3)
