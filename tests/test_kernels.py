"""The CUDA backend, checked where there is no GPU (and where there is one).

1. every kernels/*.cu compiles with nvcc for sm_80 and sm_90, with every template instance
   the backend asks NVRTC for (skipped without nvcc);
2. every op of the op table has a CUDA forward and backward, every kernel named exists, every
   <name>_forward/<name>_backward pair of the CPU backend has both kernels, and the CUDA
   backend defines every primitive the CPU backend does;
3. `python -m microtorch` runs and lists the ops;
4. without CuPy, asking for 'cuda' raises a RuntimeError that says CuPy is not installed;
5. the built wheel carries the kernel sources, and a non-editable install finds them;
6. on the CPU emulator of tests/fakecupy (our kernels compiled as C++, every CUDA thread a
   fiber): the smoke script (each kernel against the CPU backend), the op table's tests on
   'cuda', and two devices. Skipped without g++ on x86-64 Linux.
"""
import ast
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from microtorch.backends import cuda_kernels as K

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAKE = os.path.join(ROOT, 'tests', 'fakecupy')
NVCC = shutil.which('nvcc')
ARCHS = ('sm_80', 'sm_90')
FILES = K.kernel_files()


def run(args, env=None, timeout=600, cwd=ROOT):
    full = dict(os.environ, **(env or {}))
    return subprocess.run(args, capture_output=True, text=True, env=full, timeout=timeout,
                          cwd=cwd)


# ---- 1. nvcc ---------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def nvcc_results(tmp_path_factory):
    """Every (file, arch) compiled at once, in parallel: {(file, arch): (rc, log, seconds)}."""
    if NVCC is None:
        pytest.skip('nvcc is not on the PATH')
    folder = tmp_path_factory.mktemp('nvcc')
    jobs = []
    for file in FILES:
        # The file itself, then the address of every instance the loader asks NVRTC for:
        # that instantiates each template, so errors in their bodies show up too.
        unit = folder / f'instances_{file}'
        unit.write_text(f'#include "{file}"\n\nvoid* const mt_instances[] = {{\n' +
                        ''.join(f'    (void*)&{e},\n' for e in K.instances(file)) + '};\n')
        for arch in ARCHS:
            jobs.append((file, arch, [NVCC, '-std=c++17', f'-arch={arch}', '-I' + K.KERNEL_DIR,
                                      '-ptx', str(unit), '-o',
                                      str(folder / f'{file}.{arch}.ptx')]))

    def compile_one(job):
        file, arch, cmd = job
        start = time.perf_counter()
        try:
            proc = run(cmd, timeout=300)
            rc, log = proc.returncode, proc.stdout + proc.stderr
        except subprocess.TimeoutExpired:
            rc, log = -1, 'nvcc timed out after 300 s'
        return (file, arch), (rc, log, time.perf_counter() - start)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        results = dict(pool.map(compile_one, jobs))
    print(f'\nnvcc: {len(jobs)} compiles in {time.perf_counter() - start:.1f} s')
    return results


@pytest.mark.parametrize('arch', ARCHS)
@pytest.mark.parametrize('file', FILES)
def test_kernel_file_compiles_with_nvcc(nvcc_results, file, arch):
    rc, log, _ = nvcc_results[(file, arch)]
    assert rc == 0, f'nvcc -arch={arch} failed on kernels/{file}:\n{log}'
    assert 'error' not in log.lower(), log


def find_nvrtc():
    """libnvrtc's path: $MICROTORCH_NVRTC_LIB, the nvidia-cuda-nvrtc wheel (CuPy's), or the
    system's; None when there is none."""
    import ctypes.util
    import glob
    import importlib.util
    path = os.environ.get('MICROTORCH_NVRTC_LIB')
    if path:
        return path
    spec = importlib.util.find_spec('nvidia')
    for root in (spec.submodule_search_locations or []) if spec else []:
        found = sorted(glob.glob(os.path.join(root, '*', 'lib', 'libnvrtc.so*')))
        found = [f for f in found if 'alt' not in os.path.basename(f)]
        if found:
            return found[0]
    return ctypes.util.find_library('nvrtc')


def test_kernel_files_compile_with_nvrtc():
    """What CuPy's RawModule does with each file: NVRTC, the loader's text (common.cuh pasted
    in), every name expression lowered. Needs libnvrtc (the nvidia-cuda-nvrtc wheel)."""
    import ctypes
    import glob
    path = find_nvrtc()
    if not path:
        pytest.skip('libnvrtc not found (pip install nvidia-cuda-nvrtc, or set '
                    'MICROTORCH_NVRTC_LIB)')
    for builtins in glob.glob(os.path.join(os.path.dirname(path), 'libnvrtc-builtins.so*')):
        if 'alt' not in os.path.basename(builtins):
            ctypes.CDLL(builtins, mode=ctypes.RTLD_GLOBAL)
    lib = ctypes.CDLL(path)

    def compile_one(job):
        file, arch = job
        program = ctypes.c_void_p()
        assert lib.nvrtcCreateProgram(ctypes.byref(program), K.read_source(file).encode(),
                                      file.encode(), 0, None, None) == 0
        names = K.instances(file)
        for name in names:
            assert lib.nvrtcAddNameExpression(program, name.encode()) == 0
        options = (ctypes.c_char_p * 1)(f'-arch={arch}'.encode())
        rc = lib.nvrtcCompileProgram(program, 1, options)
        size = ctypes.c_size_t()
        lib.nvrtcGetProgramLogSize(program, ctypes.byref(size))
        log = ctypes.create_string_buffer(size.value)
        lib.nvrtcGetProgramLog(program, log)
        lowered = 0
        if rc == 0:
            for name in names:
                out = ctypes.c_char_p()
                lowered += lib.nvrtcGetLoweredName(program, name.encode(),
                                                   ctypes.byref(out)) == 0
        lib.nvrtcDestroyProgram(ctypes.byref(program))
        return file, arch, rc, log.value.decode(errors='replace'), lowered, len(names)

    jobs = [(f, a) for f in FILES for a in ('compute_80', 'compute_90')]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        for file, arch, rc, log, lowered, total in pool.map(compile_one, jobs):
            assert rc == 0, f'NVRTC -arch={arch} failed on kernels/{file}:\n{log}'
            assert lowered == total, f'kernels/{file}: {lowered} of {total} names lowered'
            assert 'warning' not in log.lower(), f'kernels/{file} ({arch}):\n{log}'


# ---- 2. every op has its kernels ------------------------------------------------------------

def op_table():
    sys.path.insert(0, os.path.join(ROOT, 'tests'))
    try:
        import test_ops
    finally:
        sys.path.pop(0)
    return test_ops


# Ops that only move or view data: their forward and backward may be markers alone.
DATA_MOVEMENT = {'reshape', 'view', 'flatten', 'squeeze', 'unsqueeze', 'transpose', 'permute',
                 'T', 'expand', 'contiguous', 'cat', 'stack', 'split', 'chunk', 'matmul', 'mm',
                 'bmm', 'index', 'sum', 'argmax', 'narrow', 'unbind', 'repeat', 'flip',
                 'index_select', 'diagonal', 'diag', 'masked_select', 'argsort', 'roll',
                 'repeat_interleave', 'hstack', 'vstack', 'column_stack', 'broadcast_to',
                 'meshgrid', 'tile', 'movedim', 'swapaxes', 'atleast_3d', 'tensor_split',
                 'fliplr', 'flipud', 'rot90', 'cartesian_prod', 'block_diag', 'unflatten',
                 'combinations', 'ravel', 'positive',       # (positive: the input itself)
                 'narrow_copy', 'dstack', 'hsplit', 'vsplit', 'dsplit', 'split_with_sizes',
                 'chain_matmul', 'multi_dot', 'pad', 'tril', 'triu'}
# (LDL^T pivots by each matrix's values: it is factored and solved on the host, with no
# derivative, as PyTorch has none)
DATA_MOVEMENT |= {'ldl_factor', 'ldl_solve'}
DATA_MOVEMENT |= {'pixel_shuffle', 'pixel_unshuffle'}      # permutes of reshapes


def test_every_op_of_the_table_has_cuda_forward_and_backward():
    table = op_table()
    ops = set(table.REQUIRED_OPS) | {row.op for row in table.OPS}
    sources = K.kernel_names()
    missing = sorted(ops - set(K.OP_KERNELS))
    assert not missing, f'ops without a CUDA entry in cuda_kernels.OP_KERNELS: {missing}'
    for op in ops:
        forward, backward = K.OP_KERNELS[op]
        assert forward and backward, op
        for name in forward + backward:
            if name in K.MARKERS:
                continue
            file = K.FILE_OF.get(name)
            assert file is not None, f'{op}: {name} is not in cuda_kernels.KERNELS'
            assert name in sources[file], f'{op}: {name} is not a __global__ in kernels/{file}'
        if op not in DATA_MOVEMENT:
            real = [k for k in forward + backward if k not in K.MARKERS]
            assert real, f'{op} names no kernel at all'


def cpu_names():
    """Public names the CPU backend defines (functions and assignments), by its source."""
    return module_names(os.path.join(ROOT, 'microtorch', 'backends', 'cpu.py'))


def module_names(path):
    with open(path) as fh:
        tree = ast.parse(fh.read())
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Name):
                        names.add(leaf.id)
    return {n for n in names if not n.startswith('_')}


def test_cpu_backend_pairs_have_both_cuda_kernels():
    names = cpu_names()
    sources = set().union(*K.kernel_names().values())
    pairs = sorted(m.group(1) for n in names for m in [re.fullmatch(r'(\w+)_forward', n)]
                   if m and m.group(1) + '_backward' in names)
    assert len(pairs) >= 20, pairs
    for op in pairs:
        for name in (op + '_forward', op + '_backward'):
            assert name in sources, f'{name} (a CPU primitive pair) has no CUDA kernel'


def test_cuda_backend_defines_every_cpu_primitive():
    cuda = module_names(os.path.join(ROOT, 'microtorch', 'backends', 'cuda.py'))
    # (get_cpu_capability is PyTorch's torch.backends.cpu question, not a primitive)
    missing = sorted(cpu_names() - cuda - {'warnings', 'np', 'get_cpu_capability'})
    assert not missing, f'backends/cuda.py lacks {missing}'


def test_registry_matches_the_sources():
    sources = K.kernel_names()
    assert set(K.KERNELS) == set(FILES)
    for file in FILES:
        assert sources[file] == set(K.KERNELS[file]), file
        with open(os.path.join(K.KERNEL_DIR, file)) as fh:
            head = fh.read(3000)
        assert 'Bytes moved per' in head, f'kernels/{file}: the header gives no byte counts'


def test_kernel_sources_keep_lines_short():
    for file in FILES + [K.COMMON_HEADER]:
        with open(os.path.join(K.KERNEL_DIR, file)) as fh:
            for number, line in enumerate(fh, 1):
                assert len(line.rstrip('\n')) < 100, f'kernels/{file}:{number} is too long'


# ---- 3, 4. python -m microtorch; no CuPy ----------------------------------------------------

BLOCK_CUPY = 'import sys; sys.modules["cupy"] = None; '


def test_python_m_microtorch_reports_environment_and_ops():
    proc = run([sys.executable, '-c', BLOCK_CUPY + 'import runpy; '
                'runpy.run_module("microtorch", run_name="__main__")'],
               env={'PYTHONPATH': ROOT}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert 'CUDA       unavailable: CuPy is not installed' in out
    assert 'NumPy' in out and 'kernels' in out
    listed = {line.split()[0] for line in out.splitlines() if line[:1].isalpha()}
    assert set(K.OP_KERNELS) <= listed
    assert re.search(r'^sigmoid\s+cpu cuda\s+cpu cuda\s+sigmoid_forward\s+sigmoid_backward',
                     out, re.M), out


def test_cuda_without_cupy_says_cupy_is_not_installed():
    proc = run([sys.executable, '-c', BLOCK_CUPY + 'import microtorch\n'
                'assert not microtorch.cuda.is_available()\n'
                'assert microtorch.cuda.device_count() == 0\n'
                'try:\n    microtorch.zeros(2, device="cuda")\n'
                'except RuntimeError as e:\n    print(e)\n'],
               env={'PYTHONPATH': ROOT}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Cannot use device 'cuda': CuPy is not installed" in proc.stdout
    assert 'microtorch[cuda12]' in proc.stdout


def test_import_microtorch_does_not_import_cupy():
    proc = run([sys.executable, '-c', 'import sys, microtorch, microtorch.nn\n'
                'print("cupy" in sys.modules)'], env={'PYTHONPATH': ROOT}, timeout=120)
    assert proc.stdout.strip() == 'False', proc.stderr


# ---- 5. the installed package finds its kernels ----------------------------------------------

def test_installed_package_finds_its_kernel_sources(tmp_path):
    """Build a wheel from a copy of the sources (the checkout stays untouched), install it
    (not editable) into a fresh virtual environment, and ask the installed loader where its
    kernels are (loaded by path: the fresh environment has no NumPy, and needs none)."""
    import importlib.util
    import zipfile
    src = tmp_path / 'src'
    src.mkdir()
    for name in ('pyproject.toml', 'README.md'):
        shutil.copy(os.path.join(ROOT, name), src / name)
    shutil.copytree(os.path.join(ROOT, 'microtorch'), src / 'microtorch',
                    ignore=shutil.ignore_patterns('__pycache__'))
    wheels = tmp_path / 'wheels'
    # With setuptools here, build without an isolated environment (no download).
    isolation = [] if importlib.util.find_spec('setuptools') is None else \
        ['--no-build-isolation']
    proc = run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '-q', *isolation, '-w',
                str(wheels), str(src)], timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    wheel, = wheels.glob('microtorch-*.whl')
    shipped = {n for n in zipfile.ZipFile(wheel).namelist() if n.startswith('microtorch/kernels')}
    for file in FILES + [K.COMMON_HEADER]:
        assert f'microtorch/kernels/{file}' in shipped, shipped
    venv = tmp_path / 'venv'
    proc = run([sys.executable, '-m', 'venv', str(venv)], timeout=300)
    assert proc.returncode == 0, proc.stderr
    python = str(venv / 'bin' / 'python')
    proc = run([python, '-m', 'pip', 'install', '--no-deps', '--no-index', '-q', str(wheel)],
               timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    check = ('import importlib.util, os, sysconfig\n'
             'path = os.path.join(sysconfig.get_paths()["purelib"], "microtorch", "backends",'
             ' "cuda_kernels.py")\n'
             'spec = importlib.util.spec_from_file_location("cuda_kernels", path)\n'
             'K = importlib.util.module_from_spec(spec)\n'
             'spec.loader.exec_module(K)\n'
             'print(K.KERNEL_DIR)\nprint(" ".join(K.kernel_files()))\n'
             'print(len(K.read_source("unary.cu")))\n')
    proc = run([python, '-c', check], env={'PYTHONPATH': ''}, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    kernel_dir, files, length = proc.stdout.split('\n')[:3]
    assert kernel_dir.startswith(str(venv)), kernel_dir
    assert files.split() == FILES
    assert int(length) > 1000


# ---- 6. on the CPU emulator -------------------------------------------------------------------

def emulator_available():
    return (shutil.which('g++') is not None and platform.machine() == 'x86_64' and
            sys.platform.startswith('linux'))


@pytest.fixture(scope='module')
def emulator():
    """Environment variables that give a subprocess the fake CuPy; the kernels are compiled
    for the CPU first, in parallel (cached under the temp dir, keyed by their text)."""
    if not emulator_available():
        pytest.skip('the CUDA emulator needs g++ on x86-64 Linux')
    env = {'PYTHONPATH': os.pathsep.join([ROOT, FAKE]), 'FAKECUPY_DEVICES': '1'}
    proc = run([sys.executable, '-c', 'import cupy\n'
                'from microtorch.backends import cuda_kernels as K\n'
                'cupy.warm([(K.read_source(f), K.instances(f)) for f in K.KERNELS])'],
               env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr[-5000:]
    return env


def test_emulated_smoke_every_kernel_matches_the_cpu_backend(emulator):
    proc = run([sys.executable, os.path.join(ROOT, 'benchmarks', 'cuda_smoke.py'),
                '--no-bench'], env=emulator, timeout=900)
    tail = proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.returncode == 0, '\n'.join(
        line for line in proc.stdout.splitlines() if not line.startswith('PASS'))[-5000:]
    assert re.search(r'(\d+) of \1 cases passed', proc.stdout), tail
    assert 'not launched by any case' not in proc.stdout, tail


def test_emulated_small_dtypes_match_the_cpu(emulator):
    """uint8, int8, int16 and float16 on the GPU: every op-table row as on the CPU."""
    proc = run([sys.executable, '-c', 'import sys\nsys.path.insert(0, "tests")\n'
                'import test_small_dtypes\n'
                'print("\\n".join(test_small_dtypes.cuda_disagreements()))'],
               env=emulator, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == '', proc.stdout[-5000:]


AUTOCAST_ON_CUDA = """
import microtorch as torch
x = torch.randn(4, 3, device='cuda')
w = torch.randn(2, 3, device='cuda')
with torch.autocast('cuda'):
    y = x @ w.T
    assert y.dtype is torch.float16 and y.softmax(1).dtype is torch.float32
    assert torch.addcmul(x[:, :2], y, y).dtype is torch.float32       # promoted
    assert (x.cpu() @ w.cpu().T).dtype is torch.float32                # another device
    try:
        torch.nn.functional.binary_cross_entropy(y.sigmoid(), torch.zeros(4, 2, device='cuda'))
        raise AssertionError('binary_cross_entropy ran under autocast')
    except RuntimeError as error:
        assert 'unsafe to autocast' in str(error)
model = torch.nn.Linear(3, 1).cuda()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scaler = torch.amp.GradScaler('cuda', growth_interval=2)
for _ in range(4):
    optimizer.zero_grad()
    with torch.autocast('cuda'):
        loss = torch.nn.functional.mse_loss(model(x), torch.zeros(4, 1, device='cuda'))
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
assert scaler.get_scale() == 2.0 ** 18 and model.weight.grad.device.type == 'cuda'
print('autocast ok')
"""


def test_emulated_autocast_and_grad_scaler_on_cuda(emulator):
    """CUDA's autocast lists (products in float16, softmax in float32, promotion, the unsafe
    binary_cross_entropy) and a GradScaler training loop on the GPU."""
    proc = run([sys.executable, '-c', AUTOCAST_ON_CUDA], env=emulator, timeout=600)
    assert proc.returncode == 0 and 'autocast ok' in proc.stdout, proc.stderr[-3000:]


DEFAULT_DEVICE_ON_CUDA = """
import numpy as np
import microtorch as torch
torch.set_default_device('cuda')
assert torch.get_default_device() == torch.device('cuda', 0)
made = [torch.tensor([1.0]), torch.as_tensor(np.ones(2)), torch.zeros(2), torch.ones(2, 3),
        torch.empty(2), torch.full((2,), 3.0), torch.arange(3), torch.linspace(0, 1, 4),
        torch.eye(2), torch.rand(2), torch.randn(2), torch.randint(0, 5, (2,)),
        torch.randperm(3), torch.normal(0.0, 1.0, (2,)), torch.scalar_tensor(1.0),
        torch.hann_window(4), torch.tril_indices(3, 3), torch.logspace(0, 1, 3)]
assert all(t.device.type == 'cuda' for t in made), [t.device for t in made]
kept = [torch.from_numpy(np.ones(2)), torch.zeros_like(torch.ones(2, device='cpu')),
        torch.ones(2, device='cpu') + 1]
assert all(t.device.type == 'cpu' for t in kept), [t.device for t in kept]
model = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
assert all(p.device.type == 'cuda' for p in model.parameters())
x = torch.linspace(-1, 1, 32).reshape(-1, 1)
data = torch.utils.data.TensorDataset(x, x ** 2)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for xb, yb in torch.utils.data.DataLoader(data, batch_size=8, shuffle=True):
    loss = torch.nn.functional.mse_loss(model(xb), yb)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
assert loss.device.type == 'cuda' and model[0].weight.grad.device.type == 'cuda'
with torch.device('cpu'):
    assert torch.ones(2).device.type == 'cpu' and torch.get_default_device().type == 'cpu'
assert torch.ones(2).device.type == 'cuda'
torch.set_default_device(None)
assert torch.zeros(1).device.type == 'cpu'
print('default device ok')
"""


def test_emulated_default_device_cuda(emulator):
    """set_default_device('cuda'): factory functions, module parameters and a training loop
    on the GPU; from_numpy, *_like and ops keep their inputs' device; `with device('cpu')`."""
    proc = run([sys.executable, '-c', DEFAULT_DEVICE_ON_CUDA], env=emulator, timeout=600)
    assert proc.returncode == 0 and 'default device ok' in proc.stdout, proc.stderr[-3000:]


def test_emulated_run_py_times_every_primitive_on_cuda(emulator, tmp_path):
    """benchmarks/run.py's kernel section calls every primitive of the CUDA backend with the
    arguments of benchmarks/kernel_inputs.py (the timings on the emulator mean nothing)."""
    proc = run([sys.executable, os.path.join(ROOT, 'benchmarks', 'run.py'), '--device', 'cuda',
                '--quick', '--sections', 'ops', '--out', str(tmp_path)], env=emulator,
               timeout=900)
    assert proc.returncode == 0, proc.stderr[-5000:]
    with open(tmp_path / 'results.json') as f:
        rows = json.load(f)['devices']['cuda']['ops']
    sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
    import kernel_inputs
    assert ({(r['op'], r['direction']) for r in rows}
            == {kernel_inputs.split_name(name) for name in kernel_inputs.PRIMITIVES})


def test_emulated_op_table_on_cuda(emulator):
    """tests/test_ops.py, unchanged, on 'cuda' (the emulator): forward in float32/float64,
    gradcheck, gradgradcheck and PyTorch's values where it is installed."""
    proc = run([sys.executable, '-m', 'pytest', '-q', '-x', '-p', 'no:cacheprovider', '-k',
                'cuda', os.path.join(ROOT, 'tests', 'test_ops.py')], env=emulator, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    assert re.search(r'\d+ passed', proc.stdout), proc.stdout[-2000:]


TWO_DEVICES = r'''
import numpy as np
import microtorch as mt
from microtorch import nn
from microtorch.backends import cuda as backend

assert mt.cuda.device_count() == 2
# our primitives run on their inputs' device, whichever device is current
with backend.cp.cuda.Device(1):
    x1 = backend.cp.asarray(np.array([0.5, -1.0]))
assert mt.cuda.current_device() == 0
y1 = backend.sigmoid_forward(x1)
assert y1.device.id == 1
np.testing.assert_allclose(y1.get(), 1 / (1 + np.exp(-np.array([0.5, -1.0]))))
assert backend.sum_forward(x1, (0,), False).device.id == 1
# tensors on cuda:1, computed with cuda:1 current (CuPy's own glue runs on the current GPU)
mt.cuda.set_device(1)
a = mt.tensor([1.0, 2.0], device='cuda:1', requires_grad=True)
assert str(a.device) == 'cuda:1' and a.is_cuda
y = (a.sigmoid() * a).sum()
y.backward()
assert a.grad.device == mt.device('cuda:1')
s = 1 / (1 + np.exp(-np.array([1.0, 2.0])))
np.testing.assert_allclose(a.grad.cpu().numpy(), s + np.array([1.0, 2.0]) * s * (1 - s),
                           rtol=1e-6)
b = mt.ones(2, device='cuda:0')
assert b.device == mt.device('cuda:0')
try:
    a + b
except RuntimeError as error:
    assert 'cuda:1 and cuda:0' in str(error) or 'cuda:0 and cuda:1' in str(error), error
else:
    raise AssertionError('mixing devices did not raise')
c = a.detach().to('cuda:0')
assert c.device == mt.device('cuda:0') and c.tolist() == [1.0, 2.0]
assert a.cuda(1) is a and a.cuda() is a and a.to('cuda') is a and c.to('cuda:0') is c
model = nn.Linear(3, 2).to('cuda:1')
opt = mt.optim.Adam(model.parameters(), lr=0.1)
loss = nn.functional.mse_loss(model(mt.randn(4, 3, device='cuda:1')),
                              mt.zeros(4, 2, device='cuda:1'))
loss.backward()
opt.step()
assert all(p.device == mt.device('cuda:1') for p in model.parameters())
assert mt.cuda.memory_allocated(1) > 0 and mt.cuda.max_memory_allocated(1) > 0
try:
    mt.zeros(1, device='cuda:2')
except RuntimeError as error:
    assert 'invalid device ordinal' in str(error)
else:
    raise AssertionError('cuda:2 did not raise')
print('ok')
'''


def test_emulated_two_devices(emulator):
    proc = run([sys.executable, '-c', TWO_DEVICES], env=dict(emulator, FAKECUPY_DEVICES='2'),
               timeout=600)
    assert proc.returncode == 0 and proc.stdout.strip() == 'ok', proc.stdout + proc.stderr


OUT_OF_MEMORY = r'''
import re
import numpy as np
import microtorch as mt

w = mt.ones(1000, device='cuda', requires_grad=True)          # 4,000 bytes of 1 MiB
opt = mt.optim.SGD([w], lr=0.1)
(w * 2).sum().backward()
before = (w.detach().cpu().numpy().copy(), w.grad.cpu().numpy().copy(), w._version)
try:
    big = w * mt.ones(1 << 20, 1000, device='cuda')[0]    # 4 GB asked: past the 1 MiB limit
except mt.OutOfMemoryError as caught:
    error, text = caught, str(caught)
else:
    raise AssertionError('no OutOfMemoryError')
assert isinstance(error, RuntimeError) and mt.cuda.OutOfMemoryError is mt.OutOfMemoryError
assert text.startswith('CUDA out of memory. Tried to allocate 3.91 GiB (4194304000 bytes). '
                       'GPU 0 has a total capacity of 1.00 MiB of which '), text
free = int(re.search(r'of which [^(]+\((\d+) bytes\) is free', text).group(1))
assert error.requested == 4194304000 and error.free == free and error.total == 1 << 20
assert free == (1 << 20) - mt.cuda.memory_allocated(), (free, mt.cuda.memory_allocated())
after = (w.detach().cpu().numpy(), w.grad.cpu().numpy(), w._version)
assert all(np.array_equal(a, b) for a, b in zip(before[:2], after[:2])) and before[2] == after[2]
opt.step()                                                 # and it goes on working
assert np.allclose(w.detach().cpu().numpy(), 0.8)
print('ok')
'''


def test_emulated_out_of_memory_reports_bytes_asked_and_free(emulator):
    """An allocation past the (emulated) device's memory raises microtorch.OutOfMemoryError
    with the bytes asked for and free, and leaves the tensors and the optimizer as they were."""
    env = dict(emulator, FAKECUPY_MEMORY_LIMIT=str(1 << 20))
    proc = run([sys.executable, '-c', OUT_OF_MEMORY], env=env, timeout=600)
    assert proc.returncode == 0 and proc.stdout.strip() == 'ok', proc.stdout + proc.stderr


ONE_DEVICE = r'''
import numpy as np
import microtorch as mt

x = mt.tensor([[1.0, -2.0], [3.0, 4.0]], device='cuda')
assert repr(x) == "tensor([[ 1., -2.],\n        [ 3.,  4.]], device='cuda:0')", repr(x)
assert x.cuda() is x and x.to('cuda:0') is x and x.cpu().device.type == 'cpu'
assert x.sum().item() == 6.0 and x.tolist() == [[1.0, -2.0], [3.0, 4.0]]
try:
    x.numpy()
except TypeError as error:
    assert "can't convert cuda:0 device type tensor to numpy" in str(error)
# one seed, one stream on every device: the same numbers on the CPU and the GPU
mt.manual_seed(5)
c = mt.randn(4)
mt.manual_seed(5)
g = mt.randn(4, device='cuda')
assert g.cpu().tolist() == c.tolist()
import cupy
assert cupy.random.seeds[-1] == (0, 5)              # CuPy's generator was seeded too
# the pool's numbers
mt.cuda.reset_peak_memory_stats()
before = mt.cuda.memory_allocated()
big = mt.empty(1000, device='cuda')
assert mt.cuda.memory_allocated() >= before + 4000
assert mt.cuda.max_memory_allocated() >= before + 4000
del big
mt.cuda.empty_cache()
mt.cuda.synchronize()
assert mt.cuda.get_device_name() and mt.cuda.current_device() == 0
# gradients stay on the device, no host round trip in forward or backward
from microtorch.backends import cuda as backend
host_copies = []
original = backend.to_host
backend.to_host = lambda a: host_copies.append(a.shape) or original(a)
w = mt.randn(3, 2, device='cuda', requires_grad=True)
loss = mt.nn.functional.cross_entropy(mt.randn(4, 3, device='cuda') @ w,
                                      mt.tensor([0, 1, 1, 0], device='cuda'))
loss.backward()
assert w.grad.device == mt.device('cuda:0') and not host_copies, host_copies
backend.to_host = original
print('ok')
'''


def test_emulated_devices_seeds_memory(emulator):
    proc = run([sys.executable, '-c', ONE_DEVICE], env=emulator, timeout=600)
    assert proc.returncode == 0 and proc.stdout.strip() == 'ok', proc.stdout + proc.stderr
