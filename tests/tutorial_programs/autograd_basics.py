import torch

torch.manual_seed(0)

# --- a one-layer network and its gradients --------------------------------------------------
x = torch.ones(5)
y = torch.zeros(3)
w = torch.randn(5, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print(w)
print(b)
print(z)
print(loss)
print(f"Gradient function for z = {z.grad_fn}"[:41])
print(f"Gradient function for loss = {loss.grad_fn}"[:64])
print(type(z.grad_fn).__name__, type(loss.grad_fn).__name__)
print(z.requires_grad, z.is_leaf, w.is_leaf, x.requires_grad)

loss.backward()
print(w.grad)
print(b.grad)

# --- disabling tracking ---------------------------------------------------------------------
z = torch.matmul(x, w) + b
print(z.requires_grad)
with torch.no_grad():
    z = torch.matmul(x, w) + b
print(z.requires_grad)
z = torch.matmul(x, w) + b
z_det = z.detach()
print(z_det.requires_grad, z_det)

# --- grad_fn names along a chain ------------------------------------------------------------
a = torch.tensor([2.0, 3.0], requires_grad=True)
c = a * 3
d = c.sum()
e = a.pow(2).mean()
f = torch.sigmoid(a).exp()
names = []
for t in (c, d, e, f, a + 1, a - 1, a / 2, a @ a, a.view(2, 1), a[0], a.t(), -a):
    names.append(type(t.grad_fn).__name__)
print(names)
print(e.grad_fn.next_functions[0][0].__class__.__name__)

# --- gradients of simple expressions --------------------------------------------------------
q = torch.tensor([2., 3.], requires_grad=True)
r = torch.tensor([6., 4.], requires_grad=True)
Q = 3 * q ** 3 - r ** 2
external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)
print(9 * q ** 2 == q.grad)
print(-2 * r == r.grad)
print(q.grad, r.grad)

# --- Jacobian-vector products, accumulation, retain_graph -----------------------------------
inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\n{inp.grad}")
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nSecond call\n{inp.grad}")
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nCall after zeroing gradients\n{inp.grad}")

v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
s = torch.rand(3, requires_grad=True)
t = s * 2
while t.data.norm() < 1000:
    t = t * 2
print(t)
t.backward(v)
print(s.grad)

# --- backward twice without retain_graph ----------------------------------------------------
g = torch.tensor([1.0, 2.0], requires_grad=True)
h = (g * g).sum()
h.backward()
try:
    h.backward()
except RuntimeError as err:
    print(str(err).split('.')[0])
print(g.grad)

# --- backward on a non-scalar without gradient ----------------------------------------------
try:
    (g * 2).backward()
except RuntimeError as err:
    print(err)

# --- torch.autograd.grad and higher derivatives ---------------------------------------------
u = torch.tensor(1.5, requires_grad=True)
y3 = u ** 3
(dy,) = torch.autograd.grad(y3, u, create_graph=True)
(d2y,) = torch.autograd.grad(dy, u)
print(dy.detach(), d2y)

# --- requires_grad_ and the .data escape hatch ----------------------------------------------
m = torch.rand(2, 2)
print(m.requires_grad)
m.requires_grad_()
print(m.requires_grad)
n = (m * m).sum()
n.backward()
print(m.grad)
m.data.mul_(0)
print(m, m.grad)

# --- set_grad_enabled and is_grad_enabled ---------------------------------------------------
with torch.set_grad_enabled(False):
    print(torch.is_grad_enabled(), (m * 2).requires_grad)
print(torch.is_grad_enabled())

@torch.no_grad()
def doubler(t):
    return t * 2

print(doubler(m).requires_grad)
