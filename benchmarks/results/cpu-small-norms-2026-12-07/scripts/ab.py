"""fresh_norms.py for two trees in turns: python ab.py TREE_A TREE_B ROUNDS"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', '..'))
import tree_ab                              # noqa: E402  (benchmarks/tree_ab.py)

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fresh_norms.py')) as f:
    child = f.read()
print(tree_ab.table(tree_ab.in_turns(child, sys.argv[1], sys.argv[2], int(sys.argv[3]))))
