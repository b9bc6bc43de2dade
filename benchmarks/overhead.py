"""Host overhead on tiny tensors: microtorch against PyTorch (when installed), side by side.

    python benchmarks/overhead.py [--repeats 7] [--steps 2000]

Each workload runs `steps` times per repeat; the median of the repeats is reported in
microseconds per step, with the ratio microtorch / PyTorch. Tiny tensors make this a measure of
the Python dispatch path and the tape, not of arithmetic.
"""
import argparse
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


def median_us(step, steps, repeats):
    for _ in range(min(steps, 200)):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        times.append((time.perf_counter() - start) / steps * 1e6)
    return statistics.median(times)


def parse_and_import(argv, description):
    """The command line (--repeats, --steps), microtorch, and PyTorch on one thread (None when
    it is not installed)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--repeats', type=int, default=7)
    parser.add_argument('--steps', type=int, default=2000)
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
    print('| workload | microtorch us/step | PyTorch us/step | ratio |')
    print('|---|---|---|---|')
    results = {}
    for workload in WORKLOADS:
        mine = median_us(workload(microtorch), args.steps, args.repeats)
        theirs = median_us(workload(torch), args.steps, args.repeats) if torch else None
        ratio = f'{mine / theirs:.2f}' if theirs else 'n/a'
        shown = f'{theirs:.1f}' if theirs else 'n/a'
        print(f'| {workload.__name__} | {mine:.1f} | {shown} | {ratio} |')
        results[workload.__name__] = (mine, theirs)
    return results


if __name__ == '__main__':
    main()
