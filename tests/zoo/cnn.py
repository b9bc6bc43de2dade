"""A small CNN (Conv2d, BatchNorm2d, ReLU, MaxPool2d, Dropout, Linear) classifying synthetic
1x12x12 images by which horizontal band is bright, with CrossEntropyLoss and SGD with
momentum and weight decay; a train() phase with shuffled batches, then an eval() phase."""


def make_images(torch, count, dtype):
    """Noise plus one faint band of four rows; the band's index is the label."""
    labels = torch.randint(0, 3, (count,))
    bands = torch.zeros(3, 1, 12, 12, dtype=dtype)
    for label in range(3):
        bands[label, :, 4 * label:4 * label + 4, :] = 0.3
    images = torch.rand(count, 1, 12, 12, dtype=dtype) + bands[labels]
    return images, labels


def train(torch, dtype='float32', epochs=3, seed=0):
    nn = torch.nn
    dtype = getattr(torch, dtype)
    torch.manual_seed(seed)
    images, labels = make_images(torch, 64, dtype)
    test_images, test_labels = make_images(torch, 32, dtype)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels),
                                         batch_size=16, shuffle=True)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.25), nn.Linear(8 * 2 * 2, 3)).to(dtype)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    losses = []
    for _ in range(epochs):
        model.train()
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        with torch.no_grad():
            logits = model(test_images)
            losses.append(criterion(logits, test_labels).item())
    accuracy = (logits.argmax(dim=1) == test_labels).float().mean()
    return losses, {'conv1.weight': model[0].weight, 'bn1.running_mean': model[1].running_mean,
                    'bn2.running_var': model[5].running_var,
                    'bn2.num_batches_tracked': model[5].num_batches_tracked,
                    'fc.weight': model[10].weight, 'fc.bias': model[10].bias,
                    'test logits': logits, 'accuracy': accuracy}
