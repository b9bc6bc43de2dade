"""The model zoo (tests/zoo/): each small training program, written once against PyTorch's
API, runs from the same seed in microtorch and in PyTorch. Every step's loss must agree over
the whole run, and so must the final tensors (parameters, buffers, optimizer state,
predictions, sampled indices) and the generator's state at the end (the same draws, in the
same order).

Tolerances: float32 runs within rtol 1e-4 (float32 sums may be ordered differently, and a
run amplifies their last-bit differences); float64 runs within rtol 1e-10. A final tensor is
compared with an absolute tolerance of rtol times its largest magnitude (a bias near zero
carries the rounding of the whole run); integer results (indices, counts) exactly.
"""
import importlib

import numpy as np
import pytest

import microtorch

RTOL = {'float32': 1e-4, 'float64': 1e-10}

# (program, keyword arguments): every program in float32 and float64 (the models built in
# the dtype, or converted with .to(dtype) / model.double() style)
CASES = [
    ('cnn', {}), ('cnn', {'dtype': 'float64'}),
    ('char_lstm', {}), ('char_lstm', {'dtype': 'float64'}),
    ('gru_classifier', {}), ('gru_classifier', {'dtype': 'float64'}),
    ('transformer_lm', {'schedule': 'lambda'}),
    ('transformer_lm', {'schedule': 'onecycle'}),
    ('transformer_lm', {'schedule': 'onecycle', 'dtype': 'float64'}),
    ('vae', {'dtype': 'float64'}), ('vae', {'dtype': 'float32'}),
    ('gan', {}), ('gan', {'dtype': 'float64'}),
    ('word2vec', {}), ('word2vec', {'dtype': 'float64'}),
    ('regression_mlp', {}), ('regression_mlp', {'dtype': 'float64'}),
]


def _case_id(case):
    name, kwargs = case
    return '-'.join([name] + [str(v) for v in kwargs.values()])


def _numpy(value):
    return value.detach().cpu().numpy() if hasattr(value, 'detach') else np.asarray(value)


def _run(library, name, kwargs):
    program = importlib.import_module(f'zoo.{name}')
    losses, finals = program.train(library, **kwargs)
    finals = {key: _numpy(value) for key, value in finals.items()}
    return np.asarray(losses), finals, library.get_rng_state().numpy()


@pytest.mark.parametrize('name, kwargs', CASES, ids=[_case_id(c) for c in CASES])
def test_training_run_gives_pytorchs_losses_and_parameters(torch, name, kwargs):
    rtol = RTOL[kwargs.get('dtype', 'float32')]
    expected_losses, expected, expected_state = _run(torch, name, kwargs)
    losses, actual, state = _run(microtorch, name, kwargs)
    assert losses.shape == expected_losses.shape           # the same steps (early stopping)
    np.testing.assert_allclose(losses, expected_losses, rtol=rtol, err_msg='losses')
    assert list(actual) == list(expected)
    for key, value in expected.items():
        assert actual[key].dtype == value.dtype and actual[key].shape == value.shape, key
        if value.dtype.kind == 'f':
            scale = np.abs(value).max() if value.size else 0.0
            np.testing.assert_allclose(actual[key], value, rtol=rtol, atol=rtol * scale,
                                       err_msg=key)
        else:
            np.testing.assert_array_equal(actual[key], value, err_msg=key)
    np.testing.assert_array_equal(state, expected_state)   # the same draws, in order
