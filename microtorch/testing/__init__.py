"""`microtorch.testing`, as `torch.testing`: `assert_close` (and the deprecated
`assert_allclose`) to check results, `make_tensor` to make random inputs."""
from ._comparison import assert_allclose, assert_close
from ._creation import make_tensor

__all__ = ['assert_close', 'assert_allclose', 'make_tensor']
