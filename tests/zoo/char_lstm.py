"""A character-level language model (Embedding, a 2-layer LSTM with dropout between the
layers, Linear) on a short fixed text, with Adam and gradient clipping (clip_grad_norm_);
then, in eval(), a few characters sampled with torch.multinomial, carrying the state."""

TEXT = ('the quick brown fox jumps over the lazy dog; '
        'a lazy dog sleeps while the quick fox runs. ')


def train(torch, dtype='float32', steps=12, seed=0):
    nn = torch.nn
    dtype = getattr(torch, dtype)
    torch.manual_seed(seed)
    alphabet = sorted(set(TEXT))
    codes = torch.tensor([alphabet.index(c) for c in TEXT])
    # Built in the dtype asked for (factory keywords), so that float64 draws float64 normals
    embedding = nn.Embedding(len(alphabet), 8, dtype=dtype)
    lstm = nn.LSTM(8, 16, num_layers=2, dropout=0.2, batch_first=True, dtype=dtype)
    head = nn.Linear(16, len(alphabet), dtype=dtype)
    model = nn.ModuleList([embedding, lstm, head])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    window = 12
    losses, norms = [], []
    model.train()
    for _ in range(steps):
        starts = torch.randint(0, len(TEXT) - window - 1, (6,))
        offsets = starts[:, None] + torch.arange(window + 1)
        chunk = codes[offsets]
        output, _ = lstm(embedding(chunk[:, :-1]))
        logits = head(output)
        loss = nn.functional.cross_entropy(logits.reshape(-1, len(alphabet)),
                                           chunk[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        norms.append(nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0))
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    sampled, state = [codes[0].item()], None
    with torch.no_grad():
        for _ in range(10):
            output, state = lstm(embedding(torch.tensor([[sampled[-1]]])), state)
            probabilities = torch.softmax(head(output[0, -1]), dim=-1)
            sampled.append(torch.multinomial(probabilities, 1).item())
    return losses, {'gradient norms': torch.stack(norms), 'embedding': embedding.weight,
                    'lstm.weight_hh_l1': lstm.weight_hh_l1, 'lstm.bias_ih_l0': lstm.bias_ih_l0,
                    'head.weight': head.weight, 'final h': state[0], 'final c': state[1],
                    'sampled': torch.tensor(sampled)}
