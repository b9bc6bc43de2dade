"""The README example's first tanh (a parallel kernel on (1024, 256)) timed inside its
training step, median of 250 steps: `python tanh_in_step.py LABEL [numpy-first]`. With
`numpy-first` NumPy is imported before microtorch (OpenBLAS keeps its default idle spin)."""
import sys
import statistics
import time

if 'numpy-first' in sys.argv:
    import numpy  # noqa: F401
import microtorch as lib  # noqa: E402
import numpy as np  # noqa: E402

nn = lib.nn
lib.manual_seed(0)
model = nn.Sequential(nn.Linear(1, 256), nn.Tanh(), nn.Linear(256, 256), nn.Tanh(),
                      nn.Linear(256, 1))
rng = np.random.default_rng(0)
x = rng.uniform(-2, 2, (1024, 1)).astype(np.float32)
X, Y = lib.tensor(x), lib.tensor(np.sin(3 * x))
opt = lib.optim.Adam(model.parameters(), lr=3e-3)
loss_fn = nn.MSELoss()
times = []
for i in range(300):
    opt.zero_grad()
    h0 = model[0](X)
    start = time.perf_counter()
    h1 = model[1](h0)
    times.append(time.perf_counter() - start)
    loss_fn(model[4](model[3](model[2](h1))), Y).backward()
    opt.step()
print(f'| {sys.argv[1]} | {statistics.median(times[50:]) * 1e6:.0f} |')
