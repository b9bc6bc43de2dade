"""Every benchmark runs in a tiny configuration on the CPU; the JSON has the documented shape
and every figure in it is finite and positive. (Speed itself is never asserted here.)"""
import json
import math
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'benchmarks'))

import run  # noqa: E402
import suites  # noqa: E402


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
    assert ops == {(k.op, k.direction) for k in suites.KERNELS}
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
