"""The library a timing script's process measures: PyTorch on two threads (this VM's cores,
microtorch's default), or microtorch (whichever one sys.path finds first)."""


def library(name):
    if name == 'torch':
        import torch
        torch.set_num_threads(2)
        return torch
    import microtorch
    return microtorch
