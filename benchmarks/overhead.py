"""Host overhead on tiny tensors: microtorch against PyTorch (when installed), side by side.

    python benchmarks/overhead.py [--repeats 21] [--steps 500] [--json PATH]

The libraries take turns in one process: each round times `steps` steps of each (the order
alternating), and the ratio microtorch / PyTorch is taken within the round, so that both sides
of a ratio share the machine's speed of that moment (on the shared machines here it drifts by
1.5x over minutes, which swamps a ratio of two medians timed apart). Reported: the median
microseconds per step of each side, and the median and quartiles of the rounds' ratios. Tiny
tensors make this a measure of the Python dispatch path and the tape, not of arithmetic.
"""
import argparse
import json
import statistics
import time


def scalar_sgd_step(torch):
    """The seed tutorial's inner loop: one forward, backward and .data update."""
    w = torch.tensor([1.0], requires_grad=True)
    x, y = torch.tensor([2.0]), torch.tensor([4.0])

    def step():
        loss = (x * w - y) ** 2
        loss.backward()
        w.data = w.data - 0.01 * w.grad.data
        w.grad.data.zero_()
    return step


def elementwise_chain(torch):
    """Ten elementwise ops on a one-element tensor, then backward: per-op cost."""
    x = torch.tensor([0.5], requires_grad=True)

    def step():
        y = x
        for _ in range(2):
            y = (y * 1.01 + 0.1).sigmoid().tanh() - 0.2
        y = y.sum()
        y.backward()
        x.grad = None
    return step


def no_grad_op(torch):
    """One multiply under no_grad: the floor of the dispatch path."""
    x = torch.tensor([0.5])

    def step():
        with torch.no_grad():
            x * 2.0
    return step


WORKLOADS = [scalar_sgd_step, elementwise_chain, no_grad_op]


def interleaved_us(steps_by_name, steps, repeats):
    """Microseconds per step of each contender in each of `repeats` rounds. A round runs
    `steps` steps of every contender back to back, starting one later each round, so that
    each round's figures were taken at the same machine speed."""
    names = list(steps_by_name)
    for step in steps_by_name.values():       # warm-up: first calls allocate and cache
        for _ in range(min(steps, 200)):
            step()
    times = {name: [] for name in names}
    for r in range(repeats):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            step = steps_by_name[name]
            start = time.perf_counter()
            for _ in range(steps):
                step()
            times[name].append((time.perf_counter() - start) / steps * 1e6)
    return times


def ratio_summary(mine, theirs):
    """The median and quartiles of the rounds' ratios mine / theirs."""
    ratios = sorted(m / t for m, t in zip(mine, theirs))
    if len(ratios) < 2:
        return {'ratio': ratios[0], 'ratio_q1': ratios[0], 'ratio_q3': ratios[0]}
    q1, median, q3 = statistics.quantiles(ratios, n=4, method='inclusive')
    return {'ratio': median, 'ratio_q1': q1, 'ratio_q3': q3}


def parse_and_import(argv, description):
    """The command line (--repeats, --steps), microtorch, and PyTorch on one thread (None when
    it is not installed)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--repeats', type=int, default=21, help='rounds')
    parser.add_argument('--steps', type=int, default=500, help='steps per round and side')
    parser.add_argument('--json', default=None, help='also write the figures here')
    args = parser.parse_args(argv)
    import microtorch
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        torch = None
    return args, microtorch, torch


def main(argv=None):
    args, microtorch, torch = parse_and_import(argv, __doc__.splitlines()[0])
    print('| workload | microtorch us/step | PyTorch us/step | ratio | ratio q1-q3 |')
    print('|---|---|---|---|---|')
    results = {}
    for workload in WORKLOADS:
        contenders = {'microtorch': workload(microtorch)}
        if torch is not None:
            contenders['torch'] = workload(torch)
        times = interleaved_us(contenders, args.steps, args.repeats)
        row = results[workload.__name__] = {
            'microtorch_us': statistics.median(times['microtorch']),
            'microtorch_rounds_us': times['microtorch']}
        shown = ['n/a', 'n/a', 'n/a']
        if torch is not None:
            row.update(torch_us=statistics.median(times['torch']),
                       torch_rounds_us=times['torch'],
                       **ratio_summary(times['microtorch'], times['torch']))
            shown = [f'{row["torch_us"]:.1f}', f'{row["ratio"]:.2f}',
                     f'{row["ratio_q1"]:.2f}-{row["ratio_q3"]:.2f}']
        print(f'| {workload.__name__} | {row["microtorch_us"]:.1f} | ' + ' | '.join(shown) + ' |')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({'steps': args.steps, 'rounds': args.repeats, 'workloads': results}, f,
                      indent=1)
    return results


if __name__ == '__main__':
    main()
