"""Anomaly mode (microtorch.autograd.detect_anomaly / set_detect_anomaly) and gradcheck's
report: the debugging tools."""
import re
import warnings

import numpy as np
import pytest

import microtorch as mt
from microtorch.autograd import anomaly_mode

# The nans and infs below are on purpose: NumPy's warnings about them are noise here.
pytestmark = pytest.mark.filterwarnings('ignore::RuntimeWarning')

ENABLED = ('Anomaly Detection has been enabled. This mode will increase the runtime and should '
           'only be enabled for debugging.')
DETECTED = 'Error detected in {}. Traceback of forward call that caused the error:\n'


@pytest.fixture(autouse=True)
def anomaly_off():
    """Every test starts and ends with anomaly mode off (a failing test must not leak it)."""
    assert not mt.autograd.is_anomaly_enabled()
    yield
    mt.autograd.set_detect_anomaly(False)


def detect(check_nan=True):
    with pytest.warns(UserWarning, match=re.escape(ENABLED)):
        return mt.autograd.detect_anomaly(check_nan=check_nan)


def test_detect_anomaly_context_manager_sets_and_restores():
    with detect():
        assert mt.autograd.is_anomaly_enabled()
        assert mt.autograd.is_anomaly_check_nan_enabled()
        with detect(check_nan=False):
            assert not mt.autograd.is_anomaly_check_nan_enabled()
        assert mt.autograd.is_anomaly_check_nan_enabled()
    assert not mt.autograd.is_anomaly_enabled()


def test_detect_anomaly_decorator():
    @detect()
    def inside():
        return mt.autograd.is_anomaly_enabled()
    assert not mt.autograd.is_anomaly_enabled()
    assert inside() and inside()
    assert not mt.autograd.is_anomaly_enabled()


def test_set_detect_anomaly_function_and_context_manager():
    mt.autograd.set_detect_anomaly(True)
    assert mt.autograd.is_anomaly_enabled()
    mt.autograd.set_detect_anomaly(False)
    assert not mt.autograd.is_anomaly_enabled()
    with mt.autograd.set_detect_anomaly(True, check_nan=False):
        assert mt.autograd.is_anomaly_enabled()
        assert not mt.autograd.is_anomaly_check_nan_enabled()
    assert not mt.autograd.is_anomaly_enabled()
    assert mt.autograd.is_anomaly_check_nan_enabled()


def test_nan_in_backward_raises_with_the_forward_line():
    x = mt.tensor([0.0, 1.0], requires_grad=True)
    with detect():
        y = x * mt.tensor([float('inf'), 1.0])        # the line the report must show
        loss = (y * 0).sum()
        with pytest.warns(UserWarning) as record:
            with pytest.raises(RuntimeError) as info:
                loss.backward()
    assert str(info.value) == "Function 'MulBackward0' returned nan values in its 0th output."
    report = [str(w.message) for w in record if 'Error detected' in str(w.message)]
    assert len(report) == 1
    assert report[0].startswith(DETECTED.format('MulBackward0'))
    assert __file__ in report[0]
    assert "y = x * mt.tensor([float('inf'), 1.0])" in report[0]
    assert 'microtorch' + '/ops' not in report[0]       # microtorch's own frames are trimmed
    assert info.value.__notes__ == report              # also shown in the printed traceback
    assert x.grad is None


def test_inf_in_backward_raises():
    x = mt.tensor([0.0, 1.0], requires_grad=True)
    with detect():
        loss = x.sqrt().sum()
        with pytest.warns(UserWarning, match='Error detected in SqrtBackward0'):
            with pytest.raises(RuntimeError, match=re.escape(
                    "Function 'SqrtBackward0' returned inf values in its 0th output.")):
                loss.backward()


def test_nan_is_reported_before_inf_as_pytorch_reports_it(torch):
    """x / x at 0: grad a = 1/0 = inf (0th), grad b = -0/0 = nan (1th); PyTorch checks nan."""
    messages = []
    for lib in (mt, torch):
        x = lib.tensor([0.0, 1.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            with lib.autograd.detect_anomaly():
                with pytest.raises(RuntimeError) as info:
                    (x / x).sum().backward()
        messages.append(str(info.value))
    assert messages[0] == messages[1] == ("Function 'DivBackward0' returned nan values in its "
                                          '1th output.')


def test_check_nan_false_lets_nan_through():
    x = mt.tensor([0.0, 1.0], requires_grad=True)
    with detect(check_nan=False):
        (x / x).sum().backward()
    assert np.isnan(x.grad.numpy()).any()


def test_off_nan_passes_silently_and_nothing_is_recorded(monkeypatch):
    def no_stacks(*args, **kwargs):
        raise AssertionError('a stack was taken with anomaly mode off')
    monkeypatch.setattr(anomaly_mode.traceback, 'extract_stack', no_stacks)
    x = mt.tensor([0.0, 1.0], requires_grad=True)
    y = x / x
    assert not hasattr(y.grad_fn, '_anomaly_trace')
    y.sum().backward()
    assert np.isnan(x.grad.numpy()).any()


def test_every_recorded_node_keeps_its_forward_stack():
    with detect():
        x = mt.ones(2, requires_grad=True)
        y = (x.exp() * 2).sum()
    node = y.grad_fn
    while node is not None and not isinstance(node, mt.autograd.function.AccumulateGrad):
        assert 'y = (x.exp() * 2).sum()' in anomaly_mode.forward_trace(node)
        node = node.next_functions[0][0]


def test_error_in_a_custom_backward_is_reported():
    class Broken(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, gy):
            raise ValueError('broken backward')

    x = mt.ones(2, requires_grad=True)
    with detect():
        y = Broken.apply(x).sum()              # the line
        with pytest.warns(UserWarning, match=re.escape(DETECTED.format('BrokenBackward'))) \
                as record:
            with pytest.raises(ValueError, match='broken backward'):
                y.backward()
    assert any('y = Broken.apply(x).sum()' in str(w.message) for w in record)


def test_node_recorded_before_anomaly_mode_says_so():
    x = mt.tensor([0.0], requires_grad=True)
    y = (x / x).sum()
    with detect():
        with pytest.warns(UserWarning, match='Error detected in DivBackward0. No forward pass '
                                             'information available'):
            with pytest.raises(RuntimeError, match='returned nan values'):
                y.backward()


def test_double_backward_names_the_op_that_induced_the_node():
    x = mt.tensor([1000.0], dtype=mt.float64, requires_grad=True)
    gy = mt.ones(1, dtype=mt.float64, requires_grad=True)
    with detect(check_nan=False):
        y = x.exp()                                        # exp(1000) = inf: first grads inf
        g, = mt.autograd.grad(y, x, grad_outputs=gy, create_graph=True)
    with detect():
        with pytest.warns(UserWarning) as record:
            with pytest.raises(RuntimeError, match=re.escape(
                    "Function 'ExpBackwardBackward0' returned nan values in its 1th output.")):
                (g * 0).sum().backward()
    report = next(str(w.message) for w in record if 'Error detected' in str(w.message))
    assert 'g, = mt.autograd.grad(y, x, grad_outputs=gy, create_graph=True)' in report
    assert ('Previous calculation was induced by ExpBackward0. Traceback of forward call that '
            'induced the previous calculation:') in report
    assert 'y = x.exp()' in report.split('Previous calculation')[1]


def test_inplace_hint_follows_anomaly_mode(torch):
    """PyTorch's hint points to anomaly mode when it is off, at the trace when it is on."""
    for enabled in (False, True):
        messages = []
        for lib in (mt, torch):
            x = lib.tensor([1.0], requires_grad=True)
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                with lib.autograd.set_detect_anomaly(enabled):
                    y = x.exp()
                    y.add_(1)
                    with pytest.raises(RuntimeError) as info:
                        y.sum().backward()
            messages.append(str(info.value).replace('torch.', 'microtorch.')
                            .replace('micromicrotorch.', 'microtorch.'))
        assert messages[0] == messages[1]


def test_anomaly_mode_gives_the_same_gradients():
    x = mt.tensor([[0.5, -1.0], [2.0, 3.0]], requires_grad=True)

    def run():
        x.grad = None
        (x.sigmoid() * x.tanh()).logsumexp(1).sum().backward()
        return x.grad.numpy().copy()
    plain = run()
    with detect():
        checked = run()
    np.testing.assert_array_equal(plain, checked)


# ---- gradcheck's report ------------------------------------------------------------------

def test_gradcheck_names_the_worst_element():
    class WrongAt3(mt.autograd.Function):      # d/dx (2x) returned as 2, except element 3
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, gy):
            wrong = mt.tensor([1.0, 1.0, 1.0, 1.5, 1.0], dtype=mt.float64)
            return gy * 2 * wrong

    x = mt.arange(5.0, dtype=mt.float64).requires_grad_()
    with pytest.raises(mt.autograd.GradcheckError) as info:
        mt.autograd.gradcheck(WrongAt3.apply, (x,))
    message = str(info.value)
    assert message.startswith('Jacobian mismatch for output 0 with respect to input 0: worst '
                              'element d output[3] / d input[3]: numerical 2, analytical 3 '
                              '(atol=1e-05, rtol=0.001).')
    assert not mt.autograd.gradcheck(WrongAt3.apply, (x,), raise_exception=False)


def test_gradcheck_warns_on_float32():
    x = mt.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match='gradcheck should use float64 inputs'):
        mt.autograd.gradcheck(lambda t: t * 2, (x,), eps=1e-2, atol=1e-2, rtol=1e-2)


def test_gradgradcheck_catches_a_wrong_second_derivative():
    class WrongSecond(mt.autograd.Function):   # x^3 with a first derivative of 3 x^2 written
        @staticmethod                            # as 3 * x * x.detach(): half the 2nd derivative
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, gy):
            x, = ctx.saved_tensors
            return gy * 3 * x * x.detach()

    x = mt.tensor([0.5, -1.5], dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradcheck(WrongSecond.apply, (x,))
    with pytest.raises(mt.autograd.GradcheckError, match='worst element'):
        mt.autograd.gradgradcheck(WrongSecond.apply, (x,))
