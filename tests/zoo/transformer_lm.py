"""A tiny Transformer encoder (nn.TransformerEncoderLayer with batch_first, stacked by
nn.TransformerEncoder; token and positional embeddings; a causal mask from
nn.Transformer.generate_square_subsequent_mask) trained as a next-token model on arithmetic
progressions mod 11, with AdamW and a LambdaLR warm-up or a OneCycleLR schedule."""

VOCABULARY, LENGTH = 11, 8


def make_batch(torch, count):
    """Rows start, start + step, start + 2 step, ... (mod 11)."""
    starts = torch.randint(0, VOCABULARY, (count, 1))
    steps = torch.randint(1, 4, (count, 1))
    return (starts + steps * torch.arange(LENGTH + 1)) % VOCABULARY


def train(torch, schedule='lambda', dtype='float32', steps=10, seed=0):
    nn = torch.nn
    dtype = getattr(torch, dtype)
    torch.manual_seed(seed)
    width = 16
    tokens = nn.Embedding(VOCABULARY, width, dtype=dtype)
    positions = nn.Embedding(LENGTH, width, dtype=dtype)
    layer = nn.TransformerEncoderLayer(width, nhead=2, dim_feedforward=32, dropout=0.1,
                                       batch_first=True, dtype=dtype)
    encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
    head = nn.Linear(width, VOCABULARY, dtype=dtype)
    model = nn.ModuleList([tokens, positions, encoder, head])
    mask = nn.Transformer.generate_square_subsequent_mask(LENGTH, dtype=dtype)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.05)
    if schedule == 'lambda':
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: min(1.0, (step + 1) / 4))
    else:
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1e-2,
                                                        total_steps=steps)

    def forward(rows):
        x = tokens(rows) + positions(torch.arange(rows.shape[1]))
        return head(encoder(x, mask=mask, is_causal=True))

    losses, rates = [], []
    model.train()
    for _ in range(steps):
        rows = make_batch(torch, 8)
        logits = forward(rows[:, :-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, VOCABULARY),
                                           rows[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
        rates.append(scheduler.get_last_lr()[0])
    model.eval()
    with torch.no_grad():
        rows = make_batch(torch, 16)
        logits = forward(rows[:, :-1])
        losses.append(nn.functional.cross_entropy(logits.reshape(-1, VOCABULARY),
                                                  rows[:, 1:].reshape(-1)).item())
    return losses, {'learning rates': torch.tensor(rates, dtype=torch.float64),
                    'betas': torch.tensor(optimizer.param_groups[0]['betas']),
                    'layers.1.self_attn.in_proj_weight':
                        encoder.layers[1].self_attn.in_proj_weight,
                    'layers.0.linear2.weight': encoder.layers[0].linear2.weight,
                    'layers.1.norm2.weight': encoder.layers[1].norm2.weight,
                    'positions': positions.weight, 'eval logits': logits}
