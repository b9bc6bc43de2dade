"""The error catalogue, docs/errors.md, is complete and true.

Every message the page lists (in its ```text blocks: one `ExceptionType: message` per line,
lines that go on a message start with whitespace, `<...>` stands for a part that depends on
the machine, a line that is only such a part goes on the message too) must be produced by a
test: a case of tests/test_errors.py or an entry below.
Each entry here triggers its message on microtorch and checks that nothing changed - tensors
(values, version counters, grads, grad_fn), modules' parameters and buffers, and optimizers'
param groups and state - and, where PyTorch raises the same error, that PyTorch's type and
message are the same.
"""
import contextlib
import copy
import importlib
import linecache
import math
import re
import sys
import types
import warnings
from pathlib import Path

import pytest

import microtorch as mt

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_errors  # noqa: E402  (its CASES are the other half of the catalogue)

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / 'docs' / 'errors.md'
MESSAGE_LINE = re.compile(r'^([A-Z]\w*(?:Error|Warning|Exception)): (.*)$')

ENTRIES = []


class Entry:
    def __init__(self, name, exc, message, setup, torch, needs):
        self.name, self.exc, self.message, self.setup = name, exc, message, setup
        self.torch, self.needs = torch, needs

    def __repr__(self):
        return self.name

    @property
    def exc_name(self):
        """exc is a class, or the name of one in a module that may not import here."""
        return self.exc if isinstance(self.exc, str) else self.exc.__name__

    def matches(self, text):
        return pattern(self.message).fullmatch(text.rstrip()) is not None


def entry(name, exc, message, torch=True, needs=None):
    """Register setup(lib) -> (call, watched). torch: PyTorch raises the same type and
    message. needs: 'cuda' (runs only with CUDA) or 'no-cuda' (only without)."""
    def register(setup):
        ENTRIES.append(Entry(name, exc, message, setup, torch, needs))
        return setup
    return register


def pattern(message):
    """A documented message as a regex: `<...>` matches anything (across lines)."""
    parts = re.split(r'<[^<>\n]+>', message.rstrip())
    return re.compile('.+'.join(re.escape(p) for p in parts), re.DOTALL)


def documented_messages(page=PAGE):
    """(exception name, message) for every message line of the page's ```text blocks."""
    found = []
    in_text = False
    for line in page.read_text(encoding='utf-8').splitlines():
        if line.startswith('```'):
            in_text = line.strip() == '```text' if not in_text else False
            continue
        if not in_text:
            continue
        match = MESSAGE_LINE.match(line)
        if match:
            found.append([match.group(1), match.group(2)])
        elif (line[:1].isspace() or line.startswith('<')) and found:
            found[-1][1] += '\n' + line          # a message's next line, or a placeholder
    return [(exc, message.rstrip()) for exc, message in found]


# ---- snapshots: everything a failed call must leave alone ----------------------------------

class Watched:
    """Any other state: `read()` returns it, comparably."""
    def __init__(self, read):
        self.read = read


def snapshot(obj):
    if isinstance(obj, Watched):
        return obj.read()
    if isinstance(obj, mt.Tensor):
        return test_errors.state(obj)
    if isinstance(obj, mt.nn.Module):
        return [(name, snapshot(t)) for name, t in obj.state_dict(keep_vars=True).items()]
    if isinstance(obj, mt.optim.Optimizer):
        groups = [{k: [snapshot(p) for p in v] if k == 'params' else copy.deepcopy(v)
                   for k, v in group.items()} for group in obj.param_groups]
        state = [(id(p), sorted((k, snapshot(v) if isinstance(v, mt.Tensor) else repr(v))
                                for k, v in s.items())) for p, s in obj.state.items()]
        return id(obj.param_groups), groups, id(obj.state), state
    raise TypeError(f'cannot snapshot {type(obj).__name__}')


def trained(lib, optimizer='Adam'):
    """A tiny model and an optimizer with state (one step taken), to watch."""
    lib.manual_seed(0)
    model = lib.nn.Linear(2, 3)
    opt = getattr(lib.optim, optimizer)(model.parameters(), lr=0.1)
    model(lib.ones(4, 2)).sum().backward()
    opt.step()
    return model, opt


# ---- backward ------------------------------------------------------------------------------

@entry('clip-grad-norm-nonfinite', RuntimeError, 'The total norm of order 2.0 for gradients '
       'from `parameters` is non-finite, so it cannot be clipped. To disable this error and '
       'scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`')
def _(lib):
    w = lib.nn.Parameter(lib.zeros(2))
    w.grad = lib.tensor([3.0, float('nan')])
    return lambda: lib.nn.utils.clip_grad_norm_([w], 1.0, error_if_nonfinite=True), [w]


@entry('grad-output-shape', RuntimeError, 'Mismatch in shape: grad_output[0] has a shape of '
       'microtorch.Size([3]) and output[0] has a shape of microtorch.Size([2]).')
def _(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    return lambda: y.backward(lib.ones(3)), [x, y]


@entry('gradcheck-overlapping-input', RuntimeError, 'The 0th input has a dimension with '
       'stride 0. gradcheck only supports inputs that are non-overlapping to be able to compute '
       'the numerical gradients correctly. You should call .contiguous on the input before '
       'passing it to gradcheck.')
def _(lib):
    x = lib.ones(3, dtype=lib.float64).expand(2, 3).requires_grad_()
    return lambda: lib.autograd.gradcheck(lambda a: a * 2, (x,)), [x]


@entry('grad-unused-input', RuntimeError, 'The differentiated Tensor at index 1 appears to not '
       'have been used in the graph. Set allow_unused=True if this is the desired behavior.')
def _(lib):
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    b = lib.tensor([3.0, 4.0], requires_grad=True)
    loss = (a * 2).sum()
    return lambda: lib.autograd.grad(loss, [a, b]), [a, b, loss]


@entry('grad-input-without-grad', RuntimeError, 'One of the differentiated Tensors does not '
       'require grad')
def _(lib):
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    c = lib.tensor([5.0, 6.0])
    loss = (a * 2).sum()
    return lambda: lib.autograd.grad(loss, [c]), [a, c, loss]


def _under_anomaly_mode(lib, backward):
    def call():
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            with lib.autograd.set_detect_anomaly(True):
                backward()
    return call


@entry('anomaly-nan', RuntimeError, "Function 'MulBackward0' returned nan values in its 0th "
       'output.')
def _(lib):
    x = lib.tensor([0.0, 1.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with lib.autograd.set_detect_anomaly(True):
            y = x * lib.tensor([float('inf'), 1.0])
            loss = (y * 0).sum()
    return _under_anomaly_mode(lib, loss.backward), [x, y]


@entry('anomaly-inf', RuntimeError, "Function 'SqrtBackward0' returned inf values in its 0th "
       'output.', torch=False)        # PyTorch checks for nan only
def _(lib):
    z = lib.tensor([0.0], requires_grad=True)
    loss = z.sqrt().sum()
    return _under_anomaly_mode(lib, loss.backward), [z]


ANOMALY_SNIPPET = '''\
x = torch.tensor([0.0, 1.0], requires_grad=True)
with torch.autograd.detect_anomaly():
    y = x * torch.tensor([float('inf'), 1.0])
    try:
        (y * 0).sum().backward()
    except RuntimeError:
        pass
'''


@entry('anomaly-warning', UserWarning, "Error detected in MulBackward0. Traceback of forward "
       'call that caused the error:\n  File "<the file>", line <n>, in <module>\n'
       "    y = x * torch.tensor([float('inf'), 1.0])", torch=False)
def _(lib):
    namespace = {'torch': lib}
    # As if run from a file: the report quotes the source line, looked up through linecache.
    linecache.cache['anomaly.py'] = (len(ANOMALY_SNIPPET), None,
                                     ANOMALY_SNIPPET.splitlines(True), 'anomaly.py')
    return lambda: exec(compile(ANOMALY_SNIPPET, 'anomaly.py', 'exec'), namespace), []


@entry('non-leaf-grad-warning', UserWarning, test_errors.NON_LEAF_WARNING, torch=False)
def _(lib):                            # (test_errors checks PyTorch's wording of this one)
    y = lib.tensor([1.0], requires_grad=True) * 2
    return lambda: y.grad, [y]


# ---- in place ------------------------------------------------------------------------------

@entry('inplace-split-piece', RuntimeError, 'Output 1 of Split is a view and is being '
       'modified inplace. This view is the output of a function that returns multiple views. '
       'Such functions do not allow the output views to be modified inplace. You should replace '
       'the inplace operation by an out-of-place one.')
def _(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    piece = h.split(1)[1]
    return lambda: piece.mul_(2), [x, h, piece]


@entry('inplace-expanded', RuntimeError, 'unsupported operation: more than one element of the '
       'written-to tensor refers to a single memory location. Please clone() the tensor before '
       'performing the operation.')
def _(lib):
    base = lib.ones(2)
    e = base.expand(3, 2)
    return lambda: e.add_(1), [base, e]


# ---- shapes and dims -----------------------------------------------------------------------

@entry('negative-size', RuntimeError, 'Trying to create tensor with negative dimension -1: '
       '[2, -1]')
def _(lib):
    return lambda: lib.ones(2, -1), []


def _dims_entry(name, exc, message, op):
    @entry(name, exc, message)
    def _(lib):
        a = lib.ones(2, 3, requires_grad=True)
        return lambda: op(a), [a]


_dims_entry('dims-repeated', RuntimeError, 'dim 0 appears multiple times in the list of dims',
            lambda a: a.sum((0, 0)))
_dims_entry('any-dims-repeated', RuntimeError, 'dim 0 appears multiple times in the list of dims',
            lambda a: a.any((0, 0)))
_dims_entry('permute-count', RuntimeError, 'permute(sparse_coo): number of dimensions in the '
            'tensor input does not match the length of the desired ordering of dimensions i.e. '
            'input.dim() = 2 is not equal to len(dims) = 1', lambda a: a.permute(1))
_dims_entry('permute-repeated', RuntimeError, 'permute(): duplicate dims are not allowed.',
            lambda a: a.permute(0, 0))
_dims_entry('flatten-order', RuntimeError, 'flatten() has invalid args: start_dim cannot come '
            'after end_dim', lambda a: a.flatten(1, 0))


def _empty_entry(name, exc, message, shape, op):
    @entry(name, exc, message)
    def _(lib):
        a = lib.ones(*shape)
        return lambda: op(a), [a]


_empty_entry('max-empty', RuntimeError, "max(): Expected reduction dim to be specified for "
             "input.numel() == 0. Specify the reduction dim with the 'dim' argument.", (0,),
             lambda a: a.max())
_empty_entry('amax-empty', RuntimeError, "amax(): Expected reduction dim to be specified for "
             "input.numel() == 0. Specify the reduction dim with the 'dim' argument.", (2, 0),
             lambda a: a.amax())
_empty_entry('amin-empty-dim', IndexError, 'amin(): Expected reduction dim -1 to have non-zero '
             'size.', (2, 0), lambda a: a.amin((0, -1)))
_empty_entry('amax-empty-dim-first', IndexError, 'amax(): Expected reduction dim 1 to have '
             'non-zero size.', (2, 0), lambda a: a.amax((1, 1)))
_empty_entry('argmax-empty', IndexError, 'argmax(): Expected reduction dim to be specified for '
             'input.numel() == 0.', (0,), lambda a: a.argmax())
_empty_entry('argmax-empty-dim', IndexError, 'argmax(): Expected reduction dim 1 to have '
             'non-zero size.', (2, 0), lambda a: a.argmax(1))


# ---- indexing ------------------------------------------------------------------------------

# PyTorch's warning ends with where in its C++ source it warned; test_tensor.py's
# test_list_index_matches_torch compares the rest with it.
@entry('index-list-as-tuple', UserWarning, 'Using a non-tuple sequence for multidimensional '
       'indexing is deprecated and will be changed in pytorch 2.9; use x[tuple(seq)] instead of '
       'x[seq]. In pytorch 2.9 this will be interpreted as tensor index, '
       'x[microtorch.tensor(seq)], which will result either in an error or a different result',
       torch=False)
def _(lib):
    x = lib.arange(12).reshape(4, 3)
    return lambda: x[[[0, 1], [2, 0]]], [x]


# ---- dtypes and devices --------------------------------------------------------------------

@entry('matmul-dtypes', RuntimeError, 'expected m1 and m2 to have the same dtype, but got: '
       'float != double')
def _(lib):
    a = lib.ones(2, 3, requires_grad=True)
    b = lib.ones(3, 2, dtype=lib.float64)
    return lambda: a @ b, [a, b]


@entry('device-mismatch', RuntimeError, 'Expected all tensors to be on the same device, but '
       'found at least two devices, cuda:0 and cpu!', needs='cuda')
def _(lib):
    a = lib.ones(2, device='cuda', requires_grad=True)
    b = lib.ones(2)
    return lambda: a + b, [a, b]


@entry('apply_-on-cuda', TypeError, 'apply_ is only implemented on CPU tensors',
       needs='cuda')
def _(lib):
    x = lib.ones(2, device='cuda')
    return lambda: x.apply_(lambda v: v + 1), [x]


@entry('no-cuda-device', RuntimeError, "Cannot use device 'cuda': <the reason>. Use "
       "device='cpu'.", torch=False, needs='no-cuda')
def _(lib):
    return lambda: lib.ones(2, device='cuda'), []


@entry('kernel-compile', 'KernelCompileError',
       "kernels/<file> failed to compile with NVRTC:\n<NVRTC's log>", torch=False)
def _(lib):
    """The CUDA backend's loader, given a CuPy whose NVRTC rejects the source: no GPU needed.
    Nothing is kept of the failed file (the next call compiles again)."""
    kernels = pytest.importorskip('microtorch.backends.cuda_kernels')
    if not all(hasattr(kernels, name) for name in ('Loader', 'KERNELS', 'KernelCompileError')):
        pytest.skip('the CUDA backend\'s loader has changed: update this entry')

    class CompileException(Exception):
        def get_message(self):
            return 'kernel.cu(12): error: identifier "y" is undefined'

    class Module:
        def get_function(self, name):
            raise CompileException()

    cupy = types.SimpleNamespace(
        RawModule=lambda **kwargs: Module(),
        cuda=types.SimpleNamespace(Device=lambda index: contextlib.nullcontext(),
                                   compiler=types.SimpleNamespace(
                                       CompileException=CompileException)))
    loader = kernels.Loader(cupy)
    file = sorted(kernels.KERNELS)[0]
    return lambda: loader.compile(file, 0), [Watched(lambda: (dict(loader._modules),
                                                              dict(loader._handles)))]


@entry('cuda-out-of-memory', 'OutOfMemoryError',
       'CUDA out of memory. Tried to allocate <size> (<n> bytes). GPU <i> has a total '
       'capacity of <size> of which <size> (<n> bytes) is free. Of the allocated memory <size> '
       'is allocated by microtorch, and <size> is reserved by microtorch but unallocated. '
       'Free tensors you no longer need, or call '
       'microtorch.cuda.empty_cache() if other processes need the memory.', torch=False)
def _(lib):
    """The CUDA backend's allocator, given a CuPy whose pool is full: no GPU needed (the whole
    path, op to allocator, runs on the emulator in tests/test_kernels.py)."""
    from microtorch.backends.cuda_memory import reporting_allocator

    class CupyOutOfMemory(MemoryError):
        pass

    def malloc(nbytes):
        raise CupyOutOfMemory(nbytes)

    pool = types.SimpleNamespace(used_bytes=lambda: 7 << 30,
                                 total_bytes=lambda: (7 << 30) + (256 << 20))
    cupy = types.SimpleNamespace(
        get_default_memory_pool=lambda: pool,
        cuda=types.SimpleNamespace(
            memory=types.SimpleNamespace(OutOfMemoryError=CupyOutOfMemory),
            runtime=types.SimpleNamespace(memGetInfo=lambda: (512 << 20, 8 << 30),
                                          getDevice=lambda: 0)))
    allocate = reporting_allocator(cupy, malloc)
    return lambda: allocate(2 << 30), [Watched(lambda: (pool.used_bytes(), pool.total_bytes()))]


# ---- modules -------------------------------------------------------------------------------

def _load_entry(name, message, state_dict):
    @entry(name, RuntimeError, message)
    def _(lib):
        model, opt = trained(lib)
        sd = state_dict(lib)
        return lambda: model.load_state_dict(sd), [model, opt] + list(sd.values())


_load_entry('load-state-dict-missing', 'Error(s) in loading state_dict for Linear:\n\tMissing '
            'key(s) in state_dict: "bias". ', lambda lib: {'weight': lib.zeros(3, 2)})
_load_entry('load-state-dict-shape', 'Error(s) in loading state_dict for Linear:\n\tsize '
            'mismatch for weight: copying a param with shape microtorch.Size([2, 3]) from '
            'checkpoint, the shape in current model is microtorch.Size([3, 2]).',
            lambda lib: {'weight': lib.zeros(2, 3), 'bias': lib.zeros(3)})
_load_entry('load-state-dict-unexpected', 'Error(s) in loading state_dict for Linear:\n\t'
            'Unexpected key(s) in state_dict: "scale". ',
            lambda lib: {'weight': lib.zeros(3, 2), 'bias': lib.zeros(3),
                         'scale': lib.zeros(1)})


def _layer_entry(name, exc, message, op):
    @entry(name, exc, message)
    def _(lib):
        model, opt = trained(lib)
        return lambda: op(lib, model), [model, opt]


_layer_entry('linear-shape', RuntimeError, 'mat1 and mat2 shapes cannot be multiplied (4x5 and '
             '2x3)', lambda lib, m: m(lib.ones(4, 5)))
_layer_entry('linear-dtype', RuntimeError, 'mat1 and mat2 must have the same dtype, but got '
             'Double and Float', lambda lib, m: m(lib.ones(4, 2, dtype=lib.float64)))
_layer_entry('cross-entropy-target', IndexError, 'Target 5 is out of bounds.',
             lambda lib, m: lib.nn.functional.cross_entropy(m(lib.ones(2, 2)),
                                                            lib.tensor([0, 5])))
_layer_entry('cross-entropy-batch', ValueError, 'Expected input batch_size (2) to match target '
             'batch_size (3).',
             lambda lib, m: lib.nn.functional.cross_entropy(m(lib.ones(2, 2)),
                                                            lib.tensor([0, 1, 2])))
_layer_entry('cross-entropy-target-dtype', RuntimeError, 'expected target dtype to be Long or '
             'Byte, but got Float',
             lambda lib, m: lib.nn.functional.cross_entropy(m(lib.ones(2, 2)),
                                                            lib.tensor([0.0, 1.0])))
_layer_entry('bce-range', RuntimeError, 'all elements of input should be between 0 and 1',
             lambda lib, m: lib.nn.functional.binary_cross_entropy(
                 m(lib.ones(1, 2)) * 10, lib.ones(1, 3)))
_layer_entry('reduction', ValueError, 'avg is not a valid value for reduction',
             lambda lib, m: lib.nn.functional.mse_loss(m(lib.ones(1, 2)), lib.ones(1, 3),
                                                       reduction='avg'))
_layer_entry('dropout-p', ValueError, 'dropout probability has to be between 0 and 1, but got '
             '1.5', lambda lib, m: lib.nn.Dropout(1.5))


# ---- optimizers ----------------------------------------------------------------------------

def _optim_entry(name, message, make, exc=ValueError):
    @entry(name, exc, message)
    def _(lib):
        model, opt = trained(lib, 'SGD')
        p = next(iter(model.parameters()))
        return lambda: make(lib, p), [model, opt]


def _module_entry(name, exc, message, make, input):
    @entry(name, exc, message)
    def _(lib):
        module = make(lib.nn)
        x = input(lib)
        return lambda: module(x), [module, x]


_module_entry('batch-norm-channels', RuntimeError, 'running_mean should contain 4 elements not 3',
              lambda nn: nn.BatchNorm1d(3), lambda lib: lib.ones(2, 4))
_module_entry('batch-norm-one-value', ValueError, 'Expected more than 1 value per channel when '
              'training, got input size microtorch.Size([1, 3])', lambda nn: nn.BatchNorm1d(3),
              lambda lib: lib.ones(1, 3))
_module_entry('group-norm-one-value', ValueError, 'Expected more than 1 value per channel when '
              'training, got input size [1, 4]', lambda nn: nn.GroupNorm(4, 4),
              lambda lib: lib.ones(1, 4))
_module_entry('layer-norm-shape', RuntimeError, 'Given normalized_shape=[3], expected input with '
              'shape [*, 3], but got input of size[2, 4]', lambda nn: nn.LayerNorm(3),
              lambda lib: lib.ones(2, 4))
_module_entry('embedding-float-index', RuntimeError, "Expected tensor for argument #1 'indices' "
              'to have one of the following scalar types: Long, Int; but got '
              'microtorch.FloatTensor instead (while checking arguments for embedding)',
              lambda nn: nn.Embedding(5, 2), lambda lib: lib.tensor([1.0]))
_module_entry('conv2d-channels', RuntimeError, 'Given groups=1, weight of size [4, 3, 3, 3], '
              'expected input[2, 2, 5, 5] to have 3 channels, but got 2 channels instead',
              lambda nn: nn.Conv2d(3, 4, 3), lambda lib: lib.ones(2, 2, 5, 5))
_module_entry('conv2d-small-input', RuntimeError, 'Calculated padded input size per channel: '
              "(2 x 2). Kernel size: (3 x 3). Kernel size can't be greater than actual input "
              'size', lambda nn: nn.Conv2d(3, 4, 3), lambda lib: lib.ones(1, 3, 2, 2))
_module_entry('max-pool-too-small', RuntimeError, 'Given input size: (1x1x1). Calculated output '
              'size: (1x0x0). Output size is too small', lambda nn: nn.MaxPool2d(2),
              lambda lib: lib.ones(1, 1, 1, 1))
_module_entry('max-pool-padding', RuntimeError, 'pad should be at most half of effective kernel '
              'size, but got pad=2, kernel_size=2 and dilation=1',
              lambda nn: nn.MaxPool2d(2, padding=2), lambda lib: lib.ones(1, 1, 4, 4))
@entry('conv2d-same-strided', ValueError, "padding='same' is not supported for strided "
       'convolutions')
def _(lib):
    return lambda: lib.nn.Conv2d(3, 4, 3, padding='same', stride=2), []


_module_entry('embedding-index-range', IndexError, 'index out of range in self',
              lambda nn: nn.Embedding(5, 2), lambda lib: lib.tensor([5]))


def _scheduler_entry(name, exc, message, make):
    @entry(name, exc, message)
    def _(lib):
        model, opt = trained(lib, 'SGD')
        return lambda: make(lib.optim.lr_scheduler, opt), [model, opt]


_scheduler_entry('scheduler-not-optimizer', TypeError, 'list is not an Optimizer',
                 lambda S, opt: S.StepLR(opt.param_groups, step_size=2))
_scheduler_entry('plateau-factor', ValueError, 'Factor should be < 1.0.',
                 lambda S, opt: S.ReduceLROnPlateau(opt, factor=1.5))
_scheduler_entry('lambda-count', ValueError, 'Expected 1 lr_lambdas, but got 2',
                 lambda S, opt: S.LambdaLR(opt, [lambda e: 1.0, lambda e: 0.5]))
_scheduler_entry('one-cycle-length', ValueError, 'You must define either total_steps OR '
                 '(epochs AND steps_per_epoch)', lambda S, opt: S.OneCycleLR(opt, 1.0, epochs=3))


@entry('sequential-milestones', ValueError, 'Sequential Schedulers expects number of schedulers '
       'provided to be one more than the number of milestone points, but got number of '
       'schedulers 1 and the number of milestones to be equal to 1')
def _(lib):
    model, opt = trained(lib, 'SGD')
    S = lib.optim.lr_scheduler
    exponential = S.ExponentialLR(opt, 0.9)
    return lambda: S.SequentialLR(opt, [exponential], [3]), [model, opt]


@entry('cyclic-momentum', ValueError, 'optimizer must support momentum or beta1 with '
       '`cycle_momentum` option enabled')
def _(lib):
    model, opt = trained(lib, 'Adagrad')
    return lambda: lib.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1), [model, opt]


@entry('one-cycle-past-the-end', ValueError, 'Tried to step 2 times. The specified number of '
       'total steps is 1')
def _(lib):
    model, opt = trained(lib, 'SGD')
    one_cycle = lib.optim.lr_scheduler.OneCycleLR(opt, 1.0, total_steps=1)
    opt.step()
    one_cycle.step()
    return one_cycle.step, [model, opt]


@entry('vector-to-parameters-type', TypeError, 'expected microtorch.Tensor, but got: list')
def _(lib):
    layers = [lib.nn.Parameter(lib.ones(2, 2)), lib.nn.Parameter(lib.ones(3))]
    return lambda: lib.nn.utils.vector_to_parameters([1.0] * 7, layers), layers


@entry('vector-to-parameters-short', RuntimeError, "shape '[3]' is invalid for input of size 1")
def _(lib):
    layers = [lib.nn.Parameter(lib.ones(2, 2)), lib.nn.Parameter(lib.ones(3))]
    vector = lib.zeros(5)
    return lambda: lib.nn.utils.vector_to_parameters(vector, layers), layers + [vector]


for _message, _args in [
        ('received an empty list of sequences', lambda lib: ([],)),
        ('The size of tensor a (3) must match the size of tensor b (4) at non-singleton '
         'dimension 1', lambda lib: ([lib.ones(2, 3), lib.ones(2, 4)],)),
        ('Expected padding_side to be one of left or right, but got middle.',
         lambda lib: ([lib.ones(2)], False, 0.0, 'middle'))]:
    @entry(f'pad-sequence-{_message[:30]}', RuntimeError, _message)
    def _(lib, args=_args):
        arguments = args(lib)
        return lambda: lib.nn.utils.rnn.pad_sequence(*arguments), list(arguments[0])


_UNSORTED = ('`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. '
             'You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence '
             'to sidestep this requirement if you do not need ONNX exportability.')
for _name, _exc, _message, _call, _torch in [
        ('unsorted', RuntimeError, _UNSORTED, lambda r, lib, x: r.pack_padded_sequence(
            x, [2, 4, 1]), True),
        ('zero', RuntimeError, "Length of all samples has to be greater than 0, but found an "
         "element in 'lengths' that is <= 0", lambda r, lib, x: r.pack_padded_sequence(
             x, [0, 2, 4], enforce_sorted=False), True),
        ('count', RuntimeError, 'Expected `len(lengths)` to be equal to batch_size, but got 2 '
         '(batch_size=3)', lambda r, lib, x: r.pack_padded_sequence(x, [4, 2]), True),
        ('2d', RuntimeError, "'lengths' argument should be a 1D CPU int64 tensor, but got 2D "
         'cpu Long tensor', lambda r, lib, x: r.pack_padded_sequence(x, [[4, 2, 1]]), True),
        ('too-long', RuntimeError, 'pack_padded_sequence: a sequence of length 5 is longer '
         'than the padded input (4 steps)', lambda r, lib, x: r.pack_padded_sequence(
             x, [5, 2, 1]), False),
        ('total-length', ValueError, 'Expected total_length to be at least the length of the '
         'longest sequence in input, but got total_length=2 and max sequence length being 4',
         lambda r, lib, x: r.pad_packed_sequence(r.pack_padded_sequence(x, [4, 2, 1]),
                                                 total_length=2), True),
        ('legacy', AssertionError, 'Expected data to be a list or tuple of length 2',
         lambda r, lib, x: r.PackedSequence(x), True),
        ('layer-dims', RuntimeError, 'input must have 2 dimensions, got 3',
         lambda r, lib, x: lib.nn.GRU(1, 2)(r.PackedSequence(x[:, 0:2], lib.tensor([2, 2]))),
         True),
        ('layer-input', TypeError, 'GRU: expected a Tensor or a PackedSequence as input, got '
         'tuple', lambda r, lib, x: lib.nn.GRU(1, 2)((x, [4, 2, 1])), False),
        ('layer-state', RuntimeError, 'Expected hidden[0] size (1, 3, 2), got [1, 2, 2]',
         lambda r, lib, x: lib.nn.LSTM(1, 2)(r.pack_padded_sequence(x, [4, 2, 1]),
                                             (lib.zeros(1, 2, 2), lib.zeros(1, 3, 2))), False)]:
    @entry(f'packed-{_name}', _exc, _message, torch=_torch)
    def _(lib, call=_call):
        x = lib.ones(4, 3, 1, requires_grad=True)
        return lambda: call(lib.nn.utils.rnn, lib, x), [x]


@entry('packed-batch-sizes-on-gpu', ValueError, 'batch_sizes should always be on CPU. '
       'Instances of PackedSequence should never be created manually. They should be '
       'instantiated by functions like pack_sequence and pack_padded_sequences in nn.utils.rnn. '
       'https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence', needs='cuda')
def _(lib):
    data = lib.ones(3, 2, device='cuda')
    sizes = lib.tensor([2, 1], device='cuda')
    return lambda: lib.nn.utils.rnn.PackedSequence(data, sizes), [data, sizes]


for _bad, _message in [
        ('int64', 'only floating-point types are supported as the default type'),
        ('a name', 'invalid dtype object: only floating-point types are supported as the '
         'default type')]:
    @entry(f'default-dtype-{_bad}', TypeError, _message)
    def _(lib, bad=_bad):
        value = lib.int64 if bad == 'int64' else 'float64'
        default = Watched(lambda: lib.get_default_dtype())
        return lambda: lib.set_default_dtype(value), [default]


sys.path.insert(0, str(ROOT / 'tests'))
import test_autograd_functional  # noqa: E402  (the errors of autograd.functional)
for _index, (_exc, _message) in enumerate(test_autograd_functional.ERRORS):
    if _exc is not AssertionError:     # (its message goes on past ' Hint:', which the page cuts)
        entry(f'functional-{_index}', _exc, _message)(
            lambda lib, i=_index: (test_autograd_functional.error_calls(lib)[i], []))
import test_numeric  # noqa: E402  (bincount, aminmax, positive, logaddexp2)
for _index, (_exc, _message) in enumerate(test_numeric.ERRORS):
    if _index != 1:                        # (the same message as index 0)
        entry(f'numeric-{_index}', _exc, _message)(
            lambda lib, i=_index: (test_numeric.error_calls(lib)[i], []))
import test_distributions  # noqa: E402  (the distributions section)
for _index, (_exc, _message) in enumerate(test_distributions.ERRORS):
    entry(f'distributions-{_index}', _exc, _message)(
        lambda lib, i=_index: (test_distributions.error_calls(lib)[i], []))
import test_distributions_more  # noqa: E402  (Gamma, Beta, Dirichlet and the other families)
for _index, (_exc, _message, _) in enumerate(test_distributions_more.ERRORS):
    entry(f'distributions-more-{_index}', _exc, _message)(
        lambda lib, i=_index: (test_distributions_more.error_calls(lib)[i], []))
import test_data  # noqa: E402  (its DATA_ERRORS and LOADER_ERRORS: the data section)
for _exc, _message, _call in test_data.DATA_ERRORS:
    entry(f'data-{_message[:30]}', _exc, _message)(
        lambda lib, call=_call: (lambda: call(lib.utils.data), []))
for _kwargs, _message in [
        (dict(batch_size=0), 'batch_size should be a positive integer value, but got '
         'batch_size=0'),
        (dict(shuffle=True, sampler=[0]), 'sampler option is mutually exclusive with shuffle')]:
    entry(f'loader-{_message[:30]}', ValueError, _message)(
        lambda lib, kwargs=_kwargs: (lambda: lib.utils.data.DataLoader([1, 2], **kwargs), []))


_optim_entry('sgd-lr', 'Invalid learning rate: -0.1', lambda lib, p: lib.optim.SGD([p], lr=-0.1))
_optim_entry('sgd-momentum', 'Invalid momentum value: -0.9',
             lambda lib, p: lib.optim.SGD([p], lr=0.1, momentum=-0.9))
_optim_entry('sgd-weight-decay', 'Invalid weight_decay value: -0.0001',
             lambda lib, p: lib.optim.SGD([p], lr=0.1, weight_decay=-1e-4))
_optim_entry('sgd-nesterov', 'Nesterov momentum requires a momentum and zero dampening',
             lambda lib, p: lib.optim.SGD([p], lr=0.1, nesterov=True))
_optim_entry('rmsprop-alpha', 'Invalid alpha value: -0.5',
             lambda lib, p: lib.optim.RMSprop([p], alpha=-0.5))
_optim_entry('adagrad-lr-decay', 'Invalid lr_decay value: -0.1',
             lambda lib, p: lib.optim.Adagrad([p], lr_decay=-0.1))
_optim_entry('adagrad-accumulator', 'Invalid initial_accumulator_value value: -1',
             lambda lib, p: lib.optim.Adagrad([p], initial_accumulator_value=-1))
_optim_entry('nadam-momentum-decay', 'Invalid momentum_decay value: -0.001',
             lambda lib, p: lib.optim.NAdam([p], momentum_decay=-1e-3))
_optim_entry('adadelta-rho', 'Invalid rho value: 1.5',
             lambda lib, p: lib.optim.Adadelta([p], rho=1.5))
_optim_entry('adam-lr', 'Invalid learning rate: -0.1', lambda lib, p: lib.optim.Adam([p], lr=-0.1))
_optim_entry('adam-eps', 'Invalid epsilon value: -1e-08',
             lambda lib, p: lib.optim.Adam([p], eps=-1e-8))
_optim_entry('adam-beta1', 'Invalid beta parameter at index 0: 1.0',
             lambda lib, p: lib.optim.Adam([p], betas=(1.0, 0.999)))
_optim_entry('adam-beta2', 'Invalid beta parameter at index 1: 1.5',
             lambda lib, p: lib.optim.Adam([p], betas=(0.9, 1.5)))
_optim_entry('adamw-weight-decay', 'Invalid weight_decay value: -0.0001',
             lambda lib, p: lib.optim.AdamW([p], weight_decay=-1e-4))
_optim_entry('optim-no-params', 'optimizer got an empty parameter list',
             lambda lib, p: lib.optim.SGD([], lr=0.1))
_optim_entry('optim-non-leaf', "can't optimize a non-leaf Tensor",
             lambda lib, p: lib.optim.SGD([p * 2], lr=0.1))
_optim_entry('optim-param-twice', 'some parameters appear in more than one parameter group',
             lambda lib, p: lib.optim.SGD([{'params': [p]}, {'params': [p]}], lr=0.1))
_optim_entry('rprop-etas', 'Invalid eta values: 1.5, 2.0',
             lambda lib, p: lib.optim.Rprop([p], etas=(1.5, 2.0)))
_optim_entry('adafactor-lr', 'Learning rate should be >= 0 but is: -0.01',
             lambda lib, p: lib.optim.Adafactor([p], lr=-0.01))
_optim_entry('adafactor-beta2-decay', 'beta2_decay should be <= 0 but is: 0.5',
             lambda lib, p: lib.optim.Adafactor([p], beta2_decay=0.5))
_optim_entry('adafactor-eps1', 'epsilon1 should be >= 0 but is: -0.001',
             lambda lib, p: lib.optim.Adafactor([p], eps=(-1e-3, 1e-3)))
_optim_entry('adafactor-eps2', 'epsilon2 should be >= 0 but is: -1.0',
             lambda lib, p: lib.optim.Adafactor([p], eps=(None, -1.0)))
_optim_entry('adafactor-d', 'Clipping threshold d should be >= 1 but is: 0.5',
             lambda lib, p: lib.optim.Adafactor([p], d=0.5))
_optim_entry('adafactor-weight-decay', 'weight_decay should be >= 0 but is: -0.1',
             lambda lib, p: lib.optim.Adafactor([p], weight_decay=-0.1))


@entry('adafactor-empty-param', ZeroDivisionError, 'float division by zero')
def _(lib):
    # PyTorch divides by sqrt(numel) in Python; it has updated the parameters before the
    # empty one by then, microtorch checks first
    full = lib.ones(3, requires_grad=True)
    empty = lib.zeros((0, 2), requires_grad=True)
    opt = lib.optim.Adafactor([full, empty])
    full.grad, empty.grad = lib.ones(3), lib.zeros((0, 2))
    return opt.step, [full, empty, opt]


def _optim_load_entry(name, message, groups):
    @entry(name, ValueError, message)
    def _(lib):
        model, opt = trained(lib)
        return lambda: opt.load_state_dict({'state': {}, 'param_groups': groups}), [model, opt]


_optim_load_entry('optim-load-groups', 'loaded state dict has a different number of parameter '
                  'groups', [])
_optim_load_entry('optim-load-group-size', "loaded state dict contains a parameter group that "
                  "doesn't match the size of optimizer's group", [{'lr': 0.1, 'params': [0]}])


# microtorch.linalg's singular matrices: PyTorch raises the same messages as its own
# LinAlgError class (tests/test_torch_functions.py compares them); and cov's warning.
_SINGULAR = ('The diagonal element 2 is zero, the inversion could not be completed because the '
             'input matrix is singular.')
for _name, _message, _call in (
        ('inv-singular', 'linalg.inv: ' + _SINGULAR,
         lambda lib, a: lib.linalg.inv(a[1])),
        ('inv-singular-batch', 'linalg.inv: (Batch element 1): ' + _SINGULAR,
         lambda lib, a: lib.linalg.inv(a)),
        ('solve-singular', 'microtorch.linalg.solve: The solver failed because the input '
         'matrix is singular.', lambda lib, a: lib.linalg.solve(a[1], a[1, 0])),
        ('solve-singular-batch', 'microtorch.linalg.solve: (Batch element 1): The solver failed '
         'because the input matrix is singular.', lambda lib, a: lib.linalg.solve(a, a[:, 0])),
):
    @entry(_name, mt.linalg.LinAlgError, _message, torch=False)
    def _(lib, _call=_call):
        a = lib.tensor([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [2.0, 4.0]]], requires_grad=True)
        return lambda: _call(lib, a), [a]


@entry('cov-degrees-of-freedom', UserWarning, 'cov(): degrees of freedom is <= 0. Correction '
       'should be strictly less than the number of observations.', torch=False)
def _(lib):
    x = lib.tensor([1.0, 2.0, 4.0])
    return lambda: lib.cov(x, correction=3), [x]



# PyTorch warns once per process from C++ (its text then ends with where): test_tensor.py's
# test_scalar_of_a_tensor_that_requires_grad_warns_as_torch checks when it warns.
@entry('float-of-grad-tensor', UserWarning, 'Converting a tensor with requires_grad=True to a '
       'scalar may lead to unexpected behavior.\n<on its second line: Consider using '
       'tensor.detach() first.>',
       torch=False)
def _(lib):
    sys.modules['microtorch.tensor']._scalar_warning_given[0] = False
    x = lib.tensor(1.5, requires_grad=True)
    return lambda: float(x), [x]


# ---- EmbeddingBag, Transformer, LBFGS -------------------------------------------------------

def _bag_entry(name, exc, message, call, torch=True):
    """call(lib, F, weight, bag, starts) raises; the weight and the indices are watched."""
    @entry(name, exc, message, torch=torch)
    def _(lib):
        weight = lib.ones(6, 2, requires_grad=True)
        bag, starts = lib.tensor([1, 2, 4, 5, 4, 3]), lib.tensor([0, 2])
        return (lambda: call(lib, lib.nn.functional, weight, bag, starts),
                [weight, bag, starts])


for _name, _exc, _message, _call in (
        ('bag-psw-shape', ValueError, 'embedding_bag: If per_sample_weights '
         '(microtorch.Size([5])) is not None, then it must have the same shape as the input '
         '(microtorch.Size([6]))',
         lambda lib, F, w, b, s: F.embedding_bag(b, w, s, per_sample_weights=lib.ones(5))),
        ('bag-weight-1d', ValueError, 'weight has to be a 2D Tensor, but got Tensor of '
         'dimension 1', lambda lib, F, w, b, s: F.embedding_bag(b, lib.ones(6), s)),
        ('bag-2d-with-offsets', ValueError, 'if input is 2D, then offsets has to be None, as '
         'input is treated is a mini-batch of fixed length sequences. However, found offsets '
         "of type <class 'microtorch.Tensor'>",
         lambda lib, F, w, b, s: F.embedding_bag(b.reshape(2, 3), w, s)),
        ('bag-no-offsets', ValueError, 'offsets has to be a 1D Tensor but got None',
         lambda lib, F, w, b, s: F.embedding_bag(b, w)),
        ('bag-offsets-2d', ValueError, 'offsets has to be a 1D Tensor',
         lambda lib, F, w, b, s: F.embedding_bag(b, w, s.reshape(1, 2))),
        ('bag-input-3d', ValueError, 'input has to be 1D or 2D Tensor, but got Tensor of '
         'dimension 3', lambda lib, F, w, b, s: F.embedding_bag(b.reshape(1, 2, 3), w)),
        ('bag-mode', ValueError, 'mode has to be one of sum, mean or max',
         lambda lib, F, w, b, s: F.embedding_bag(b, w, s, mode='min')),
        ('bag-max-scale-grad', ValueError, 'max mode does not support scaling the gradient by '
         'the frequency', lambda lib, F, w, b, s: F.embedding_bag(b, w, s, mode='max',
                                                                  scale_grad_by_freq=True)),
        ('bag-max-sparse', ValueError, 'max mode does not support sparse weights',
         lambda lib, F, w, b, s: F.embedding_bag(b, w, s, mode='max', sparse=True)),
        ('bag-psw-mode', NotImplementedError, 'embedding_bag: per_sample_weights was not None. '
         "per_sample_weights is only supported for mode='sum' (got mode='mean'). Please open a "
         'feature request on GitHub.',
         lambda lib, F, w, b, s: F.embedding_bag(b, w, s, max_norm=0.5,
                                                 per_sample_weights=lib.ones(6))),
        ('bag-padding-idx', RuntimeError, 'padding_idx must be within the number of '
         'embeddings, -6 through 5, but got 6',
         lambda lib, F, w, b, s: F.embedding_bag(b, w, s, padding_idx=6)),
        ('bag-float-indices', RuntimeError, "Expected tensor for argument #1 'indices' to have "
         'one of the following scalar types: Long, Int; but got microtorch.FloatTensor '
         'instead (while checking arguments for embedding_bag)',
         lambda lib, F, w, b, s: F.embedding_bag(b.float(), w, s)),
        ('bag-int-weight', RuntimeError, "Expected tensor for argument #1 'weight' to have one "
         'of the following scalar types: Half, BFloat16, Float, Double; but got '
         'microtorch.IntTensor instead (while checking arguments for embedding_bag)',
         lambda lib, F, w, b, s: F.embedding_bag(b, w.int(), s)),
        ('bag-first-offset', RuntimeError, 'offsets[0] has to be 0, i.e., the first sequence '
         'in the mini-batch has to start from position 0. However, got 1\n<its second line: '
         '[ microtorch.LongTensor{} ]>',
         lambda lib, F, w, b, s: F.embedding_bag(b, w, lib.tensor([1, 2]))),
        ('bag-last-offset', RuntimeError, "offsets[-1] can not be greater than input's length "
         '6 but got offsets[-1] of 7',
         lambda lib, F, w, b, s: F.embedding_bag(b, w, lib.tensor([0, 7]))),
        ('bag-psw-dtype', RuntimeError, "Expected tensor for argument #1 'weight' to have the "
         "same type as tensor for argument #1 'per_sample_weights'; but type "
         'microtorch.FloatTensor does not equal microtorch.DoubleTensor (while checking '
         'arguments for embedding_bag)',
         lambda lib, F, w, b, s: F.embedding_bag(
             b, w, s, mode='sum', per_sample_weights=lib.ones(6, dtype=lib.float64))),
        ('bag-no-last-offset', RuntimeError, 'include_last_offset: number of offset should be '
         'at least 1', lambda lib, F, w, b, s: F.embedding_bag(
             b, w, lib.tensor([], dtype=lib.int64), include_last_offset=True)),
        ('bag-index-range', RuntimeError, 'Index 1 of input takes value 9 which is not in the '
         'valid range [0, 6)',
         lambda lib, F, w, b, s: F.embedding_bag(lib.tensor([1, 9, 0]), w, s)),
        ('bag-module-padding-idx', AssertionError, 'padding_idx must be within num_embeddings',
         lambda lib, F, w, b, s: lib.nn.EmbeddingBag(6, 2, padding_idx=-7)),
        ('bag-module-weight-shape', AssertionError, 'Shape of weight does not match '
         'num_embeddings and embedding_dim',
         lambda lib, F, w, b, s: lib.nn.EmbeddingBag(6, 2, _weight=w.detach()[:5])),
        ('bag-from-pretrained-1d', AssertionError, 'Embeddings parameter is expected to be '
         '2-dimensional', lambda lib, F, w, b, s: lib.nn.EmbeddingBag.from_pretrained(
             w.detach()[:, 0])),
):
    _bag_entry(_name, _exc, _message, _call)

_bag_entry('bag-decreasing-offsets', RuntimeError, 'embedding_bag: offsets must not decrease, '
           'but offsets[2] = 2 follows offsets[1] = 4',
           lambda lib, F, w, b, s: F.embedding_bag(b, w, lib.tensor([0, 4, 2]), mode='max'),
           torch=False)                     # PyTorch: an internal check, or no error at all
_bag_entry('bag-sparse', NotImplementedError, 'embedding_bag: sparse gradients are not '
           'supported by microtorch',
           lambda lib, F, w, b, s: F.embedding_bag(b, w, s, sparse=True), torch=False)
_bag_entry('bag-module-sparse', NotImplementedError, 'EmbeddingBag: sparse gradients are not '
           'supported by microtorch',
           lambda lib, F, w, b, s: lib.nn.EmbeddingBag(6, 2, sparse=True), torch=False)
_bag_entry('embedding-sparse', NotImplementedError, 'embedding: sparse gradients are not '
           'supported by microtorch',
           lambda lib, F, w, b, s: F.embedding(b, w, sparse=True), torch=False)
_bag_entry('embedding-module-sparse', NotImplementedError, 'Embedding: sparse gradients are not '
           'supported by microtorch',
           lambda lib, F, w, b, s: lib.nn.Embedding(6, 2, sparse=True), torch=False)
_bag_entry('embedding-max-norm-index-range', IndexError, 'select(): index 9 out of range for '
           'tensor of size [6, 2] at dimension 0',
           lambda lib, F, w, b, s: F.embedding(lib.tensor([1, 9]), w, max_norm=1.0),
           torch=False)             # PyTorch renormalises row 1 before it fails: w changes


def _transformer_entry(name, message, tgt_shape):
    @entry(name, RuntimeError, message)
    def _(lib):
        lib.manual_seed(0)
        model = lib.nn.Transformer(8, 2, 1, 1, 16, batch_first=True)
        src, tgt = lib.ones(2, 5, 8, requires_grad=True), lib.ones(*tgt_shape)
        return lambda: model(src, tgt), [model, src, tgt]


_transformer_entry('transformer-batch', 'the batch number of src and tgt must be equal',
                   (3, 4, 8))
_transformer_entry('transformer-features', 'the feature number of src and tgt must be equal '
                   'to d_model', (2, 4, 6))


def _lbfgs_entry(name, exc, message, call):
    """call(lib, q, lbfgs, closure) raises; q and an LBFGS over it with a step taken are
    watched."""
    @entry(name, exc, message)
    def _(lib):
        q = lib.ones(2, dtype=lib.float64, requires_grad=True)

        def closure():
            lbfgs.zero_grad()
            loss = ((q - 0.5) ** 2).sum()
            loss.backward()
            return loss
        lbfgs = lib.optim.LBFGS([q], max_iter=2)
        lbfgs.step(closure)
        return lambda: call(lib, q, lbfgs, closure), [q, lbfgs]


_lbfgs_entry('lbfgs-tensor-lr', ValueError, 'Tensor lr must be 1-element',
             lambda lib, q, opt, c: lib.optim.LBFGS([q], lr=lib.tensor([0.1, 0.2])))
_lbfgs_entry('lbfgs-groups', ValueError, "LBFGS doesn't support per-parameter options "
             '(parameter groups)',
             lambda lib, q, opt, c: lib.optim.LBFGS(
                 [{'params': [q]}, {'params': [lib.ones(1, requires_grad=True)]}]))
_lbfgs_entry('lbfgs-no-closure', TypeError, "LBFGS.step() missing 1 required positional "
             "argument: 'closure'", lambda lib, q, opt, c: opt.step())
_lbfgs_entry('lbfgs-line-search', RuntimeError, "only 'strong_wolfe' is supported",
             lambda lib, q, opt, c: lib.optim.LBFGS([q], line_search_fn='armijo').step(
                 lambda: _backward((q * q).sum())))      # (q's gradient is not 0 there)


def _backward(loss):
    loss.backward()
    return loss


@entry('lbfgs-added-group', AssertionError, 'Expected exactly one param_group, but got 2')
def _(lib):
    q = lib.ones(2, dtype=lib.float64, requires_grad=True)
    lbfgs = lib.optim.LBFGS([q])
    lbfgs.add_param_group({'params': [lib.ones(1, requires_grad=True)]})
    return lambda: lbfgs.step(lambda: _backward((q * q).sum())), [q, lbfgs]
import test_nn_more  # noqa: E402  (the later losses and layers: their section)
for _index, (_exc, _message) in enumerate(test_nn_more.ERRORS):
    entry(f'nn-more-{_index}', _exc, _message)(
        lambda lib, i=_index: test_nn_more.error_calls(lib)[i])

# The factorisations' LinAlgErrors: PyTorch raises the same messages as its own class
# (tests/test_decompositions.py compares them).
_NOT_POSITIVE = ('The factorization could not be completed because the input is not '
                 'positive-definite (the leading minor of order 2 is not positive-definite).')
_NOT_FINITE = ('The algorithm failed to converge because the input matrix contained non-finite '
               'values.')
for _name, _message, _call in (
        ('cholesky-not-positive-definite', 'linalg.cholesky: ' + _NOT_POSITIVE,
         lambda lib, a: lib.linalg.cholesky(a[1])),
        ('cholesky-not-positive-definite-batch', 'linalg.cholesky: (Batch element 1): '
         + _NOT_POSITIVE, lambda lib, a: lib.linalg.cholesky(a)),
        ('cholesky-legacy-not-positive-definite', 'cholesky: ' + _NOT_POSITIVE,
         lambda lib, a: lib.cholesky(a[1])),
        ('cholesky_ex-check-errors', 'linalg.cholesky_ex: (Batch element 1): ' + _NOT_POSITIVE,
         lambda lib, a: lib.linalg.cholesky_ex(a, check_errors=True)),
        ('svd-not-finite', 'linalg.svd: ' + _NOT_FINITE,
         lambda lib, a: lib.linalg.svd(a[1] * math.nan)),
        ('svd-not-finite-batch', 'linalg.svd: (Batch element 1): ' + _NOT_FINITE,
         lambda lib, a: lib.linalg.svdvals(a * a.new_tensor([[[1.0]], [[math.nan]]]))),
):
    @entry(_name, mt.linalg.LinAlgError, _message, torch=False)
    def _(lib, _call=_call):
        a = lib.tensor([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [2.0, 1.0]]], requires_grad=True)
        return lambda: _call(lib, a), [a]



@entry('pin-memory-cuda-tensor', RuntimeError, "cannot pin 'microtorch.cuda.FloatTensor' only "
       'dense CPU tensors can be pinned', needs='cuda')
def _(lib):
    x = lib.ones(2, device='cuda')
    return lambda: x.pin_memory(), [x]


@entry('data-parallel-module-device', RuntimeError, 'module must have its parameters and '
       'buffers on device cuda:0 (device_ids[0]) but found one of them on device: cpu',
       needs='cuda')
def _(lib):
    model = lib.nn.DataParallel(lib.nn.Linear(2, 2), device_ids=[0])
    model.module.cpu()
    x = lib.ones(1, 2)
    return lambda: model(x), [x]


@entry('lstsq-driver-cuda', RuntimeError, 'microtorch.linalg.lstsq: `driver` other than `gels` '
       'is not supported on CUDA', needs='cuda')
def _(lib):
    a = lib.tensor([[2.0, 1.0], [1.0, 3.0], [1.0, 1.0]], device='cuda', requires_grad=True)
    return lambda: lib.linalg.lstsq(a, a, driver='gelsd'), [a]
# The deprecation warnings of chain_matmul and range (PyTorch warns chain_matmul's once per
# process, from C++; its text then ends with where).
@entry('chain_matmul-deprecated', UserWarning, 'microtorch.chain_matmul is deprecated and will '
       'be removed in a future PyTorch release. Use microtorch.linalg.multi_dot instead, which '
       'accepts a list of two or more tensors rather than multiple parameters.', torch=False)
def _(lib):
    x = lib.ones(2, 2)
    return lambda: lib.chain_matmul(x, x), [x]


@entry('range-deprecated', UserWarning, 'microtorch.range is deprecated and will be removed in '
       "a future release because its behavior is inconsistent with Python's range builtin. "
       'Instead, use microtorch.arange, which produces values in [start, end).', torch=False)
def _(lib):
    return lambda: lib.range(0, 2), []


@entry('as_strided-not-one-block', RuntimeError, 'as_strided: the tensor does not own one dense '
       'block of memory (an array with gaps or negative strides, as from_numpy can give); '
       'clone() it first', torch=False)
def _(lib):
    import numpy as np
    x = lib.from_numpy(np.arange(6.0)[::2])
    return lambda: x.as_strided((2,), (1,)), [x]


# ---- parametrizations, module hooks and checkpoint ------------------------------------------

def _parametrizations(lib):
    """Twice (no right_inverse), Inverse3 (a right_inverse that returns 3), Repeat (doubles
    the rows), each a class of lib's nn.Module."""
    class Twice(lib.nn.Module):
        def forward(self, X):
            return X * 2

    class Inverse3(lib.nn.Module):
        def forward(self, X):
            return X

        def right_inverse(self, X):
            return 3

    class Repeat(lib.nn.Module):
        def forward(self, X):
            return X.repeat(2, 1)
    return Twice, Inverse3, Repeat


_LINEAR_REPR = 'Linear(in_features=2, out_features=2, bias=True)'
for _name, _exc, _message, _call in (
        ('parametrize-no-tensor', ValueError, f"Module '{_LINEAR_REPR}' does not have a "
         "parameter, a buffer, or a parametrized element with name 'nothing'",
         lambda lib, m, P: lib.nn.utils.parametrize.register_parametrization(m, 'nothing',
                                                                             P[0]())),
        ('parametrize-right_inverse-type', ValueError, "'right_inverse' must return a Tensor or "
         'a Sequence of tensors (list, tuple...). Got int',
         lambda lib, m, P: lib.nn.utils.parametrize.register_parametrization(m, 'weight',
                                                                             P[1]())),
        ('parametrize-shape', ValueError, 'Registering a parametrization may not change the '
         'shape of the tensor, unless `unsafe` flag is enabled.\n<then the shapes, a line each: '
         'unparametrized shape: ..., parametrized shape: ...>',
         lambda lib, m, P: lib.nn.utils.parametrize.register_parametrization(m, 'weight',
                                                                             P[2]())),
        ('parametrize-remove-none', ValueError, f'Module {_LINEAR_REPR} does not have a '
         'parametrization on weight',
         lambda lib, m, P: lib.nn.utils.parametrize.remove_parametrizations(m, 'weight')),
        ('orthogonal-map', ValueError, 'orthogonal_map has to be one of "matrix_exp", "cayley", '
         '"householder". Got: qr',
         lambda lib, m, P: lib.nn.utils.parametrizations.orthogonal(m, orthogonal_map='qr')),
        ('orthogonal-vector', ValueError, 'Expected a matrix or batch of matrices. Got a tensor '
         'of 1 dimensions.',
         lambda lib, m, P: lib.nn.utils.parametrizations.orthogonal(m, 'bias')),
        ('spectral_norm-iterations', ValueError, 'Expected n_power_iterations to be positive, '
         'but got n_power_iterations=0',
         lambda lib, m, P: lib.nn.utils.parametrizations.spectral_norm(m, n_power_iterations=0)),
        ('spectral_norm-dim', IndexError, 'Dimension out of range (expected to be in range of '
         '[-2, 1] but got 2)',
         lambda lib, m, P: lib.nn.utils.parametrizations.spectral_norm(m, dim=2)),
        ('remove_spectral_norm-none', ValueError, f"spectral_norm of 'weight' not found in "
         f'{_LINEAR_REPR}', lambda lib, m, P: lib.nn.utils.remove_spectral_norm(m)),
        ('remove_weight_norm-none', ValueError, f"weight_norm of 'weight' not found in "
         f'{_LINEAR_REPR}', lambda lib, m, P: lib.nn.utils.remove_weight_norm(m)),
        ('get_parameter-missing', AttributeError, 'Linear has no attribute `nothing`',
         lambda lib, m, P: m.get_parameter('nothing')),
        ('set_submodule-empty', ValueError, 'Cannot set the submodule without a target name!',
         lambda lib, m, P: m.set_submodule('', lib.nn.ReLU())),
        ('set_submodule-not-module', ValueError, "`module` is not an nn.Module, found <class "
         "'int'>", lambda lib, m, P: m.set_submodule('relu', 3)),
        ('get_submodule-parameter', AttributeError, '`weight` is not an nn.Module',
         lambda lib, m, P: m.get_submodule('weight')),
):
    @entry(_name, _exc, _message)
    def _(lib, _call=_call):
        module = lib.nn.Linear(2, 2)
        return lambda: _call(lib, module, _parametrizations(lib)), [module]


@entry('parametrize-added-shape', ValueError, 'Registering a parametrization may not change the '
       'shape of the tensor, unless the `unsafe` flag is enabled.\n<then the shapes, a line '
       'each: module.weight.shape: ..., parametrization(module.weight).shape: ...>')
def _(lib):
    twice, _, repeat = _parametrizations(lib)
    module = lib.nn.utils.parametrize.register_parametrization(lib.nn.Linear(2, 2), 'weight',
                                                               twice())
    return (lambda: lib.nn.utils.parametrize.register_parametrization(module, 'weight',
                                                                      repeat()), [module])


@entry('parametrize-assign-no-right_inverse', RuntimeError, 'parametrization Twice does not '
       'implement right_inverse.')
def _(lib):
    module = lib.nn.utils.parametrize.register_parametrization(
        lib.nn.Linear(2, 2), 'weight', _parametrizations(lib)[0]())
    return lambda: setattr(module, 'weight', lib.ones(2, 2)), [module]


@entry('spectral_norm-twice', RuntimeError, 'Cannot register two spectral_norm hooks on the '
       'same parameter weight')
def _(lib):
    module = lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2))
    return lambda: lib.nn.utils.spectral_norm(module), [module]


@entry('spectral_norm-none', ValueError, '`SpectralNorm` cannot be applied as parameter `bias` '
       'is None')
def _(lib):
    module = lib.nn.Linear(2, 2, bias=False)
    return lambda: lib.nn.utils.spectral_norm(module, name='bias'), [module]


@entry('get_parameter-buffer', AttributeError, '`running_mean` is not an nn.Parameter')
def _(lib):
    module = lib.nn.BatchNorm1d(2)
    return lambda: module.get_parameter('running_mean'), [module]


@entry('get_buffer-parameter', AttributeError, '`weight` is not a buffer')
def _(lib):
    module = lib.nn.BatchNorm1d(2)
    return lambda: module.get_buffer('weight'), [module]


@entry('set_submodule-strict-sequential', AttributeError, 'Sequential has no attribute `2`')
def _(lib):
    module = lib.nn.Sequential(lib.nn.Linear(2, 2))
    return lambda: module.set_submodule('2', lib.nn.ReLU(), strict=True), [module]


@entry('forward-pre-hook-with-kwargs-result', RuntimeError, 'forward pre-hook must return None '
       'or a tuple of (new_args, new_kwargs), but got 1.')
def _(lib):
    module = lib.nn.Linear(2, 2)
    module.register_forward_pre_hook(lambda m, args, kwargs: 1, with_kwargs=True)
    return lambda: module(lib.ones(2)), [module]


@entry('full-backward-hook-count', RuntimeError, 'Backward hook returned an invalid number of '
       'grad_input, got 2, but expected 1')
def _(lib):
    x = lib.ones(2, requires_grad=True)
    module = lib.nn.Linear(2, 2)
    module.register_full_backward_hook(lambda m, grad_input, grad_output: (x, x))
    out = module(x).sum()
    return out.backward, [x]      # the layer's own grads are in by then, as in PyTorch


@entry('full-backward-pre-hook-count', RuntimeError, 'Backward pre hook returned an invalid '
       'number of grad_output, got 2, but expected 1')
def _(lib):
    x = lib.ones(2, requires_grad=True)
    module = lib.nn.Linear(2, 2)
    module.register_full_backward_pre_hook(lambda m, grad_output: (x, x))
    out = module(x).sum()
    return out.backward, [x, module]


@entry('state_dict-post-hook-result', RuntimeError, 'state_dict post-hook must return None')
def _(lib):
    module = lib.nn.Linear(2, 2)
    module.register_state_dict_post_hook(lambda m, state, prefix, metadata: state)
    # (a snapshot of the module would call state_dict too)
    return module.state_dict, [Watched(lambda: [test_errors.state(p)
                                               for p in module.parameters()])]


@entry('load_state_dict-post-hook-result', AssertionError, 'Hooks registered with '
       '``register_load_state_dict_post_hook`` are not expected to return new values, if '
       'incompatible_keys need to be modified, it should be done inplace.')
def _(lib):
    module = lib.nn.Linear(2, 2)
    module.register_load_state_dict_post_hook(lambda m, keys: keys)
    state = {k: v.clone() for k, v in module.state_dict().items()}
    return lambda: module.load_state_dict(state), []      # raised after loading, as PyTorch


@entry('checkpoint-keywords', ValueError, 'Unexpected keyword arguments: scale')
def _(lib):
    x = lib.ones(2, requires_grad=True)
    return lambda: lib.utils.checkpoint.checkpoint(lib.sin, x, use_reentrant=True,
                                                   scale=2), [x]


@entry('checkpoint-debug', ValueError, 'Passing `context_fn` or `debug` is only supported when '
       'use_reentrant=False.')
def _(lib):
    x = lib.ones(2, requires_grad=True)
    return lambda: lib.utils.checkpoint.checkpoint(lib.sin, x, use_reentrant=True,
                                                   debug=True), [x]


@entry('checkpoint-detached-output', RuntimeError, 'none of output has requires_grad=True, this '
       'checkpoint() is not necessary')
def _(lib):
    x = lib.ones(2, requires_grad=True)
    y = lib.utils.checkpoint.checkpoint(lambda t: t.detach(), x, use_reentrant=True)
    return lambda: y.sum().backward(), [x]


import test_nn_more3  # noqa: E402  (3-d transposed convolution, pooling, CTC: their section)
for _index, (_exc, _message) in enumerate(test_nn_more3.ERRORS):
    entry(f'nn-more3-{_index}', _exc, _message)(
        lambda lib, i=_index: test_nn_more3.error_calls(lib)[i])


@entry('ctc_loss-target-out-of-range', RuntimeError, test_nn_more3.CTC_OUT_OF_RANGE, torch=False)
def _(lib):
    lp = lib.zeros(4, 1, 3, requires_grad=True)
    targets = lib.tensor([[1, 3]])
    return lambda: lib.nn.functional.ctc_loss(lp, targets, (4,), (2,)), [lp, targets]


@entry('grad-batched-grad_outputs-shape', RuntimeError, 'If `is_grads_batched=True`, we '
       'interpret the first dimension of each grad_output as the batch dimension. The sizes of '
       'the remaining dimensions are expected to match the shape of corresponding output, but a '
       'mismatch was detected: grad_output[0] has a shape of microtorch.Size([3]) and output[0] '
       'has a shape of microtorch.Size([2]). If you only want some tensors in `grad_output` to '
       'be considered batched, consider using vmap.', torch=False)
def _(lib):
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    y = a * 2
    return lambda: lib.autograd.grad(y, a, lib.ones(3, 3), is_grads_batched=True), [a, y]


# ---- lazy modules, nn.Buffer, fractional pooling, multi_head_attention_forward ---------------

_UNINITIALIZED_USE = ('Attempted to use an uninitialized parameter in <the method>. This error '
                      'happens when you are using a `LazyModule` or explicitly manipulating '
                      '`microtorch.nn.parameter.UninitializedParameter` objects. When using '
                      'LazyModules Call `forward` with a dummy batch to initialize the '
                      'parameters before calling torch functions')


def _lazy_kind(module):
    return Watched(lambda: (type(module).__name__, module.has_uninitialized_params()
                            if hasattr(module, 'has_uninitialized_params') else None))


@entry('uninitialized-shape', RuntimeError, "Can't access the shape of an uninitialized "
       'parameter or buffer. This error usually happens in `load_state_dict` when trying to '
       'load an uninitialized parameter into an initialized one. Call `forward` to initialize '
       'the parameters before accessing their attributes.')
def _(lib):
    layer = lib.nn.LazyLinear(3)
    return lambda: layer.weight.shape, [layer, _lazy_kind(layer)]


@entry('uninitialized-use', ValueError, _UNINITIALIZED_USE)
def _(lib):
    layer = lib.nn.LazyLinear(3)
    return lambda: layer.weight.t(), [layer, _lazy_kind(layer)]


@entry('lazy-conv-input-dims', RuntimeError, 'Expected 3D (unbatched) or 4D (batched) input to '
       'LazyConv2d, but got input of size: microtorch.Size([5, 5])')
def _(lib):
    conv = lib.nn.LazyConv2d(4, 3)
    x = lib.ones(5, 5)
    return lambda: conv(x), [conv, x, _lazy_kind(conv)]


@entry('lazy-linear-loaded-width', AssertionError, 'The in_features inferred from input: 4 is '
       'not equal to in_features from self.weight: 3')
def _(lib):
    layer = lib.nn.LazyLinear(2)
    layer.load_state_dict(lib.nn.Linear(3, 2).state_dict())
    x = lib.ones(1, 4)
    return lambda: layer(x), [layer, x]


@entry('buffer-assign-type', TypeError, "cannot assign 'int' as buffer 'stats' "
       '(microtorch.nn.Buffer, microtorch.Tensor or None expected)')
def _(lib):
    module = lib.nn.Module()
    module.stats = lib.nn.Buffer(lib.ones(2))
    return lambda: setattr(module, 'stats', 3), [module]


@entry('fractional-needs-size', ValueError, 'fractional_max_pool2d requires specifying either an '
       'output_size or an output_ratio')
def _(lib):
    x = lib.ones(1, 2, 7, 7)
    return lambda: lib.nn.functional.fractional_max_pool2d(x, 3), [x]


@entry('fractional-pool-too-large', RuntimeError, 'fractional_max_pool2d(): pool height 3 too '
       'large relative to input height 7')
def _(lib):
    x = lib.ones(1, 2, 7, 7)
    return lambda: lib.nn.functional.fractional_max_pool2d(x, 3, output_size=6), [x]


@entry('fractional-samples-channels', RuntimeError, 'Expect _random_samples.size(1) equals to '
       'input channel size.')
def _(lib):
    x, samples = lib.ones(1, 2, 7, 7), lib.ones(1, 3, 2) / 2
    return lambda: lib.nn.functional.fractional_max_pool2d(
        x, 3, output_size=3, _random_samples=samples), [x, samples]


@entry('fractional-samples-dtype', RuntimeError, 'Expect _random_samples to have the same dtype '
       'as input')
def _(lib):
    x, samples = lib.ones(1, 2, 7, 7), lib.ones(1, 2, 2, dtype=lib.float64) / 2
    return lambda: lib.nn.functional.fractional_max_pool2d(
        x, 3, output_size=3, _random_samples=samples), [x, samples]


@entry('fractional-module-ratio', ValueError, 'output_ratio must be between 0 and 1 (got 1.5)')
def _(lib):
    return lambda: lib.nn.FractionalMaxPool2d(3, output_ratio=1.5), []


@entry('mha-functional-heads', AssertionError, 'embed_dim 6 not divisible by num_heads 4')
def _(lib):
    q = lib.ones(3, 2, 6)
    return lambda: lib.nn.functional.multi_head_attention_forward(
        q, q, q, 6, 4, lib.ones(18, 6), None, None, None, False, 0.0, lib.ones(6, 6),
        None), [q]


@entry('mha-functional-bias-kv', AssertionError, 'bias_k is set but bias_v is None')
def _(lib):
    q, bias_k = lib.ones(3, 2, 6), lib.ones(1, 1, 6)
    return lambda: lib.nn.functional.multi_head_attention_forward(
        q, q, q, 6, 2, lib.ones(18, 6), None, bias_k, None, False, 0.0, lib.ones(6, 6),
        None), [q, bias_k]


@entry('cross-map-lrn-dims', ValueError, 'CrossMapLRN2d: Expected input to be 4D, got 3D '
       'instead.')
def _(lib):
    x = lib.ones(2, 3, 4)
    return lambda: lib.nn.CrossMapLRN2d(3)(x), [x]


@entry('prune-container-other-tensor', ValueError, 'Can only add pruning methods acting on '
       "the parameter named 'weight' to PruningContainer <microtorch.nn.utils.prune."
       "PruningContainer object at <address>>. Found 'bias'")
def _(lib):
    p = importlib.import_module(lib.__name__ + '.nn.utils.prune')
    first, other = p.Identity(), p.Identity()
    first._tensor_name, other._tensor_name = 'weight', 'bias'
    container = p.PruningContainer(first)
    return lambda: container.add_pruning_method(other), [Watched(lambda: list(container))]


# microtorch.save and microtorch.load: PyTorch checkpoints read with an allowlist, files neither
# library reads, and save's format argument (tests in tests/test_pt_files.py).
def _checkpoint(pickled, records=('data.pkl',)):
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w') as archive:
        for name in records:
            archive.writestr(f'archive/{name}', pickled)
    buf.seek(0)
    return buf


def _stream(data):
    import io
    return io.BytesIO(data)


_ALLOWLIST = ('. microtorch.load reads a PyTorch checkpoint with an allowlist, as '
              'torch.load(weights_only=True) does: it rebuilds tensors and plain containers and '
              'runs nothing else.')
_BOTH = 'microtorch.load reads files written by microtorch.save or torch.save.'
for _name, _exc, _message, _call in (
        ('load-global', 'UnpicklingError', 'Weights only load failed: Unsupported global: GLOBAL '
         'builtins.print was not an allowed global by default' + _ALLOWLIST,
         lambda: mt.load(_checkpoint(__import__('pickle').dumps(print, protocol=2)))),
        ('load-build', 'UnpicklingError', 'Weights only load failed: Unsupported operation: BUILD '
         'on a set object was not allowed' + _ALLOWLIST,
         lambda: mt.load(_checkpoint(b'\x80\x02c__builtin__\nset\n)R}b.'))),
        ('load-bfloat16', RuntimeError, "the file '<stream>' holds tensors of dtype "
         'torch.bfloat16, which microtorch does not have: convert them in PyTorch (e.g. to '
         'float32) before saving',
         lambda: mt.load(_checkpoint(b'\x80\x02ctorch\nbfloat16\n.'))),
        ('load-damaged-checkpoint', RuntimeError, "the file '<stream>' is not a valid PyTorch "
         'checkpoint (its pickle ends early); it may be damaged or crafted',
         lambda: mt.load(_checkpoint(b'\x80\x02]q\x00(K\x01'))),
        ('load-foreign-zip', RuntimeError, "the file '<stream>' is a zip archive but not a "
         'microtorch or PyTorch file (it has neither microtorch.json nor data.pkl); ' + _BOTH,
         lambda: mt.load(_checkpoint(b'', records=('weights.bin',)))),
        ('load-legacy', RuntimeError, "the file '<stream>' is in PyTorch's legacy format "
         '(torch.save before PyTorch 1.6 or with _use_new_zipfile_serialization=False), which '
         'microtorch.load does not read: load it in PyTorch and save it again with torch.save.',
         lambda: mt.load(_stream(b'\x80\x02\x8a\nl\xfc\x9cF\xf9 j\xa8P\x19.'))),
        ('load-pickle', RuntimeError, "the file '<stream>' looks like a pickle (e.g. from "
         'pickle.dump), not a microtorch or PyTorch file. microtorch.load never unpickles a '
         'plain pickle, since unpickling can run arbitrary code; it reads files written by '
         'microtorch.save or torch.save.',
         lambda: mt.load(_stream(__import__('pickle').dumps([1.0])))),
        ('load-damaged-zip', RuntimeError, "the file '<stream>' is not a valid microtorch or "
         'PyTorch file: File is not a zip file',
         lambda: mt.load(_stream(b'PK\x03\x04 cut short'))),
        ('load-not-zip', RuntimeError, "the file '<stream>' is not a microtorch or PyTorch file "
         '(it is not a zip archive); ' + _BOTH,
         lambda: mt.load(_stream(b'plain text'))),
        ('save-pytorch-misfit', TypeError, "microtorch.save can't save an object of type "
         'ndarray in the PyTorch format: it saves tensors, numbers, strings, None, dtypes, '
         "devices and Sizes in dicts, lists, tuples and sets (use format='microtorch' for NumPy "
         'arrays)',
         lambda: mt.save({'a': __import__('numpy').ones(2)}, _stream(b''), format='pytorch')),
        ('save-format', ValueError, "microtorch.save's format must be None, 'pytorch' or "
         "'microtorch'; got 'pickle'",
         lambda: mt.save(mt.ones(2), _stream(b''), format='pickle'))):
    entry(_name, _exc, _message, torch=False)(
        lambda lib, call=_call: (call, []))


# ---- the tests -----------------------------------------------------------------------------

def _skip_unless_possible(entry):
    cuda = mt.cuda.is_available()
    if entry.needs == 'cuda' and not cuda:
        pytest.skip(f'needs CUDA: {mt.cuda.unavailable_reason()}')
    if entry.needs == 'no-cuda' and cuda:
        pytest.skip('needs a machine without CUDA')


@pytest.mark.parametrize('entry', ENTRIES, ids=repr)
def test_entry(entry):
    _skip_unless_possible(entry)
    call, watched = entry.setup(mt)
    before = [snapshot(obj) for obj in watched]
    if isinstance(entry.exc, type) and issubclass(entry.exc, Warning):
        with pytest.warns(entry.exc) as record:
            call()
        texts = [str(w.message) for w in record if issubclass(w.category, entry.exc)]
        assert any(entry.matches(t) for t in texts), texts
    else:
        with pytest.raises(Exception) as info:
            call()
        assert type(info.value).__name__ == entry.exc_name
        assert isinstance(entry.exc, str) or type(info.value) is entry.exc
        assert entry.matches(str(info.value)), str(info.value)
    after = [snapshot(obj) for obj in watched]
    for obj, b, a in zip(watched, before, after):
        assert a == b, f'{type(obj).__name__} changed'


@pytest.mark.parametrize('entry', [e for e in ENTRIES if e.torch], ids=repr)
def test_torch_agrees(entry, torch):
    if entry.needs == 'cuda' and not torch.cuda.is_available():
        pytest.skip('PyTorch has no CUDA here')
    call, _ = entry.setup(torch)
    with pytest.raises(Exception) as info:
        call()
    assert type(info.value) is entry.exc
    assert entry.matches(str(info.value).replace('torch.', 'microtorch.'))


def _tested():
    """(exception name, message) of every message some test triggers."""
    out = [(c.exc.__name__, c.message) for c in test_errors.CASES]
    return out + [(e.exc_name, e.message) for e in ENTRIES]


def test_every_documented_message_is_tested():
    documented = documented_messages()
    assert len(documented) >= 70
    tested = _tested()
    untested = [f'{exc}: {message}' for exc, message in documented
                if not any(exc == t_exc and pattern(message).fullmatch(t_message.rstrip())
                           for t_exc, t_message in tested)]
    assert not untested, 'documented but never triggered by a test:\n' + '\n'.join(untested)


def test_every_entry_is_documented():
    documented = documented_messages()
    missing = [e.name for e in ENTRIES
               if (e.exc_name, e.message.rstrip()) not in documented]
    assert not missing, f'tested here but not in docs/errors.md: {missing}'


def test_chinese_catalogue_lists_the_same_messages():
    assert documented_messages(ROOT / 'docs' / 'zh' / 'errors.md') == documented_messages()


def test_message_parser():
    assert pattern("Cannot use device 'cuda': <the reason>.").fullmatch(
        "Cannot use device 'cuda': no GPU here.")
    assert not pattern('a (b)').fullmatch('a b')


# The LinAlgErrors of inv_ex, solve_ex (check_errors=True) and tensorinv: PyTorch raises the
# same messages as its own class (tests/test_decompositions.py compares them).
_ZERO_DIAGONAL = ('The diagonal element 1 is zero, the inversion could not be completed because '
                  'the input matrix is singular.')
_SOLVER_FAILED = 'The solver failed because the input matrix is singular.'
for _name, _message, _call in (
        ('inv_ex-check-errors', 'linalg.inv_ex: ' + _ZERO_DIAGONAL,
         lambda lib, s: lib.linalg.inv_ex(s * 0, check_errors=True)),
        ('inv_ex-check-errors-batch', 'linalg.inv_ex: (Batch element 1): ' + _ZERO_DIAGONAL,
         lambda lib, s: lib.linalg.inv_ex(lib.stack([s, s * 0]), check_errors=True)),
        ('solve_ex-check-errors', 'microtorch.linalg.solve_ex: ' + _SOLVER_FAILED,
         lambda lib, s: lib.linalg.solve_ex(s * 0, s, check_errors=True)),
        ('solve_ex-check-errors-batch', 'microtorch.linalg.solve_ex: (Batch element 1): '
         + _SOLVER_FAILED, lambda lib, s: lib.linalg.solve_ex(lib.stack([s, s * 0]), s,
                                                             check_errors=True)),
        ('tensorinv-singular', 'inv: ' + _ZERO_DIAGONAL,
         lambda lib, s: lib.linalg.tensorinv(s.new_zeros(2, 2, 2, 2))),
):
    @entry(_name, mt.linalg.LinAlgError, _message, torch=False)
    def _(lib, _call=_call):
        s = lib.tensor([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]], requires_grad=True)
        return lambda: _call(lib, s), [s]


# A singular D in LDL^T: PyTorch's message is the same after its internal-assert preamble
# (tests/test_decompositions.py checks the info code against PyTorch's).
@entry('ldl_factor-singular', RuntimeError, 'microtorch.linalg.ldl_factor: Unknown error code: '
       '2.', torch=False)
def _(lib):
    a = lib.tensor([[1.0, 2.0], [2.0, 4.0]], requires_grad=True)
    return lambda: lib.linalg.ldl_factor(a), [a]


# microtorch.testing where microtorch's message is its own: complex inputs and memory formats
# (microtorch has neither), an unsupported make_tensor dtype and PyTorch's reports of an
# unexpected error inside assert_close, both without PyTorch's advice to file an issue with it.
_NO_COMPLEX = ("microtorch has no complex dtypes, so assert_close() cannot compare inputs of type "
               "<class 'complex'> and <class 'complex'>.")
_NO_MEMORY_FORMAT = ('microtorch has no memory formats (its tensors are row-major), so '
                     "make_tensor() takes memory_format=None only, but got "
                     "memory_format='channels_last'")
_UNSUPPORTED_DTYPE = ("The requested dtype '<class 'float'>' is not supported by "
                      'microtorch.testing.make_tensor().')
for _name, _exc, _message, _call in (
        ('assert_close-complex', TypeError, _NO_COMPLEX,
         lambda x: mt.testing.assert_close(1 + 2j, 1 + 2j)),
        ('make_tensor-memory-format', ValueError, _NO_MEMORY_FORMAT,
         lambda x: mt.testing.make_tensor(2, dtype=mt.float32, device='cpu',
                                          memory_format='channels_last')),
        ('make_tensor-dtype', TypeError, _UNSUPPORTED_DTYPE,
         lambda x: mt.testing.make_tensor(2, dtype=float, device='cpu')),
        ('assert_close-bool-vs-int', RuntimeError, 'Originating a NumberPair() at item  with'
         '<the two inputs, a paragraph each>resulted in the unexpected exception above.',
         lambda x: mt.testing.assert_close(True, 1)),
        ('assert_close-negative-tolerance', RuntimeError, 'Comparing<the comparison and its '
         'settings>resulted in the unexpected exception above.',
         lambda x: mt.testing.assert_close(x, x, rtol=-1.0, atol=0.0)),
):
    @entry(_name, _exc, _message, torch=False)
    def _(lib, _call=_call):
        x = mt.tensor([1.0, 2.0], requires_grad=True)
        return lambda: _call(x), [x]


# A custom Function that modifies an input in place: PyTorch supports it with mark_dirty,
# microtorch refuses it (tests/test_custom_function.py has the rest of custom Functions).
class _Doubles(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.mark_dirty(x)
        return x.mul_(2)

    @staticmethod
    def backward(ctx, grad):
        return grad * 2


@entry('custom-function-mark-dirty', NotImplementedError,
       'microtorch: a custom Function cannot modify its inputs in place (mark_dirty); return new '
       'Tensors instead', torch=False)
def _(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    return lambda: _Doubles.apply(y), [x, y]


# microtorch.jit and microtorch.distributed: what has no equivalent here (tests in
# tests/test_compat_namespaces.py).
_NO_TORCHSCRIPT = ('microtorch has no TorchScript, so it cannot save or load TorchScript '
                   'archives: save the state_dict with microtorch.save and load it into the '
                   'model')
_NO_DISTRIBUTED = ('microtorch has no distributed backend: it trains in one process '
                   '(several processes need PyTorch)')
for _name, _exc, _message, _call in (
        ('jit-save', RuntimeError, _NO_TORCHSCRIPT, lambda: mt.jit.save(None, 'model.pt')),
        ('jit-load', RuntimeError, _NO_TORCHSCRIPT, lambda: mt.jit.load('model.pt')),
        ('distributed-init', RuntimeError, _NO_DISTRIBUTED,
         lambda: mt.distributed.init_process_group('gloo'))):
    entry(_name, _exc, _message, torch=False)(
        lambda lib, call=_call: (call, []))
