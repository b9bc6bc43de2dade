"""A regression MLP (Linear, LayerNorm, GELU, Dropout) on a synthetic target, with Adam,
ReduceLROnPlateau on the validation loss, and early stopping that keeps the best
state_dict and loads it back at the end."""

import copy


def make_data(torch, count, dtype):
    x = torch.rand(count, 5, dtype=dtype) * 4 - 2
    y = torch.sin(x[:, :1]) + x[:, 1:2] * x[:, 2:3] - 0.5 * x[:, 3:4] ** 2
    return x, y + 0.05 * torch.randn(count, 1, dtype=dtype)


def train(torch, dtype='float32', epochs=30, seed=0):
    nn = torch.nn
    dtype = getattr(torch, dtype)
    torch.manual_seed(seed)
    x, y = make_data(torch, 96, dtype)
    x_valid, y_valid = make_data(torch, 48, dtype)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=32,
                                         shuffle=True)
    model = nn.Sequential(nn.Linear(5, 32), nn.LayerNorm(32), nn.GELU(), nn.Dropout(0.1),
                          nn.Linear(32, 32), nn.LayerNorm(32), nn.GELU(approximate='tanh'),
                          nn.Linear(32, 1)).to(dtype)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
    best, best_state, waited, patience = float('inf'), None, 0, 3
    losses, validation, rates = [], [], []
    for _ in range(epochs):
        model.train()
        for inputs, targets in loader:
            loss = nn.functional.mse_loss(model(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        with torch.no_grad():
            valid_loss = nn.functional.mse_loss(model(x_valid), y_valid).item()
        validation.append(valid_loss)
        scheduler.step(valid_loss)
        rates.append(optimizer.param_groups[0]['lr'])
        if valid_loss < best - 1e-4:
            best, best_state, waited = valid_loss, copy.deepcopy(model.state_dict()), 0
        else:
            waited += 1
            if waited >= patience:
                break
    model.load_state_dict(best_state)
    with torch.no_grad():
        predictions = model(x_valid)
    return losses + validation, {
        'epochs run': torch.tensor(len(validation)),
        'learning rates': torch.tensor(rates, dtype=torch.float64),
        'norm.weight': model[1].weight, 'layer 4.weight': model[4].weight,
        'predictions': predictions}
