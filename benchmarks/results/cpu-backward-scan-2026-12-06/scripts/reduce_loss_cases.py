# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble.
# Row and column maxima (amax/amin on Numba kernels; np.max reduces a row at a time),
# logsumexp (its backward reads the forward's result), nll_loss as one op (it was ~15), and
# the 2-norm in PyTorch's order (one pass) with a two-pass gradient.
F = L.nn.functional
h = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32), requires_grad=True)
s = L.tensor(rng.standard_normal((256, 64)).astype(np.float32), requires_grad=True)
logits = L.tensor(rng.standard_normal((64, 10)).astype(np.float32), requires_grad=True)
logp = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32), requires_grad=True)
cls = L.tensor(rng.integers(0, 256, 1024))
digits = L.tensor(rng.integers(0, 10, 64))
with L.no_grad():
    res['amax(-1) (1024, 256)'] = t(lambda: h.amax(-1), 50)
    res['amax(0) (1024, 256)'] = t(lambda: h.amax(0), 50)
    res['amin(-1) (256, 64)'] = t(lambda: s.amin(-1), 200)
    res['logsumexp(-1) (1024, 256)'] = t(lambda: h.logsumexp(-1), 20)
    res['norm() (1024, 256)'] = t(lambda: h.norm(), 50)
    res['norm(dim=-1) (1024, 256)'] = t(lambda: h.norm(dim=-1), 50)
    res['nll_loss (1024, 256)'] = t(lambda: F.nll_loss(logp, cls), 50)


def step(fn):
    def run():
        fn().backward()
        h.grad = s.grad = logits.grad = logp.grad = None
    return run


res['logsumexp(-1) f+b'] = t(step(lambda: h.logsumexp(-1).sum()), 10)
res['amax(-1) f+b'] = t(step(lambda: h.amax(-1).sum()), 10)
res['norm() f+b'] = t(step(lambda: h.norm()), 10)
res['nll_loss f+b (1024, 256)'] = t(step(lambda: F.nll_loss(logp, cls)), 20)
res['log_softmax + nll_loss f+b (64, 10)'] = t(
    step(lambda: F.nll_loss(F.log_softmax(logits, 1), digits)), 200)
res['cross_entropy f+b (64, 10), control'] = t(step(lambda: F.cross_entropy(logits, digits)),
                                              200)
