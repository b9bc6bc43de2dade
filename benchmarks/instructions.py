"""Instructions per step of the tiny workloads, counted by callgrind: a before/after measure that
does not drift with a shared machine's speed (timings here drift by up to 1.6x).

    python benchmarks/instructions.py [--workloads scalar_sgd_step,elementwise_chain]
                                      [--steps 500]

Each workload of benchmarks/overhead.py runs in a process under valgrind: a warm-up, then
`steps` steps driven by `itertools.starmap`, and callgrind collects only inside the starmap
iterator's calls (`--toggle-collect=starmap_next`), so start-up and import, which differ by
tens of millions of instructions between two processes, are never counted. Runs of 300 and 600
steps agree within 0.02%. (The earlier method, the difference of two whole processes, moved
by 2-10% between runs: too much to judge a change of a few percent.) Run it at two commits (a
`git worktree` of the older one on PYTHONPATH) to compare them. Needs valgrind (Debian's
package) and, to turn address layout randomisation off, setarch.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

_CHILD = '''
import collections, gc, itertools, sys
sys.path.insert(0, {here!r})
import microtorch, overhead
step = getattr(overhead, {workload!r})(microtorch)
for _ in range(300):
    step()
gc.collect()
gc.disable()                      # a collection's place in the run would move the count
collections.deque(itertools.starmap(step, itertools.repeat((), {steps})), maxlen=0)
'''


def count(workload, steps):
    """Instructions callgrind collects inside `steps` steps (the starmap loop only)."""
    code = _CHILD.format(here=HERE, workload=workload, steps=steps)
    command = ['valgrind', '--tool=callgrind', '--toggle-collect=starmap_next',
               '--callgrind-out-file=/dev/null', sys.executable, '-c', code]
    if shutil.which('setarch'):
        command = ['setarch', '-R'] + command
    env = dict(os.environ, PYTHONHASHSEED='0')
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True,
                         cwd=HERE)          # not the checkout: PYTHONPATH picks microtorch
    return int(re.search(r'Collected : (\d+)', out.stderr).group(1))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--workloads', default='scalar_sgd_step,elementwise_chain')
    parser.add_argument('--steps', type=int, default=500)
    args = parser.parse_args(argv)
    if shutil.which('valgrind') is None:
        sys.exit('valgrind is not installed (apt-get install valgrind)')
    print('| workload | instructions per step |')
    print('|---|---|')
    result = {}
    for workload in args.workloads.split(','):
        per_step = count(workload, args.steps) // args.steps
        print(f'| {workload} | {per_step:,} |')
        result[workload] = per_step
    return result


if __name__ == '__main__':
    main()
