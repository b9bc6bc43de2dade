# Extra cases, appended to the three training steps (make_cases.sh): np, L, rng, t and res come
# from the preamble of benchmarks/tree_ab.py (which omp_spin_ab.py uses too).
for n_el in (1 << 16, 1 << 18):
    xs = L.tensor(rng.standard_normal((n_el // 256, 256)).astype(np.float32), requires_grad=True)
    gs = L.tensor(rng.standard_normal((n_el // 256, 256)).astype(np.float32))
    k = max(10, int(4e6 // n_el))
    res[f'sigmoid f+b 2^{n_el.bit_length() - 1}'] = t(lambda: L.sigmoid(xs).backward(gs), k)
    res[f'tanh f+b 2^{n_el.bit_length() - 1}'] = t(lambda: L.tanh(xs).backward(gs), k)
    with L.no_grad():
        res[f'a * b 2^{n_el.bit_length() - 1}'] = t(lambda: xs * gs, k)
