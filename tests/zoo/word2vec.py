"""Skip-gram word2vec with negative sampling: centre and context nn.Embedding tables, the
negatives drawn with torch.multinomial from the unigram distribution to the 3/4 power,
logsigmoid scores, shuffled (centre, context) pairs from a DataLoader, SGD with a LambdaLR
linear decay."""

CORPUS = ('the cat sat on the mat . the dog sat on the log . a cat and a dog met on a mat . '
          'the dog chased the cat off the log . a bird sat on the dog').split()


def skip_gram_pairs(codes, window):
    pairs = []
    for i, centre in enumerate(codes):
        for j in range(max(0, i - window), min(len(codes), i + window + 1)):
            if j != i:
                pairs.append((centre, codes[j]))
    return pairs


def train(torch, dtype='float32', epochs=4, seed=0):
    nn = torch.nn
    F = nn.functional
    dtype = getattr(torch, dtype)
    torch.manual_seed(seed)
    words = sorted(set(CORPUS))
    codes = [words.index(w) for w in CORPUS]
    counts = torch.bincount(torch.tensor(codes), minlength=len(words)).to(dtype)
    noise = counts ** 0.75
    pairs = torch.tensor(skip_gram_pairs(codes, window=2))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(pairs[:, 0], pairs[:, 1]),
                                         batch_size=32, shuffle=True)
    size, negatives = 10, 5
    centres = nn.Embedding(len(words), size, dtype=dtype)
    contexts = nn.Embedding(len(words), size, dtype=dtype)
    nn.init.uniform_(centres.weight, -0.5 / size, 0.5 / size)
    nn.init.zeros_(contexts.weight)
    optimizer = torch.optim.SGD([centres.weight, contexts.weight], lr=2.5)
    total = epochs * len(loader)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1 - step / total)
    losses = []
    for _ in range(epochs):
        for centre, context in loader:
            sampled = torch.multinomial(noise, len(centre) * negatives, replacement=True)
            sampled = sampled.view(len(centre), negatives)
            c = centres(centre)                                          # (B, size)
            positive = (c * contexts(context)).sum(dim=1)
            negative = torch.bmm(contexts(sampled), c.unsqueeze(2)).squeeze(2)
            loss = -(F.logsigmoid(positive) + F.logsigmoid(-negative).sum(dim=1)).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())
    with torch.no_grad():
        unit = F.normalize(centres.weight, dim=1)
        similarity = unit @ unit.T
    return losses, {'centres': centres.weight, 'contexts': contexts.weight,
                    'similarity': similarity, 'last negatives': sampled,
                    'lr': torch.tensor(scheduler.get_last_lr())}
