"""`microtorch.backends.cudnn`: PyTorch's cuDNN switches, which scripts set before training
(`torch.backends.cudnn.benchmark = True`). microtorch does not use cuDNN (its convolutions and
pooling are its own kernels, deterministic and without algorithm search), so the switches are
kept for code that reads them back and change nothing."""
import contextlib

enabled = True
benchmark = False
benchmark_limit = 10
deterministic = False
allow_tf32 = True


def is_available():
    """False: microtorch never calls cuDNN."""
    return False


def version():
    """None, as PyTorch answers without cuDNN."""
    return None


def is_acceptable(tensor):
    return False


@contextlib.contextmanager
def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False,
          allow_tf32=True):
    """Set the switches for a block, then put them back."""
    names = ('enabled', 'benchmark', 'benchmark_limit', 'deterministic', 'allow_tf32')
    module = globals()
    saved = {name: module[name] for name in names}
    module.update(enabled=enabled, benchmark=benchmark, benchmark_limit=benchmark_limit,
                  deterministic=deterministic, allow_tf32=allow_tf32)
    try:
        yield
    finally:
        module.update(saved)
