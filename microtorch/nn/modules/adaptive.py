"""`AdaptiveLogSoftmaxWithLoss`: a softmax over many classes as a head over the frequent ones
and one cluster per rarer band, each cluster a smaller two-layer projection (Grave et al.,
"Efficient softmax approximation for GPUs")."""
from collections import namedtuple

from ...ops.functional import cat
from .. import functional as F
from .container import ModuleList, Sequential
from .linear import Linear
from .module import Module

_ASMoutput = namedtuple('_ASMoutput', ['output', 'loss'])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Classes below cutoffs[0] (the shortlist) are scored by the head, which also scores
    one entry per cluster; class c in cluster i gets log p(cluster i) + log p(c | cluster i),
    the latter from the cluster's projection (in_features -> in_features // div_value^(i+1)
    -> the cluster's size). forward gives each target's log-probability and their mean
    negative."""

    def __init__(self, in_features, n_classes, cutoffs, div_value=4.0, head_bias=False,
                 device=None, dtype=None):
        super().__init__()
        cutoffs = list(cutoffs)
        if not cutoffs:
            raise ValueError('cutoffs should be a sequence of length larger than 0')
        increasing = all(a < b for a, b in zip(cutoffs, cutoffs[1:]))
        if not increasing or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1 or \
                any(int(c) != c for c in cutoffs):
            raise ValueError('cutoffs should be a sequence of unique, positive integers sorted '
                             'in an increasing order, where each value is between 1 and '
                             'n_classes-1')
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value, self.head_bias = div_value, head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, device=device,
                           dtype=dtype)
        bands = zip(self.cutoffs, self.cutoffs[1:])
        self.tail = ModuleList([
            Sequential(Linear(in_features, int(in_features // div_value ** (i + 1)),
                              bias=False, device=device, dtype=dtype),
                       Linear(int(in_features // div_value ** (i + 1)), high - low,
                              bias=False, device=device, dtype=dtype))
            for i, (low, high) in enumerate(bands)])

    def reset_parameters(self):
        self.head.reset_parameters()
        for projection in self.tail:
            for layer in projection:
                layer.reset_parameters()

    def forward(self, input_, target_):
        if target_.ndim == 1:
            if input_.shape[0] != target_.shape[0]:
                raise RuntimeError('Input and target should have the same size in the batch '
                                   'dimension.')
            if input_.ndim != 2:
                raise RuntimeError('1D target tensor expects 2D input tensors, but found inputs '
                                   f'with size {input_.shape}')
        elif target_.ndim == 0:
            if input_.ndim != 1:
                raise RuntimeError('0D target tensor expects 1D input tensors, but found inputs '
                                   f'with size {input_.shape}')
        else:
            raise RuntimeError('0D or 1D target tensor expected, multi-target not supported')
        batched = target_.ndim > 0
        input = input_ if batched else input_.unsqueeze(0)
        target = target_ if batched else target_.unsqueeze(0)
        if target.numel():
            low, high = int(target.min()), int(target.max())
            if low < 0 or high >= self.n_classes:
                raise RuntimeError(f'Target values should be in [0, {self.n_classes - 1}], but '
                                   f'values in range [{low}, {high}] were found. ')
        # per row: log p(c | its cluster) for clustered targets (0 in the shortlist), and the
        # head's column to add: the class itself, or its cluster's entry
        within = input.new_zeros(target.shape[0])
        column = target
        for i, (low, high) in enumerate(zip(self.cutoffs, self.cutoffs[1:])):
            rows = ((target >= low) & (target < high)).nonzero().reshape(-1)
            if rows.numel() == 0:
                continue
            scores = F.log_softmax(self.tail[i](input.index_select(0, rows)), dim=1)
            picked = scores.gather(1, (target.index_select(0, rows) - low).unsqueeze(1))
            within = within.index_copy(0, rows, picked.squeeze(1))
            column = column.index_fill(0, rows, self.shortlist_size + i)
        head = F.log_softmax(self.head(input), dim=1)
        output = within + head.gather(1, column.unsqueeze(1)).squeeze(1)
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _full_log_prob(self, input, head_output):
        """log p(c) for every class: the head's shortlist columns, then each cluster's
        log-probabilities plus its entry in the head."""
        head = F.log_softmax(head_output, dim=1)
        pieces = [head[:, :self.shortlist_size]]
        for i, projection in enumerate(self.tail):
            entry = head[:, self.shortlist_size + i].unsqueeze(1)
            pieces.append(F.log_softmax(projection(input), dim=1) + entry)
        return cat(pieces, 1)

    def log_prob(self, input):
        """(N, n_classes): the log-probability of every class."""
        return self._full_log_prob(input, self.head(input))

    def predict(self, input):
        """The likeliest class of each row: the head's argmax where it is a shortlist class,
        else the argmax over the full distribution."""
        head_output = self.head(input)
        output = head_output.argmax(dim=1)
        clustered = output >= self.shortlist_size
        if not bool(clustered.any()):
            return output
        if bool(clustered.all()):
            return self._full_log_prob(input, head_output).argmax(dim=1)
        full = self._full_log_prob(input[clustered], head_output[clustered])
        output = output.clone()
        output[clustered] = full.argmax(dim=1)
        return output
