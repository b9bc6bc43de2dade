"""`microtorch.distributed`: microtorch runs in one process on one device at a time, so there
are no process groups. As PyTorch answers before `init_process_group`: `is_initialized()` is
False and the collective calls raise its ValueError; `is_available()` is False, so code that
asks first takes its single-process path. `init_process_group` is refused."""

_NOT_INITIALIZED = ('Default process group has not been initialized, please make sure to call '
                    'init_process_group.')


def is_available():
    return False


def is_initialized():
    return False


def is_torchelastic_launched():
    return False


def init_process_group(*args, **kwargs):
    raise RuntimeError('microtorch has no distributed backend: it trains in one process '
                       '(several processes need PyTorch)')


def _needs_a_group(*args, **kwargs):
    raise ValueError(_NOT_INITIALIZED)


get_rank = get_world_size = barrier = all_reduce = broadcast = all_gather = reduce = \
    gather = scatter = reduce_scatter = destroy_process_group = get_backend = new_group = \
    _needs_a_group
