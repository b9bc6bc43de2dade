"""Instructions per execution of each statement, counted by callgrind (noise-free).

    TREE=/path/to/checkout python icount.py SETUP STMT [STMT...]

SETUP runs once; each STMT runs 300 times to warm up, then 300 times inside
itertools.starmap, and callgrind counts only inside starmap's calls (as
benchmarks/instructions.py does for the overhead workloads). TREE (default /work/main) is the
checkout put on PYTHONPATH; benchmarks/ of /work/main is on sys.path for overhead.py.
"""
import os
import re
import subprocess
import sys

N = 300
CHILD = '''
import collections, gc, itertools, sys
sys.path.insert(0, "/work/main/benchmarks")
{setup}
def _f():
    {stmt}
for _ in range({n}): _f()
gc.collect(); gc.disable()
collections.deque(itertools.starmap(_f, itertools.repeat((), {n})), maxlen=0)
'''


def count(setup, stmt):
    code = CHILD.format(setup=setup, stmt=stmt, n=N)
    env = {'PYTHONHASHSEED': '0', 'PATH': '/usr/bin:/bin',
           'PYTHONPATH': os.environ.get('TREE', '/work/main')}
    out = subprocess.run(['setarch', '-R', 'valgrind', '--tool=callgrind',
                          '--toggle-collect=starmap_next', '--callgrind-out-file=/dev/null',
                          sys.executable, '-c', code],
                         capture_output=True, text=True, cwd='/work', env=env)
    found = re.search(r'Collected : (\d+)', out.stderr)
    return int(found.group(1)) // N if found else out.stderr[-3000:]


if __name__ == '__main__':
    for statement in sys.argv[2:]:
        n = count(sys.argv[1], statement)
        print(f'{statement:50s}', f'{n:>10,}' if isinstance(n, int) else n)
