"""One-element float32 expressions worked in Python floats, to the bits of float32 arithmetic.

Where a one-element expression would take NumPy float32 scalars (each `np.float32(x)` ~220
ns), Python floats rounded to float32 after each operation (`round32`, ~120 ns) cost less.
(In place of a single ufunc call on a one-element array this gains nothing: on this
project's machines the call costs ~320-600 ns, and `empty` + `fill` of the new array ~300.)

Why the bits agree: Python floats are float64. A product of two float32 values is exact in
float64 (48 <= 53 bits), so rounding it to float32 once rounds as a float32 multiply does. A
float32 sum, difference or quotient rounded to float64 and then to float32 also rounds
correctly: float64 has more than 2 * 24 + 2 bits, which makes that double rounding innocuous
(Figueroa, "When is double rounding innocuous?", 1995).
"""
import math
import struct

_pack, _unpack = struct.Struct('f').pack, struct.Struct('f').unpack


def round32(x):
    """x rounded to float32, as a Python float (C's cast: beyond the range, infinity)."""
    try:
        return _unpack(_pack(x))[0]
    except OverflowError:
        return math.copysign(math.inf, x)

