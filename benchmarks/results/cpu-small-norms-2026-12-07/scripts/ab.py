"""fresh_norms.py for two trees in turns: python ab.py TREE_A TREE_B ROUNDS"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', '..'))
import tree_ab                              # noqa: E402  (benchmarks/tree_ab.py)

with open(os.path.join(HERE, 'fresh_norms.py')) as f:
    child = f'CASES_DIR = {HERE!r}\n' + f.read()       # (the child runs with -c: no __file__)
print(tree_ab.table(tree_ab.in_turns(child, sys.argv[1], sys.argv[2], int(sys.argv[3]))))
