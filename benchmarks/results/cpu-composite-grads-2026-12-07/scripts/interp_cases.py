# tree_ab.py cases: nearest interpolation forward + backward (one gather now, one per dim before).
for shape, calls in (((8, 16, 32, 32), 20), ((1, 3, 8, 8), 500)):
    x = L.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)

    def nearest_step():
        L.nn.functional.interpolate(x, scale_factor=2).sum().backward()
        x.grad = None
    res[f'interpolate(scale_factor=2) f+b {shape}'] = t(nearest_step, calls)
    res[f'interpolate(scale_factor=2) forward {shape}'] = t(
        lambda: L.nn.functional.interpolate(x.detach(), scale_factor=2), calls)
