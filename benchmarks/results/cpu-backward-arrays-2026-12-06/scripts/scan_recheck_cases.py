# A cases file for benchmarks/tree_ab.py: the cases of session 35's forward + backward scan
# (../../cpu-backward-scan-2026-12-06/scripts/scan_fb_cases.py, read from the tree under
# test) that its 3-round A/B here put above 1.08, again with more rounds: its setup, these
# cases only.
import os

_scan = os.path.join(os.path.dirname(os.path.dirname(L.__file__)), 'benchmarks', 'results',
                     'cpu-backward-scan-2026-12-06', 'scripts', 'scan_fb_cases.py')
with open(_scan) as _file:
    exec(_file.read().split('for name, f in C.items():')[0])
for name in ['silu', 'tanh', 'max -1', 'norm', 'cross_entropy', 'smooth_l1_loss', 'layer_norm',
             'dropout', 'max_pool2d', 'gather']:
    res[name] = t(C[name], 10)
    h.grad = hp.grad = g2.grad = w.grad = v.grad = b3.grad = img.grad = None
