import sys as _sys
_sys.path.insert(0, _sys.argv[1] + '/benchmarks')      # the tree's overhead.py
import overhead as _overhead
sgd = _overhead.scalar_sgd_step(mt)
chain = _overhead.elementwise_chain(mt)
res['scalar SGD step'] = t(sgd, 20000)
res['10-op chain step'] = t(chain, 10000)
d = mt.tensor([0.5])
res['no grad: d * 0.01'] = t(lambda: d * 0.01, 100000)
res['no grad: d - d'] = t(lambda: d - d, 100000)
w = mt.tensor([1.0], requires_grad=True)
xx = mt.tensor([2.0])
def _xw():
    (xx * w).backward()
res['(x * w).backward(), forward included'] = t(_xw, 50000)
res['w.grad.data.zero_()'] = t(lambda: w.grad.data.zero_(), 100000)
x = mt.tensor([0.5], requires_grad=True)
def _one():
    (x * 1.01).backward()
res['(x * 1.01).backward(), forward included'] = t(_one, 50000)
