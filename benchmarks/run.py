"""Device throughput of microtorch: per-op kernel bandwidth, matmul, training steps of the
example regressors and host overhead, on the CPU and (when present) the GPU.

    python benchmarks/run.py [--device cpu|cuda|all] [--quick] [--json PATH]
                             [--compare-torch] [--out FOLDER]

Prints markdown tables, writes the JSON and PNG plots under FOLDER (default
benchmarks/results/<device>-<date>/). --quick finishes in under a minute on a 2-core CPU.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402

import plots  # noqa: E402
import suites  # noqa: E402
import telemetry  # noqa: E402


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='all', choices=['cpu', 'cuda', 'all'])
    parser.add_argument('--quick', action='store_true', help='small sizes, few repeats')
    parser.add_argument('--json', default=None, help='where to write the results as JSON')
    parser.add_argument('--compare-torch', action='store_true',
                        help='measure PyTorch in the same run (when installed)')
    parser.add_argument('--out', default=None, help='folder for the JSON and the plots')
    parser.add_argument('--sections', default='copy,ops,matmul,training,overhead',
                        help='comma-separated subset of: copy,ops,matmul,training,overhead')
    return parser.parse_args(argv)


def devices_for(choice):
    import microtorch
    if choice == 'cpu':
        return ['cpu']
    if not microtorch.cuda.is_available():
        if choice == 'cuda':
            raise SystemExit(f'no CUDA: {microtorch.cuda.unavailable_reason()}')
        return ['cpu']
    return ['cpu', 'cuda'] if choice == 'all' else ['cuda']


def commit():
    """The checkout's commit; MICROTORCH_COMMIT where there is no git history (the GPU machine
    gets a copy of the working tree without .git)."""
    try:
        return subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=HERE, text=True,
                              capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return os.environ.get('MICROTORCH_COMMIT', 'unknown')


def load_torch(wanted):
    if not wanted:
        return None
    try:
        import torch
    except ImportError:
        print('PyTorch is not installed: no comparison')
        return None
    return torch


def run_device(device, args, torch):
    from microtorch import backends
    bk = backends.for_device(device)
    rng = np.random.default_rng(0)
    sections = set(args.sections.split(','))
    data = {}
    sampler = telemetry.GpuSampler().start() if device == 'cuda' else None
    data['telemetry'] = (sampler.static_info() if sampler else telemetry.cpu_info())
    copy = suites.copy_bandwidth(bk, device, args.quick, rng)
    data['copy'] = copy
    if 'ops' in sections:
        data['ops'] = suites.kernel_throughput(bk, device, args.quick, rng, copy)
    if 'matmul' in sections:
        data['matmul'] = suites.matmul_throughput(bk, device, args.quick, rng, torch)
    if 'training' in sections:
        data['training'] = suites.training_throughput(device, args.quick, torch)
    if 'overhead' in sections:
        data['overhead'] = suites.host_overhead(device, args.quick, torch)
    if sampler:
        data['telemetry']['during_run'] = sampler.stop()
    return data


def markdown(results):
    lines = []
    for device, data in results['devices'].items():
        lines.append(f'## {device}: {_describe(data["telemetry"])}\n')
        largest = max(r['size'] for r in data['copy'])
        copy = next(r for r in data['copy'] if r['size'] == largest)
        lines.append(f'Copy at {largest} float32 elements: {copy["gbps"]:.1f} GB/s\n')
        if data.get('ops'):
            lines.append(f'| kernel | GB/s at {largest} | fraction of copy |')
            lines.append('|---|---|---|')
            for r in data['ops']:
                if r['size'] == largest:
                    lines.append(f'| {r["op"]}_{r["direction"]} | {r["gbps"]:.1f} | '
                                 f'{r["fraction_of_copy"]:.2f} |')
            lines.append('')
        if data.get('matmul'):
            lines.append('| matmul m,k,n | GFLOP/s | PyTorch GFLOP/s | ratio |')
            lines.append('|---|---|---|---|')
            for r in data['matmul']:
                lines.append(f'| {r["shape"]} | {r["gflops"]:.1f} | '
                             f'{_opt(r, "torch_gflops")} | {_opt(r, "ratio_to_torch", 2)} |')
            lines.append('')
        if data.get('training'):
            lines.append('| example | batch | samples/s | PyTorch samples/s | ratio |')
            lines.append('|---|---|---|---|---|')
            for r in data['training']:
                lines.append(f'| {r["example"]} | {r["batch"]} | {r["samples_per_s"]:.0f} | '
                             f'{_opt(r, "torch_samples_per_s", 0)} | '
                             f'{_opt(r, "ratio_to_torch", 2)} |')
            lines.append('')
        if data.get('overhead'):
            lines.append('| op (1x1) | forward us | backward us | PyTorch fwd+bwd us | ratio |')
            lines.append('|---|---|---|---|---|')
            for r in data['overhead']:
                theirs = (f'{r["torch_forward_us"] + r["torch_backward_us"]:.1f}'
                          if 'torch_forward_us' in r else 'n/a')
                lines.append(f'| {r["op"]} | {r["forward_us"]:.1f} | {r["backward_us"]:.1f} | '
                             f'{theirs} | {_opt(r, "ratio_to_torch", 2)} |')
            lines.append('')
    if results.get('crossover'):
        c = results['crossover']
        lines.append(f'CPU/GPU crossover batch (MLP regressor): {c["crossover_batch"]}\n')
    return '\n'.join(lines)


def _describe(info):
    if 'name' in info:
        return f'{info["name"]} (driver {info.get("driver")})'
    return f'{info.get("processor")}, {info.get("cores")} cores, BLAS {info.get("blas")}'


def _opt(row, key, digits=1):
    return f'{row[key]:.{digits}f}' if key in row else 'n/a'


def main(argv=None):
    args = parse_args(argv)
    devices = devices_for(args.device)
    torch = load_torch(args.compare_torch)
    results = {'meta': {'date': datetime.date.today().isoformat(), 'commit': commit(),
                        'quick': args.quick, 'devices': devices},
               'devices': {}}
    for device in devices:
        results['devices'][device] = run_device(device, args, torch)
    if 'cuda' in devices and 'cpu' in devices and 'training' in args.sections:
        results['crossover'] = suites.crossover_batch(args.quick)
    name = f'{"-".join(devices)}-{results["meta"]["date"]}' + ('-quick' if args.quick else '')
    out = args.out or os.path.join(HERE, 'results', name)
    os.makedirs(out, exist_ok=True)
    json_path = args.json or os.path.join(out, 'results.json')
    with open(json_path, 'w') as f:
        json.dump(results, f, indent=1)
    table = markdown(results)
    with open(os.path.join(out, 'summary.md'), 'w') as f:
        f.write(table + '\n')
    results['plots'] = plots.throughput_plots(results, out)
    print(table)
    print(f'results: {json_path}')
    return results


if __name__ == '__main__':
    main()
