"""The profiler, as PyTorch's `torch.profiler`: `profile` records the ops, backward nodes and
`record_function` blocks run inside it, over the steps a `schedule` picks, and hands each
finished cycle to `on_trace_ready` (`tensorboard_trace_handler` writes it as a Chrome trace).

    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        loss = model(x).sum()
        loss.backward()
    print(prof.key_averages().table(sort_by='cpu_time_total', row_limit=10))

Times are those of the Python calls; ops on a GPU are also timed with CuPy events when
ProfilerActivity.CUDA is asked for. Memory, stacks, FLOPs and modules are not recorded (the
arguments are accepted). No profiler, no cost: see microtorch/autograd/_profiling.py.
"""
import enum
import os
import warnings

from ..autograd import profiler as _autograd_profiler
from ..autograd.profiler import record_function

PROFILER_STEP_NAME = 'ProfilerStep'


class ProfilerActivity(enum.Enum):
    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    """What the profiler does during a step (a schedule's answer for it)."""
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def supported_activities():
    """CPU, and CUDA where a GPU is there."""
    from .. import cuda
    activities = {ProfilerActivity.CPU}
    if cuda.is_available():
        activities.add(ProfilerActivity.CUDA)
    return activities


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """A schedule for `profile`: skip `skip_first` steps, then cycles of `wait` idle steps,
    `warmup` steps and `active` recorded steps (the last of which hands the cycle to
    on_trace_ready), `repeat` times (0: until the profiler stops). skip_first_wait: the first
    cycle starts without its wait."""
    def schedule_fn(step):
        if step < 0:
            raise AssertionError(f'Step must be non-negative. Got {step}.')
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait != 0:
            step += wait
        cycle = wait + warmup + active
        if repeat > 0 and step / cycle >= repeat:
            return ProfilerAction.NONE
        within = step % cycle
        if within < wait:
            return ProfilerAction.NONE
        if within < wait + warmup:
            return ProfilerAction.WARMUP
        if within < cycle - 1:
            return ProfilerAction.RECORD
        return ProfilerAction.RECORD_AND_SAVE

    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f'Invalid profiler schedule arguments. Got wait={wait} (need >= 0), '
            f'warmup={warmup} (need >= 0), active={active} (need > 0), repeat={repeat} '
            f'(need >= 0), skip_first={skip_first} (need >= 0).')
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results",
                      stacklevel=2)
    return schedule_fn


def _default_schedule_fn(_):
    return ProfilerAction.RECORD


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False,
                              use_python_export=False):
    """An on_trace_ready that writes each cycle as '<worker>.<time ns>.pt.trace.json' (.gz
    with use_gzip) in dir_name, PyTorch's file names (TensorBoard's plugin reads them)."""
    import socket
    import time

    def handler_fn(prof):
        nonlocal worker_name
        if not os.path.isdir(dir_name):
            try:
                os.makedirs(dir_name, exist_ok=True)
            except Exception as e:
                raise RuntimeError("Can't create directory: " + dir_name) from e
        if not worker_name:
            worker_name = f'{socket.gethostname()}_{os.getpid()}'
        file_name = f'{worker_name}.{time.time_ns()}.pt.trace.json'
        if use_gzip:
            file_name += '.gz'
        prof.export_chrome_trace(os.path.join(dir_name, file_name))
    return handler_fn


class profile:
    """Records ops over the steps `schedule` picks: a context manager, or `start()`, a
    `step()` at the end of each step, `stop()`. Without a schedule every step is recorded.

    Args: activities (ProfilerActivity values; default CPU, and CUDA with a GPU), schedule,
    on_trace_ready (called with the profiler when a cycle is recorded), record_shapes.
    profile_memory, with_stack, with_flops, with_modules and the rest are accepted for
    PyTorch's code and record nothing.
    """

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None,
                 record_shapes=False, profile_memory=False, with_stack=False,
                 with_flops=False, with_modules=False, experimental_config=None,
                 execution_trace_observer=None, acc_events=False, use_cuda=None,
                 custom_trace_id_callback=None, post_processing_timeout_s=None):
        chosen = set(activities) if activities is not None else supported_activities()
        if use_cuda is not None:
            warnings.warn('`use_cuda` is deprecated, use `activities` argument instead',
                          FutureWarning, stacklevel=2)
            if use_cuda:
                chosen.add(ProfilerActivity.CUDA)
            else:
                chosen.discard(ProfilerActivity.CUDA)
        if not chosen:
            raise AssertionError('No valid profiler activities found')
        self.activities = chosen
        self.use_device = 'cuda' if ProfilerActivity.CUDA in chosen else None
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_flops = with_flops
        self.with_modules = with_modules
        self.acc_events = acc_events
        self.profiler = None
        if schedule:
            self.schedule = schedule
            self.record_steps = True            # ProfilerStep#<n> events mark the steps
        else:
            self.schedule = _default_schedule_fn
            self.record_steps = False
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self.step_rec_fn = None
        self.current_action = self.schedule(self.step_num)
        # (previous action, next action) -> what to do; None as next: the profiler stops
        A = ProfilerAction
        prepare, start, stop, ready = (self.prepare_trace, self.start_trace, self.stop_trace,
                                       self._trace_ready)
        self.action_map = {
            (A.NONE, A.NONE): [], (A.NONE, A.WARMUP): [prepare],
            (A.NONE, A.RECORD): [prepare, start], (A.NONE, A.RECORD_AND_SAVE): [prepare, start],
            (A.WARMUP, A.NONE): [_warning('Incorrect schedule: WARMUP followed by NONE'),
                                 start, stop],
            (A.WARMUP, A.WARMUP): [], (A.WARMUP, A.RECORD): [start],
            (A.WARMUP, A.RECORD_AND_SAVE): [start],
            (A.RECORD, A.NONE): [_warning('Incorrect schedule: RECORD followed by NONE'), stop],
            (A.RECORD, A.WARMUP): [_warning('Incorrect schedule: RECORD followed by WARMUP'),
                                   stop],
            (A.RECORD, A.RECORD): [], (A.RECORD, A.RECORD_AND_SAVE): [],
            (A.RECORD_AND_SAVE, A.NONE): [stop, ready],
            (A.RECORD_AND_SAVE, A.WARMUP): [stop, ready, prepare],
            (A.RECORD_AND_SAVE, A.RECORD): [stop, ready, prepare, start],
            (A.RECORD_AND_SAVE, A.RECORD_AND_SAVE): [stop, ready, prepare, start],
            (A.WARMUP, None): [start, stop], (A.RECORD, None): [stop, ready],
            (A.RECORD_AND_SAVE, None): [stop, ready],
        }

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.stop()

    def start(self):
        self._transit_action(ProfilerAction.NONE, self.current_action)
        if self.record_steps:
            self.step_rec_fn = record_function(f'{PROFILER_STEP_NAME}#{self.step_num}')
            self.step_rec_fn.__enter__()

    def stop(self):
        if self.record_steps and self.step_rec_fn:
            self.step_rec_fn.__exit__(None, None, None)
            self.step_rec_fn = None
        self._transit_action(self.current_action, None)

    def step(self):
        """Signals that the next step begins."""
        if self.record_steps and self.step_rec_fn:
            self.step_rec_fn.__exit__(None, None, None)
            self.step_rec_fn = None
        previous = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        self._transit_action(previous, self.current_action)
        if self.record_steps:
            self.step_rec_fn = record_function(f'{PROFILER_STEP_NAME}#{self.step_num}')
            self.step_rec_fn.__enter__()

    def _transit_action(self, previous, current):
        for action in self.action_map.get((previous, current), ()):
            action()

    def _trace_ready(self):
        if self.on_trace_ready:
            self.on_trace_ready(self)

    # ---- one recording -----------------------------------------------------------------------

    def prepare_trace(self):
        if self.profiler is not None and not self.acc_events:
            _warn_once('Warning: Profiler clears events at the end of each cycle. Only events '
                       'from the current cycle will be reported. To keep events across '
                       'cycles, set acc_events=True.')
        if self.profiler is None or not self.acc_events:
            self.profiler = _autograd_profiler.profile(
                use_device=self.use_device, record_shapes=self.record_shapes,
                with_flops=self.with_flops, profile_memory=self.profile_memory,
                with_stack=self.with_stack, acc_events=self.acc_events)
        self.profiler._prepare_trace()

    def start_trace(self):
        self.profiler._start_trace()

    def stop_trace(self):
        if self.profiler is not None:
            self.profiler.__exit__(None, None, None)

    # ---- the results ------------------------------------------------------------------------

    def events(self):
        """The events of the last recorded cycle (a FunctionEvent per call)."""
        if not self.profiler:
            raise AssertionError()
        return self.profiler.function_events

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0,
                     group_by_overload_name=False):
        """The events averaged per name (and input shapes): `.table()` prints them."""
        if not self.profiler:
            raise AssertionError('Profiler must be initialized before getting key averages')
        return self.profiler.key_averages(group_by_input_shape, group_by_stack_n,
                                          group_by_overload_name)

    def export_chrome_trace(self, path, use_python_export=False):
        """The last recorded cycle as a Chrome trace (JSON; '.gz' in the name: gzipped)."""
        if not self.profiler:
            raise AssertionError()
        self.profiler.export_chrome_trace(path)

    def add_metadata(self, key, value):
        """Accepted for PyTorch's code; the trace carries no user metadata here."""


_WARNINGS_SHOWN = set()


def _warn_once(message):
    if message not in _WARNINGS_SHOWN:
        _WARNINGS_SHOWN.add(message)
        warnings.warn(message, stacklevel=3)


def _warning(message):
    return lambda: warnings.warn(message, stacklevel=3)


__all__ = ['profile', 'record_function', 'schedule', 'ProfilerActivity', 'ProfilerAction',
           'tensorboard_trace_handler', 'supported_activities']
