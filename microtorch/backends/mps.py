"""`microtorch.backends.mps`: Apple's GPUs. microtorch has no Metal backend, so MPS is never
available, and device-picking code (`'mps' if torch.backends.mps.is_available() else 'cpu'`)
falls through to the next choice."""


def is_available():
    return False


def is_built():
    return False


def is_macos_or_newer(major, minor):
    return False
