"""`microtorch.backends.mkldnn`: oneDNN, which microtorch does not use."""
enabled = True


def is_available():
    return False
