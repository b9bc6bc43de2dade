"""Automatic mixed precision against PyTorch: autocast's casting on the CPU (PyTorch's CPU lists,
with dtype=float16), and GradScaler's loss scaling, skipped steps and scale updates."""
import warnings

import numpy as np
import pytest

import microtorch

# Under autocast('cpu', float16), each expression's result dtype is PyTorch's.
AUTOCAST_CASES = [
    'x @ w.T', 'lib.matmul(x, w.T)', 'lib.mm(x, w.T)', 'lib.bmm(x[None], w.T[None])',
    'lib.addmm(b, x, w.T)', 'lib.baddbmm(b[None], x[None], w.T[None])',
    'lib.addbmm(b, x[None], w.T[None])', 'F.linear(x, w)', 'F.linear(x, w, b[0])',
    'F.conv1d(x[None], lib.ones(2, 4, 2))',
    'F.conv2d(x[None, None], lib.ones(1, 1, 2, 2))',
    'F.prelu(x, lib.tensor([0.25]))', 'x.double() @ w.double().T',
    '(x @ w.T).float()', '(x @ w.T).softmax(0)', '(x @ w.T).exp()', '(x @ w.T).sum()',
    '(x @ w.T) + b', 'lib.cat([x @ w.T, b])', 'lib.addcmul(b, x @ w.T, x @ w.T)',
'F.mse_loss(x @ w.T, b)',
    'F.l1_loss(x @ w.T, b)', 'F.smooth_l1_loss(x @ w.T, b)', 'F.huber_loss(x @ w.T, b)',
    'F.cross_entropy(x @ w.T, lib.tensor([0, 1, 0, 1]))',
    'F.nll_loss((x @ w.T).log_softmax(1), lib.tensor([0, 1, 0, 1]))',
    'F.binary_cross_entropy_with_logits(x @ w.T, b.sigmoid())',
    'F.binary_cross_entropy((x @ w.T).sigmoid(), b.sigmoid())',
    'F.kl_div((x @ w.T).log_softmax(1), b.softmax(1), reduction="batchmean")',
    'F.layer_norm(x @ w.T, (2,))', 'F.log_softmax(x @ w.T, 1)', 'F.softmax(x @ w.T, 1)',
    'F.softplus(x @ w.T)', 'F.cosine_similarity(x @ w.T, b)', 'lib.cdist(x @ w.T, b)',
    'F.scaled_dot_product_attention(x[None], x[None], x[None])',
    'lib.nn.Linear(3, 2)(x)', 'lib.nn.MSELoss()(x @ w.T, b)',
]


def run_autocast(lib, expression):
    rng = np.random.default_rng(0)
    names = {'lib': lib, 'F': lib.nn.functional,
             'x': lib.tensor(rng.standard_normal((4, 3)), dtype=lib.float32),
             'w': lib.tensor(rng.standard_normal((2, 3)), dtype=lib.float32),
             'b': lib.tensor(rng.standard_normal((4, 2)), dtype=lib.float32)}
    lib.manual_seed(0)
    with lib.autocast('cpu', dtype=lib.float16):
        out = eval(expression, names)
    return str(out.dtype if hasattr(out, 'dtype') else out).split('.')[-1], out


@pytest.mark.parametrize('expression', AUTOCAST_CASES)
def test_autocast_dtypes_are_pytorchs(expression, torch):
    (ours, our_value), (theirs, their_value) = (run_autocast(microtorch, expression),
                                                run_autocast(torch, expression))
    assert ours == theirs
    if hasattr(our_value, 'dtype') and 'Linear' not in expression:
        np.testing.assert_allclose(our_value.detach().float().numpy(),
                                   their_value.detach().float().numpy(), rtol=2e-2, atol=2e-2)


def test_autocast_state_nests_and_restores(torch):
    for lib in (microtorch, torch):
        x = lib.ones(2, 2)
        assert not lib.is_autocast_enabled('cpu')
        with lib.autocast('cpu', dtype=lib.float16):
            assert lib.is_autocast_enabled('cpu') and not lib.is_autocast_enabled()
            assert (x @ x).dtype is lib.float16
            with lib.autocast('cpu', enabled=False):
                assert (x @ x).dtype is lib.float32
            assert (x @ x).dtype is lib.float16
        with pytest.raises(ZeroDivisionError):
            with lib.autocast('cpu', dtype=lib.float16):
                1 / 0
        assert not lib.is_autocast_enabled('cpu') and (x @ x).dtype is lib.float32

        @lib.autocast('cpu', dtype=lib.float16)
        def product(a):
            return a @ a
        assert product(x).dtype is lib.float16 and (x @ x).dtype is lib.float32


def test_autocast_without_cuda_or_with_a_dtype_microtorch_lacks_warns_and_does_nothing():
    x = microtorch.ones(2, 2)
    with pytest.warns(UserWarning, match='no bfloat16'):
        with microtorch.autocast('cpu'):
            assert (x @ x).dtype is microtorch.float32
    if not microtorch.cuda.is_available():
        with pytest.warns(UserWarning, match='CUDA is not available'):
            with microtorch.autocast('cuda'):
                assert not microtorch.is_autocast_enabled('cuda')
        with pytest.warns(UserWarning, match='CUDA is not available'):
            assert not microtorch.amp.GradScaler('cuda').is_enabled()
    with pytest.warns(FutureWarning, match='is deprecated'):
        from microtorch.cuda.amp import autocast
        autocast(enabled=False)


def test_gradients_reach_float32_parameters_through_autocast(torch):
    rng = np.random.default_rng(1)
    data = [rng.standard_normal(s) for s in ((8, 3), (4, 3), (4,), (8, 4))]
    grads = []
    for lib in (microtorch, torch):
        x, w, b, y = (lib.tensor(d, dtype=lib.float32) for d in data)
        w.requires_grad_()
        b.requires_grad_()
        with lib.autocast('cpu', dtype=lib.float16):
            out = lib.nn.functional.linear(x, w, b)
            loss = lib.nn.functional.mse_loss(out, y)
        assert out.dtype is lib.float16 and loss.dtype is lib.float32
        loss.backward()
        assert w.grad.dtype is lib.float32
        grads.append([w.grad.numpy(), b.grad.numpy()])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-2, atol=1e-3)


def train_with_scaler(lib, steps, poison=(), growth_interval=3):
    """A linear regression under autocast with a GradScaler; the steps in `poison` get an inf
    gradient (a skipped step and a backed-off scale)."""
    rng = np.random.default_rng(2)
    x = lib.tensor(rng.standard_normal((16, 3)), dtype=lib.float32)
    y = lib.tensor(rng.standard_normal((16, 1)), dtype=lib.float32)
    model = lib.nn.Linear(3, 1)
    with lib.no_grad():
        model.weight.copy_(lib.tensor([[0.5, -0.25, 0.125]]))
        model.bias.fill_(0.1)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.1)
    scaler = lib.amp.GradScaler('cpu', init_scale=2.0 ** 10, growth_interval=growth_interval)
    scales, results = [], []
    for step in range(steps):
        optimizer.zero_grad()
        with lib.autocast('cpu', dtype=lib.float16):
            loss = lib.nn.functional.mse_loss(model(x), y)
        scaler.scale(loss).backward()
        if step in poison:
            model.weight.grad[0, 0] = float('inf')
        results.append(scaler.step(optimizer))
        scaler.update()
        scales.append(scaler.get_scale())
    return scales, [p.detach().numpy().copy() for p in model.parameters()], results, scaler


def test_grad_scaler_trains_as_pytorchs(torch):
    ours = train_with_scaler(microtorch, 10, poison=(4,))
    theirs = train_with_scaler(torch, 10, poison=(4,))
    assert ours[0] == theirs[0]                 # scales: grown every 3 clean steps, halved once
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)
    assert ours[2] == theirs[2] == [None] * 10  # SGD.step returns None; so does a skipped step
    assert ours[3].state_dict() == theirs[3].state_dict()


def test_grad_scaler_state_dict_round_trip_and_disabled_scaler(torch):
    scaler = train_with_scaler(microtorch, 4)[3]
    other = microtorch.amp.GradScaler('cpu')
    other.load_state_dict(scaler.state_dict())
    assert other.state_dict() == scaler.state_dict()
    off = microtorch.amp.GradScaler('cpu', enabled=False)
    loss = microtorch.tensor(2.0)
    assert off.scale(loss) is loss and off.get_scale() == 1.0 and off.state_dict() == {}
    assert torch.amp.GradScaler('cpu', enabled=False).state_dict() == {}


def test_scaler_scales_nested_outputs():
    scaler = microtorch.amp.GradScaler('cpu', init_scale=4.0)
    a, b = microtorch.tensor(1.0), microtorch.tensor(2.0)
    out = scaler.scale([a, (b,)])
    assert out[0].item() == 4.0 and out[1][0].item() == 8.0


def test_autocast_needs_no_warnings_for_plain_use(recwarn):
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        with microtorch.autocast('cpu', dtype=microtorch.float16):
            microtorch.ones(2, 2) @ microtorch.ones(2, 2)


def _custom_mm(L, cast_inputs):
    """A custom Function whose forward and backward are decorated for autocast."""
    class MatMul(L.autograd.Function):
        @staticmethod
        @L.amp.custom_fwd(device_type='cpu', cast_inputs=cast_inputs)
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a.mm(b)

        @staticmethod
        @L.amp.custom_bwd(device_type='cpu')
        def backward(ctx, grad):
            a, b = ctx.saved_tensors
            return grad.mm(b.t()), a.t().mm(grad)
    return MatMul


@pytest.mark.parametrize('cast_inputs', [None, 'float32', 'float16'])
@pytest.mark.parametrize('in_region', [True, False])
def test_custom_fwd_and_bwd_as_pytorchs(torch, cast_inputs, in_region):
    def run(L):
        cast = None if cast_inputs is None else getattr(L, cast_inputs)
        a = L.ones(2, 3, requires_grad=True)
        b = L.ones(3, 2, dtype=L.float64 if cast_inputs == 'float16' else L.float32,
                   requires_grad=True)
        with L.autocast('cpu', dtype=L.float16, enabled=in_region):
            out = _custom_mm(L, cast).apply(a, b.float())
            seen = [out.dtype]
        out.float().sum().backward()
        return [str(d) for d in seen + [a.grad.dtype, b.grad.dtype]], out.float().tolist()
    assert run(microtorch) == tuple(
        [s.replace('torch.', 'microtorch.') for s in v] if i == 0 else v
        for i, v in enumerate(run(torch)))


def test_cuda_amp_custom_decorators_are_deprecated():
    with pytest.warns(FutureWarning, match='custom_fwd'):
        microtorch.cuda.amp.custom_fwd(lambda ctx, x: x)
    with pytest.warns(FutureWarning, match='custom_bwd'):
        microtorch.cuda.amp.custom_bwd(lambda ctx, g: g)
    with pytest.raises(ValueError, match='Expected `device_type` of type `str`'):
        microtorch.amp.custom_fwd(lambda ctx, x: x, device_type=None)
