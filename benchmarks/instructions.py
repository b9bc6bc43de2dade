"""Instructions per step of the tiny workloads, counted by callgrind: a before/after measure that
does not drift with a shared machine's speed (timings here drift by up to 1.6x; with the
default 3000 steps these counts repeat within about 2%: two processes' start-ups differ by up to
15M instructions, which 500 steps would spread as 30K a step).

    python benchmarks/instructions.py [--workloads scalar_sgd_step,elementwise_chain]
                                      [--steps 3000]

Each workload of benchmarks/overhead.py runs in two processes under valgrind, one doing 200
steps after a warm-up and one doing 200 + `steps`; the difference over `steps` is what one step
costs, without start-up and import. Run it at two commits (a `git worktree` of the older one on
PYTHONPATH) to compare them. Needs valgrind (Debian's package) and, to turn address layout
randomisation off, setarch.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

_CHILD = '''
import gc, sys
sys.path.insert(0, {here!r})
import microtorch, overhead
step = getattr(overhead, {workload!r})(microtorch)
for _ in range(300):
    step()
gc.collect()
gc.disable()                      # a collection's place in the run would move the count
for _ in range({steps}):
    step()
'''


def count(workload, steps):
    """Instructions callgrind collects for a process that runs `steps` steps."""
    code = _CHILD.format(here=HERE, workload=workload, steps=steps)
    command = ['valgrind', '--tool=callgrind', '--callgrind-out-file=/dev/null',
               sys.executable, '-c', code]
    if shutil.which('setarch'):
        command = ['setarch', '-R'] + command
    env = dict(os.environ, PYTHONHASHSEED='0')
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True,
                         cwd=HERE)          # not the checkout: PYTHONPATH picks microtorch
    return int(re.search(r'Collected : (\d+)', out.stderr).group(1))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--workloads', default='scalar_sgd_step,elementwise_chain')
    parser.add_argument('--steps', type=int, default=3000)
    args = parser.parse_args(argv)
    if shutil.which('valgrind') is None:
        sys.exit('valgrind is not installed (apt-get install valgrind)')
    print('| workload | instructions per step |')
    print('|---|---|')
    result = {}
    for workload in args.workloads.split(','):
        per_step = (count(workload, 200 + args.steps) - count(workload, 200)) // args.steps
        print(f'| {workload} | {per_step:,} |')
        result[workload] = per_step
    return result


if __name__ == '__main__':
    main()
