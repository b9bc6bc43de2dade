import torch
import math
import random

torch.manual_seed(0)
dtype = torch.float
device = torch.device("cpu")

# Fit y = sin(x) on [-pi, pi] with a third-order polynomial, several ways.
# (sin is taken in float64 and rounded: float32 sin kernels differ in the last bit between
# libraries, and so do float32 sums of many terms, so losses and results print rounded.)
x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x.double()).float()


def r(value):
    """A coefficient to 5 decimals (+ 0.0: a tiny negative prints 0.0, not -0.0)."""
    return round(value, 5) + 0.0


# --- 1. plain tensors, gradients by hand ----------------------------------------------------
a = torch.randn((), device=device, dtype=dtype)
b = torch.randn((), device=device, dtype=dtype)
c = torch.randn((), device=device, dtype=dtype)
d = torch.randn((), device=device, dtype=dtype)

learning_rate = 1e-6
for t in range(2000):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum().item()
    if t % 100 == 99:
        print(t, f'{loss:.2f}')
    grad_y_pred = 2.0 * (y_pred - y)
    grad_a = grad_y_pred.sum()
    grad_b = (grad_y_pred * x).sum()
    grad_c = (grad_y_pred * x ** 2).sum()
    grad_d = (grad_y_pred * x ** 3).sum()
    a -= learning_rate * grad_a
    b -= learning_rate * grad_b
    c -= learning_rate * grad_c
    d -= learning_rate * grad_d
print(f'Result: y = {r(a.item())} + {r(b.item())} x + {r(c.item())} x^2 + '
      f'{r(d.item())} x^3')

# --- 2. autograd ----------------------------------------------------------------------------
a = torch.randn((), dtype=dtype, requires_grad=True)
b = torch.randn((), dtype=dtype, requires_grad=True)
c = torch.randn((), dtype=dtype, requires_grad=True)
d = torch.randn((), dtype=dtype, requires_grad=True)
for t in range(2000):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, f'{loss.item():.2f}')
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None
print(f'Result: y = {r(a.item())} + {r(b.item())} x + {r(c.item())} x^2 + '
      f'{r(d.item())} x^3')


# --- 3. a custom autograd.Function: the Legendre polynomial P3 ------------------------------
class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


a = torch.full((), 0.0, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, dtype=dtype, requires_grad=True)
learning_rate = 5e-6
for t in range(2000):
    P3 = LegendrePolynomial3.apply
    y_pred = a + b * P3(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, f'{loss.item():.2f}')
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None
print(f'Result: y = {r(a.item())} + {r(b.item())} * P3({r(c.item())} + {r(d.item())} x)')
print(type(P3(x[:2]).grad_fn).__name__)

# --- 4. nn.Sequential with Flatten, MSELoss(reduction='sum'), manual updates ----------------
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)
print(xx.shape)
model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1)
)
print(model)
loss_fn = torch.nn.MSELoss(reduction='sum')
learning_rate = 1e-6
for t in range(2000):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 100 == 99:
        print(t, f'{loss.item():.2f}')
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad
linear_layer = model[0]
print(f'Result: y = {r(linear_layer.bias.item())} + {r(linear_layer.weight[:, 0].item())} x + '
      f'{r(linear_layer.weight[:, 1].item())} x^2 + {r(linear_layer.weight[:, 2].item())} x^3')

# --- 5. the same model trained with optim.RMSprop -------------------------------------------
model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1)
)
loss_fn = torch.nn.MSELoss(reduction='sum')
learning_rate = 1e-3
optimizer = torch.optim.RMSprop(model.parameters(), lr=learning_rate)
print(optimizer)
# (800 steps, losses to 1 decimal: PyTorch's float32 sqrt comes from MKL, which rounds about
# 0.7% of results one ulp low, and RMSprop's fixed-size steps carry that into the losses'
# second decimal by step 500)
for t in range(800):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 100 == 99:
        print(t, f'{loss.item():.1f}')
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
linear_layer = model[0]
print(f'Result: y = {r(linear_layer.bias.item())} + {r(linear_layer.weight[:, 0].item())} x + '
      f'{r(linear_layer.weight[:, 1].item())} x^2 + {r(linear_layer.weight[:, 2].item())} x^3')
print(sorted(optimizer.state_dict()['state'][0].keys()))
print(optimizer.state_dict()['param_groups'][0]['lr'])


# --- 6. a custom nn.Module trained with SGD -------------------------------------------------
class Polynomial3(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    def string(self):
        return (f'y = {r(self.a.item())} + {r(self.b.item())} x + {r(self.c.item())} x^2 + '
                f'{r(self.d.item())} x^3')


model = Polynomial3()
print(model)
print([name for name, _ in model.named_parameters()])
criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
for t in range(2000):
    y_pred = model(x)
    loss = criterion(y_pred, y)
    if t % 100 == 99:
        print(t, f'{loss.item():.2f}')
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f'Result: {model.string()}')


# --- 7. a dynamic graph: the fourth and fifth order terms reuse one parameter ---------------
class DynamicNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))
        self.e = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, random.randint(4, 6)):
            y = y + self.e * x ** exp
        return y

    def string(self):
        return (f'y = {r(self.a.item())} + {r(self.b.item())} x + {r(self.c.item())} x^2 + '
                f'{r(self.d.item())} x^3 + {r(self.e.item())} x^4 ? + '
                f'{r(self.e.item())} x^5 ?')


random.seed(0)
model = DynamicNet()
criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
for t in range(6000):
    y_pred = model(x)
    loss = criterion(y_pred, y)
    if t % 500 == 499:
        print(t, f'{loss.item():.2f}')
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f'Result: {model.string()}')
