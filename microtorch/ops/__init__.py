"""The ops: one `Function` class per op (or op family) and, in `functional.py`, the public
functions that check arguments and promote dtypes (see docs/design.md)."""
