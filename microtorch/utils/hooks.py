"""`RemovableHandle`, what every register_*_hook of nn.Module returns, as PyTorch's
torch.utils.hooks.RemovableHandle."""


class RemovableHandle:
    """A registered hook's handle: `id` is its key in `hooks_dict` (one sequence for every
    handle, `RemovableHandle.next_id` the next); remove() deletes it from there and from
    `extra_dict` (a dict or set, or a list of them: where a hook is marked, e.g. as called
    with kwargs). A `with` block removes the hook at its end.

    Unlike PyTorch's, the handle holds its dicts strongly (microtorch's hook dicts are plain
    dicts, which weak references cannot point at): a handle keeps them alive, not the hooks'
    owner."""

    next_id = 0

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict = hooks_dict
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        if extra_dict is None:
            extra_dict = ()
        elif isinstance(extra_dict, (dict, set)):
            extra_dict = (extra_dict,)
        self.extra_dict = tuple(extra_dict)

    def remove(self):
        self.hooks_dict.pop(self.id, None)
        for marks in self.extra_dict:
            if isinstance(marks, dict):
                marks.pop(self.id, None)
            else:
                marks.discard(self.id)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
