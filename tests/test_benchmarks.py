"""Every benchmark runs in a tiny configuration on the CPU; the JSON has the documented shape
and every figure in it is finite and positive. (Speed itself is never asserted here.)"""
import json
import math
import os
import shutil
import statistics
import subprocess
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'benchmarks'))

import cpu_speed  # noqa: E402
import kernel_inputs  # noqa: E402
import numba_crossover  # noqa: E402
import run  # noqa: E402
import suites  # noqa: E402


@pytest.fixture(autouse=True)
def _torch_threads_restored():
    """cpu_speed.main runs in-process here and sets PyTorch's thread count; later tests
    compare sums that PyTorch splits by it (tests/test_exact_*.py): put the count back."""
    try:
        import torch
    except ImportError:
        yield
        return
    saved = torch.get_num_threads()
    yield
    torch.set_num_threads(saved)


@pytest.fixture
def tiny(monkeypatch):
    monkeypatch.setattr(suites, 'sizes', lambda quick: [1024, 4096])
    monkeypatch.setattr(suites, 'MATMUL_SHAPES_QUICK', [(8, 8, 8), (64, 4, 4)])


def numbers(value):
    """Every number in a JSON tree (booleans aside)."""
    if isinstance(value, dict):
        for v in value.values():
            yield from numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from numbers(v)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield value


def check_schema(results, with_torch):
    assert set(results) >= {'meta', 'devices'}
    assert results['meta']['devices'] == ['cpu']
    cpu = results['devices']['cpu']
    assert set(cpu) == {'telemetry', 'copy', 'ops', 'matmul', 'training', 'overhead'}
    assert cpu['telemetry']['cores'] >= 1
    assert {r['size'] for r in cpu['copy']} == {1024, 4096}
    ops = {(r['op'], r['direction']) for r in cpu['ops']}
    assert ops == {kernel_inputs.split_name(name) for name in kernel_inputs.PRIMITIVES}
    for r in cpu['ops']:
        assert set(r) == {'op', 'family', 'direction', 'dtype', 'size', 'seconds', 'gbps',
                          'bytes_per_element', 'fraction_of_copy'}
    assert {r['example'] for r in cpu['training']} == set(suites.EXAMPLES)
    assert {r['op'] for r in cpu['overhead']} == set(suites.OVERHEAD_OPS)
    if with_torch:
        assert all('torch_gflops' in r for r in cpu['matmul'])
        assert all('torch_samples_per_s' in r for r in cpu['training'])
        assert all('torch_forward_us' in r for r in cpu['overhead'])
    for value in numbers(cpu):
        assert math.isfinite(value) and value > 0, value


def test_quick_run_writes_json_table_and_plots(tiny, tmp_path, capsys):
    results = run.main(['--device', 'cpu', '--quick', '--out', str(tmp_path)])
    with open(tmp_path / 'results.json') as f:
        check_schema(json.load(f), with_torch=False)
    out = capsys.readouterr().out
    assert '| kernel | GB/s at 4096 | fraction of copy |' in out
    assert (tmp_path / 'summary.md').exists()
    assert results['plots'] and all(os.path.getsize(p) > 1000 for p in results['plots'])


def test_compare_torch(tiny, tmp_path, torch):
    run.main(['--device', 'cpu', '--quick', '--compare-torch', '--out', str(tmp_path),
              '--json', str(tmp_path / 'r.json')])
    with open(tmp_path / 'r.json') as f:
        check_schema(json.load(f), with_torch=True)


def test_cuda_without_gpu_says_why():
    import microtorch
    if microtorch.cuda.is_available():
        pytest.skip('a GPU is present')
    with pytest.raises(SystemExit, match='no CUDA'):
        run.main(['--device', 'cuda', '--quick'])


# ---- cpu_speed.py and numba_crossover.py: function-level runs in their tiniest sizes -------

TINY_CPU = {'chain_n': 1024, 'kernel_n': 4096, 'small_mlp': (16, 8), 'big_mlp': (16, 8, 16),
            'matmul': 16, 'repeats': 1, 'repeat_s': 0.001, 'import_runs': 1,
            'kernels': ['sigmoid_forward', 'sigmoid_backward', 'mul_forward',
                        'maximum_backward', 'sum_forward', 'softmax_forward', 'adam_step'],
            'compile': 1, 'compile_n': 4096}     # one kernel: a cold compile takes seconds


def positive_figures(tree):
    for value in numbers(tree):
        assert math.isfinite(value) and value > 0, value


def cpu_speed_run(monkeypatch, tmp_path, sections, torch_too):
    monkeypatch.setattr(cpu_speed, 'QUICK', TINY_CPU)
    argv = ['--quick', '--out', str(tmp_path), '--sections', sections]
    results = cpu_speed.main(argv + ([] if torch_too else ['--no-torch']))
    with open(tmp_path / 'results.json') as f:
        saved = json.load(f)
    assert set(saved) == {'meta', 'targets'} | set(sections.split(','))
    assert {'processor', 'cores', 'threads', 'numpy', 'commit', 'date'} <= set(saved['meta'])
    assert (tmp_path / 'summary.md').read_text().startswith('# microtorch vs PyTorch')
    for section in sections.split(','):
        positive_figures(saved[section])
    return results, saved


def test_cpu_speed_workloads_and_kernels(monkeypatch, tmp_path):
    _, saved = cpu_speed_run(monkeypatch, tmp_path, 'workloads,kernels', torch_too=False)
    names = [w[0] for w in cpu_speed._workloads(TINY_CPU)]
    assert [r['workload'] for r in saved['workloads']] == names
    for r in saved['workloads']:
        assert 'microtorch_s' in r or 'error' in r, r      # a missing kernel shows as error
    kernels = saved['kernels']
    if 'skipped' in kernels:                              # no Numba here
        return
    assert set(kernels['copy']) == {'numba_prange_copy', 'numba_prange_copy_new', 'np.copyto'}
    for r in kernels['rows']:
        assert r['kernel'] in TINY_CPU['kernels']
        timed = {'kernel', 'shape', 'bytes', 'seconds', 'gbps', 'copy', 'copy_gbps',
                 'fraction_of_copy', 'met'}
        if 'gbps' not in r:
            assert set(r) == {'kernel', 'shape', 'error'}
        elif r.get('route') == 'exact':                 # float32: PyTorch's order, timed
            assert set(r) == timed | {'route'}
        else:
            assert set(r) == timed | {'numpy_seconds', 'numpy_gbps', 'speedup_over_numpy'}
    routes = {r['kernel']: r.get('route') for r in kernels['rows']}
    assert routes['sum_forward'] == routes['softmax_forward'] == 'exact'
    assert routes['mul_forward'] is None


def test_cpu_speed_runs_only_the_workloads_asked_for(monkeypatch, tmp_path):
    monkeypatch.setattr(cpu_speed, 'QUICK', TINY_CPU)
    argv = ['--quick', '--out', str(tmp_path), '--sections', 'workloads', '--no-torch',
            '--rounds', '2', '--workloads', 'elementwise_chain,fused_chain']
    rows = cpu_speed.main(argv)['workloads']
    names = [w[0] for w in cpu_speed._workloads(TINY_CPU)]
    assert [r['workload'] for r in rows] == [names[1], names[3], names[4]]
    assert [len(r['microtorch_rounds_s']) for r in rows] == [2, 2, 2]
    assert rows[1]['numba_speedup'] > 0          # the Numba-off row still finds its pair
    with pytest.raises(SystemExit, match='unknown workloads: nope'):
        cpu_speed.main(['--quick', '--no-torch', '--workloads', 'nope'])


def test_cpu_speed_against_torch_and_import(monkeypatch, tmp_path, torch):
    _, saved = cpu_speed_run(monkeypatch, tmp_path, 'workloads,import', torch_too=True)
    for r in saved['workloads']:
        if 'error' not in r:
            assert r['ratio'] == pytest.approx(statistics.median(
                m / t for m, t in zip(r['microtorch_rounds_s'], r['torch_rounds_s'])))
    assert {'microtorch_s', 'torch_s', 'ratio', 'met'} <= set(saved['import'])


def test_cpu_speed_compile(monkeypatch, tmp_path):
    pytest.importorskip('numba')
    if all(isinstance(k, Exception) for k in cpu_speed.available_kernels().values()):
        pytest.skip('no Numba kernel module loads yet')
    _, saved = cpu_speed_run(monkeypatch, tmp_path, 'compile', torch_too=False)
    compiled = saved['compile']
    assert len(compiled['rows']) == 1
    assert compiled['cold_total_s'] >= compiled['numba_import_cold_s']


def test_kernel_args_bytes_match_the_documented_counts():
    rng = np.random.default_rng(0)
    expected = {'sigmoid_forward': 8, 'sigmoid_backward': 12, 'mul_forward': 12,
                'maximum_backward': 20, 'adam_step': 28, 'sgd_step': 20,
                'rmsprop_step': 36, 'adagrad_step': 20, 'cumsum_forward': 8, 'gelu_backward': 12,
                'adamax_step': 28, 'nadam_step': 28, 'radam_step': 28, 'adadelta_step': 28,
                'asgd_step': 20, 'rprop_step': 28, 'adafactor_step': 20}
    for name, per_element in expected.items():
        args, inplace = kernel_inputs.kernel_args(name, 1024, rng)
        out = cpu_speed.numpy_original(name)(*args)
        assert kernel_inputs.bytes_moved(args, inplace, out) == per_element * 1024, name


def test_the_kernel_benchmarks_time_every_primitive_pair_of_the_backends():
    """Every forward/backward primitive (and optimizer step) of the CPU and CUDA backends is
    timed by run.py and has arguments here, except linear_forward (run.py's matmul table)."""
    from microtorch.backends import cpu, cuda
    for backend in (cpu, cuda):
        names = {n for n in dir(backend)
                 if n.endswith(('_forward', '_backward', '_step')) and not n.startswith('_')}
        assert names - {'linear_forward'} == set(kernel_inputs.PRIMITIVES), backend.__name__
    rng = np.random.default_rng(0)
    for name in kernel_inputs.PRIMITIVES:
        args, inplace = kernel_inputs.kernel_args(name, 4096, rng)
        out = getattr(cpu, name)(*args)
        moved = kernel_inputs.bytes_moved(args, inplace, out)
        assert 4 * 4096 <= moved <= 40 * 4096, name        # between 1 and 10 floats a element
        assert kernel_inputs.family(name) in {'elementwise', 'binary', 'reduction', 'softmax',
                                              'indexing', 'loss', 'optim'}


def test_crossover_is_the_start_of_the_last_winning_run():
    rows = [{'size': s, 'kernel_s': k, 'numpy_s': 1.0}
            for s, k in [(1, 2.0), (2, 0.5), (4, 2.0), (8, 0.5), (16, 0.5)]]
    assert numba_crossover.crossover(rows) == 8
    assert numba_crossover.crossover(rows[:3]) is None


def test_numba_crossover_tiny(tmp_path):
    pytest.importorskip('numba')
    results = numba_crossover.main(['--min-exp', '8', '--max-exp', '9', '--repeats', '1',
                                    '--only', 'sigmoid_forward,sum_forward',
                                    '--out', str(tmp_path)])
    with open(tmp_path / 'results.json') as f:
        saved = json.load(f)
    assert saved['sizes'] == [256, 512]
    assert {p['primitive'] for p in saved['primitives']} == {'sigmoid_forward', 'sum_forward'}
    for p in saved['primitives']:
        assert 'rows' not in p or [r['size'] for r in p['rows']] == [256, 512]
    for family, f in saved['families'].items():
        assert f['current_min_size'] >= 0
        assert f['crossover'] is None or f['crossover'] in saved['sizes']
    positive_figures(saved['primitives'])
    assert (tmp_path / 'summary.md').exists() and results['families']


def test_numba_crossover_routed_tiny(tmp_path):
    """--routed: each primitive as ops call it, its family's size at 0 against at infinity;
    the sizes are left as they were."""
    pytest.importorskip('numba')
    from microtorch.backends import numba_dispatch
    sizes_before = dict(numba_dispatch.settings.min_size)
    results = numba_crossover.main(['--routed', '--rounds', '2', '--min-exp', '8',
                                    '--max-exp', '9', '--only', 'tanh_backward,softmax_forward',
                                    '--out', str(tmp_path)])
    assert numba_dispatch.settings.min_size == sizes_before
    assert results['routed'] and {p['primitive'] for p in results['primitives']} == {
        'tanh_backward', 'softmax_forward'}
    for p in results['primitives']:
        assert [r['size'] for r in p['rows']] == [256, 512]
        for r in p['rows']:
            assert r['speedup'] > 0 and r['kernel_s'] > 0 and r['baseline_s'] > 0
    assert 'from size 0 vs never' in (tmp_path / 'summary.md').read_text()


def test_tape_floor_computes_what_microtorch_computes():
    """The minimal tape is a floor only if it does the same arithmetic: the seed's worked
    example and the chain's gradient agree with microtorch's."""
    import microtorch
    import tape_floor as floor
    w = floor.Value(np.array(1.0, np.float32), requires_grad=True)
    loss = floor.square(floor.sub(floor.mul(floor.Value(np.array(1.0, np.float32)), w),
                                  floor.Value(np.array(2.0, np.float32))))
    floor.backward(loss)
    assert (float(loss.data), float(w.grad)) == (1.0, -2.0)

    x = floor.Value(np.array([0.5], np.float32), requires_grad=True)
    t = microtorch.tensor([0.5], requires_grad=True)
    y, u = x, t
    for _ in range(2):
        y = floor.sub(floor.tanh(floor.sigmoid(floor.add(floor.mul(y, 1.01), 0.1))), 0.2)
        u = (u * 1.01 + 0.1).sigmoid().tanh() - 0.2
    floor.backward(floor.total(y))
    u.sum().backward()
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-6)


def test_overhead_takes_turns_and_reports_the_rounds_ratios(tmp_path, capsys):
    import overhead
    calls = []
    times = overhead.interleaved_us({'a': lambda: calls.append('a'),
                                     'b': lambda: calls.append('b')}, steps=3, repeats=2)
    assert calls[6:] == list('aaabbb' + 'bbbaaa')     # after the warm-up, alternating turns
    assert [len(t) for t in times.values()] == [2, 2]
    summary = overhead.ratio_summary([2.0, 3.0, 4.0], [1.0, 1.0, 1.0])
    assert (summary['ratio'], summary['ratio_q1'], summary['ratio_q3']) == (3.0, 2.5, 3.5)

    out = tmp_path / 'overhead.json'
    results = overhead.main(['--repeats', '2', '--steps', '3', '--json', str(out)])
    saved = json.loads(out.read_text())
    assert set(saved['workloads']) == {w.__name__ for w in overhead.WORKLOADS}
    positive_figures(saved['workloads'])
    for row in results.values():
        assert len(row['microtorch_rounds_us']) == 2
    assert '| no_grad_op |' in capsys.readouterr().out


def test_vs_torch_takes_turns_between_the_libraries(torch, tmp_path, capsys):
    """One round of a cases file written with `L`: PyTorch's process and microtorch's."""
    import vs_torch
    cases = tmp_path / 'cases.py'
    cases.write_text("x = L.tensor(rng.standard_normal(64).astype(np.float32))\n"
                     "res['x * 2'] = t(lambda: x * 2, 50)\n")
    pairs = vs_torch.compare(1, cases.read_text(), threads=1)
    assert list(pairs) == ['x * 2'] and all(a > 0 and b > 0 for a, b in pairs['x * 2'])
    vs_torch.main(['1', str(cases)])
    assert capsys.readouterr().out.splitlines()[2].startswith('| x * 2 |')


def test_tree_ab_takes_turns_between_two_trees(tmp_path, capsys):
    """Two rounds of one tree against itself: each case timed in each tree's process, and a
    table of the medians and of the rounds' ratios."""
    import tree_ab
    root = os.path.join(os.path.dirname(__file__), '..')
    cases = tmp_path / 'cases.py'
    cases.write_text("x = mt.tensor(rng.standard_normal(64).astype(np.float32))\n"
                     "res['x * 2'] = t(lambda: x * 2, 50)\n")
    pairs = tree_ab.compare(root, root, 2, cases.read_text())
    assert list(pairs) == ['x * 2'] and len(pairs['x * 2']) == 2
    assert all(a > 0 and b > 0 for a, b in pairs['x * 2'])
    tree_ab.main([root, root, '1', str(cases)])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == '| case | A us | B us | B / A |' and lines[2].startswith('| x * 2 |')


def test_op_costs_times_rows_on_both_sides_and_compares(tmp_path, capsys):
    import op_costs
    out = tmp_path / 'op_costs.json'
    only = ['add/bcast', 'sum/all', 'relu']
    results = op_costs.main(['--only', *only, '--repeats', '1', '--numel', '5',
                             '--json', str(out)])
    saved = json.loads(out.read_text())
    assert [r['op'] for r in saved] == [r['op'] for r in results]
    assert {r['op'] for r in saved} <= set(only) and len(saved) >= 2
    positive_figures([r['microtorch_s'] for r in saved])
    op_costs.main(['--only', *only, '--repeats', '1', '--no-torch', '--baseline', str(out)])
    printed = capsys.readouterr().out
    assert 'Against the baseline, per op: median' in printed and '| add/bcast |' in printed


def test_tape_floor_runs(capsys):
    import tape_floor
    rows = tape_floor.main(['--repeats', '1', '--steps', '5'])
    assert set(rows) == {'scalar_sgd_step', 'elementwise_chain'}
    positive_figures([x for row in rows.values() for x in row if x is not None])
    assert '| elementwise_chain |' in capsys.readouterr().out


@pytest.mark.skipif(not shutil.which('valgrind'), reason='valgrind is not installed')
def test_instructions_counts_a_step(capsys):
    import instructions
    # Only the measured loop is counted: a few steps give a step's count
    counts = instructions.main(['--workloads', 'scalar_sgd_step', '--steps', '50'])
    assert set(counts) == {'scalar_sgd_step'}
    assert 50_000 < counts['scalar_sgd_step'] < 5_000_000     # a step is not free, nor huge
    assert '| scalar_sgd_step |' in capsys.readouterr().out


@pytest.mark.skipif(not shutil.which('bash') or not shutil.which('timeout'),
                    reason='needs bash and coreutils timeout')
@pytest.mark.parametrize('phase, steps', [('check', ['env', 'smoke', 'tests']),
                                          ('measure', ['bench-ops', 'bench-rest', 'memcheck',
                                                       'racecheck'])])
def test_gpu_session_runs_each_step_and_packs_the_outputs(tmp_path, phase, steps):
    """The GPU session's script, with a stand-in Python that only echoes its arguments: every
    step runs, reports its exit status in the log, and its output travels in the archive."""
    import tarfile
    fake = tmp_path / 'python'
    fake.write_text('#!/bin/sh\necho "python $*"\n')
    fake.chmod(0o755)
    out = tmp_path / 'out'
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, OUT=str(out), PYTHON=str(fake), MICROTORCH_COMMIT='abc1234')
    subprocess.run(['bash', 'benchmarks/gpu_session.sh', phase], cwd=root, env=env, check=True,
                   capture_output=True, timeout=120)
    log = (out / f'{phase}.log').read_text()
    assert log.startswith('commit abc1234')
    for step in steps:
        assert f'== {step}: exit ' in log
    with tarfile.open(out / f'{phase}.tar.gz') as archive:
        names = set(archive.getnames())
    assert {f'{phase}/{step}.txt' for step in steps} <= names
    if phase == 'measure':
        bench = (out / phase / 'bench-ops.txt').read_text()
        assert 'benchmarks/run.py --device cuda --compare-torch --sections ops' in bench

