"""A GRU sequence classifier on variable-length sequences: padded batches packed with
pack_padded_sequence (unsorted lengths), a bidirectional GRU, the outputs unpacked with
pad_packed_sequence and mean-pooled over each sequence's own length, then Linear; RMSprop."""


def make_sequences(torch, count, dtype):
    """Sequences of 2 to 9 steps of 3 features; the label says whether the first feature's
    sum is positive."""
    lengths = torch.randint(2, 10, (count,))
    padded = torch.zeros(count, 9, 3, dtype=dtype)
    for row, length in enumerate(lengths.tolist()):
        padded[row, :length] = torch.rand(length, 3, dtype=dtype) * 2 - 1
    labels = (padded[:, :, 0].sum(dim=1) > 0).long()
    return padded, lengths, labels


def train(torch, dtype='float32', steps=10, seed=0):
    nn = torch.nn
    rnn_utils = nn.utils.rnn
    dtype = getattr(torch, dtype)
    torch.manual_seed(seed)
    padded, lengths, labels = make_sequences(torch, 48, dtype)
    gru = nn.GRU(3, 8, batch_first=True, bidirectional=True).to(dtype)
    head = nn.Linear(2 * 8 + 2 * 8, 2).to(dtype)
    optimizer = torch.optim.RMSprop(list(gru.parameters()) + list(head.parameters()), lr=0.01)

    def forward(x, lengths):
        packed = rnn_utils.pack_padded_sequence(x, lengths, batch_first=True,
                                                enforce_sorted=False)
        output, last = gru(packed)
        output, output_lengths = rnn_utils.pad_packed_sequence(output, batch_first=True)
        pooled = output.sum(dim=1) / output_lengths[:, None].to(x.dtype)
        summary = torch.cat([last[0], last[1]], dim=1)       # both directions' last states
        return head(torch.cat([pooled, summary], dim=1))

    losses = []
    for _ in range(steps):
        batch = torch.randperm(48)[:16]
        loss = nn.functional.cross_entropy(forward(padded[batch], lengths[batch]),
                                           labels[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        logits = forward(padded, lengths)
    return losses, {'gru.weight_ih_l0_reverse': gru.weight_ih_l0_reverse,
                    'gru.bias_hh_l0': gru.bias_hh_l0, 'head.weight': head.weight,
                    'logits': logits}
