"""vs_torch_cases.py's forward + backward steps in a fresh process where nothing has loaded
Numba before: the first call (what loading costs, if it loads), then the best of 7 repeats
per call. Prints a JSON dict of microseconds.

    python fresh_norms.py TREE        (ab.py runs it for two trees in turns)
"""
import json
import os
import sys
import timeit

import numpy as np

sys.path.insert(0, sys.argv[1])
import microtorch as L                     # noqa: E402  (the tree's, from argv)

HERE = globals().get('CASES_DIR') or os.path.dirname(os.path.abspath(__file__))   # (ab.py's)
rng = np.random.default_rng(0)
res = {}
STEPS_ONLY = RECORD_FIRST = True


def t(f, n):
    return min(timeit.repeat(f, number=n, repeat=7)) / n * 1e6


with open(os.path.join(HERE, 'vs_torch_cases.py')) as cases:
    exec(cases.read())
print(json.dumps(res))
