"""Where a warning should point: the user's line, whatever microtorch frames lie between."""
import os
import sys

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def user_stacklevel():
    """The `stacklevel` for warnings.warn, called in the function that calls this, that names
    the first frame outside microtorch. Counting frames by hand breaks as soon as a wrapper
    (autocast's, grad_fn_named's, a module's __call__) comes between."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level
