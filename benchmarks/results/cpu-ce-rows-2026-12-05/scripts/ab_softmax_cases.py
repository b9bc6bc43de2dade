# A cases file for benchmarks/tree_ab.py or vs_torch.py: np, L, rng, t and res come from
# their preamble. softmax and log_softmax over rows of 64 to 1024 elements, float32.
F = L.nn.functional
for (n, c), calls in [((32, 1024), 100), ((1024, 1024), 10), ((256, 64), 300)]:
    x = L.tensor(rng.standard_normal((n, c)).astype(np.float32), requires_grad=True)
    gy = L.tensor(rng.standard_normal((n, c)).astype(np.float32))
    for name in ('softmax', 'log_softmax'):
        op = getattr(F, name)

        def forward(x=x, op=op):
            with L.no_grad():
                op(x, 1)

        def both(x=x, gy=gy, op=op):
            op(x, 1).backward(gy)
            x.grad = None
        res[f'{name} forward ({n}, {c})'] = t(forward, calls)
        res[f'{name} f+b ({n}, {c})'] = t(both, calls)
