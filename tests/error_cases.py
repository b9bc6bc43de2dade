"""The check that a table of (exception type, message) rows and a parallel list of calls
share: call `index` raises exactly that error. One place for the test files that list a
module's errors this way (test_numeric, test_autograd_functional)."""
import pytest


def check_error(errors, calls, index, lib, as_microtorch=False):
    """calls(lib)[index] raises errors[index]; as_microtorch: PyTorch's 'torch.' names are
    read as microtorch's before comparing."""
    exc, message = errors[index]
    with pytest.raises(exc) as info:
        calls(lib)[index]()
    got = str(info.value)
    assert (got.replace('torch.', 'microtorch.') if as_microtorch else got) == message
