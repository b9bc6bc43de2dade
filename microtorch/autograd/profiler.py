"""The autograd profiler, as PyTorch's `torch.autograd.profiler`: `profile` times every op,
backward node and `record_function` block run inside it; `emit_nvtx` is accepted and does
nothing (microtorch emits no NVTX ranges).

Times are wall-clock times of the Python calls (time.perf_counter_ns); with `use_cuda=True`
an op whose tensors are on a GPU is also timed on the GPU, between two CuPy events. Nothing
costs anything while no profiler runs: the timing wrappers are swapped in on entry and out on
exit (_profiling.py).
"""
import contextlib

from . import _profiling
from .profiler_util import EventList, FunctionEvent, FunctionEventAvg, events_from  # noqa: F401


class profile:
    """Records the ops run inside it: `with profile() as prof: ...`, then
    `prof.key_averages().table(...)`, `prof.function_events`, `prof.export_chrome_trace(path)`.

    Args: enabled (False: records nothing), use_cuda / use_device='cuda' (time GPU ops with
    CuPy events), record_shapes (keep each op's input shapes). profile_memory, with_stack,
    with_flops and with_modules are accepted and record nothing (microtorch has no allocator
    hooks, source tracking or FLOP formulas).
    """

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False,
                 with_flops=False, profile_memory=False, with_stack=False, with_modules=False,
                 use_kineto=False, use_cpu=True, experimental_config=None, acc_events=False,
                 custom_trace_id_callback=None, post_processing_timeout_s=None,
                 activity_filters=None):
        self.enabled = enabled
        self.use_device = 'cuda' if use_cuda else use_device
        self.use_cuda = self.use_device == 'cuda'
        self.record_shapes = record_shapes
        self.with_flops = with_flops
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.acc_events = acc_events
        self.entered = False
        self._collector = None
        self._function_events = None
        self._old_function_events = None

    def __enter__(self):
        if not self.enabled:
            return None
        if self.entered:
            raise RuntimeError('Profiler context manager is not reentrant')
        self._prepare_trace()
        self._start_trace()
        return self

    def _prepare_trace(self):
        self.entered = True
        self._collector = _profiling.Collector(self.record_shapes, self.use_cuda)

    def _start_trace(self):
        self.entered = True
        self._collector.start()

    def __exit__(self, exc_type, exc_value, traceback):
        if not self.enabled:
            return
        if self._function_events and self.acc_events:
            self._old_function_events = self._function_events
        collector = self._collector
        collector.stop()
        self._function_events = events_from(collector.events, collector.base_ns,
                                            self.use_device, self.record_shapes)
        if self._old_function_events:
            self._function_events[:0] = self._old_function_events

    @property
    def function_events(self):
        return self._function_events

    def _events(self):
        if self._function_events is None:
            return EventList()
        return self._function_events

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75,
              max_name_column_width=55, max_shapes_column_width=80, header=None,
              top_level_events_only=False, time_unit=None):
        return self._events().table(sort_by, row_limit, max_src_column_width,
                                    max_name_column_width, max_shapes_column_width, header,
                                    top_level_events_only, time_unit)

    def export_chrome_trace(self, path):
        self._events().export_chrome_trace(path)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0,
                     group_by_overload_name=False):
        return self._events().key_averages(group_by_input_shape, group_by_stack_n,
                                           group_by_overload_name)

    def total_average(self):
        return self._events().total_average()

    @property
    def self_cpu_time_total(self):
        """The CPU time spent in all the events, each counted once (its own time)."""
        return self._events().self_cpu_time_total

    def __str__(self):
        return str(self.key_averages().table())


class record_function(contextlib.ContextDecorator):
    """A named block of user code, shown by the profilers as an event of its own:
    `with record_function('forward'): ...` or `@record_function('step')`."""

    def __init__(self, name, args=None):
        self.name = name
        self.args = args
        self._events = []              # a stack: a decorated function may call itself

    def __enter__(self):
        self._events.append(_profiling.open_event(self.name, 'user_annotation'))
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        _profiling.close_event(self._events.pop())
        return False


class emit_nvtx(contextlib.ContextDecorator):
    """Accepted for PyTorch's code and a no-op: microtorch emits no NVTX ranges (run it under
    a profiler from `microtorch.profiler` instead)."""

    def __init__(self, enabled=True, record_shapes=False):
        self.enabled = enabled
        self.record_shapes = record_shapes

    def __enter__(self):
        return None

    def __exit__(self, exc_type, exc_value, traceback):
        return False


__all__ = ['profile', 'record_function', 'emit_nvtx', 'EventList', 'FunctionEvent',
           'FunctionEventAvg']
