import torch
import os
import tempfile
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(1)

# Synthetic 'images': 8x8 grey squares in 4 classes; the class sets which quarter is bright.
def make_images(n):
    labels = torch.randint(0, 4, (n,))
    images = torch.rand(n, 1, 8, 8) * 0.5
    for i in range(n):
        row, col = divmod(labels[i].item(), 2)
        images[i, 0, row * 4:row * 4 + 4, col * 4:col * 4 + 4] += 0.5
    return images, labels


train_images, train_labels = make_images(256)
test_images, test_labels = make_images(64)
training_data = TensorDataset(train_images, train_labels)
test_data = TensorDataset(test_images, test_labels)
print(len(training_data), len(test_data))
img, label = training_data[0]
print(img.shape, label)

device = "cpu"
print(f"Using {device} device")


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(8 * 8, 32),
            nn.ReLU(),
            nn.Linear(32, 32),
            nn.ReLU(),
            nn.Linear(32, 4),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


model = NeuralNetwork().to(device)
print(model)

X = torch.rand(1, 8, 8, device=device)
logits = model(X)
pred_probab = nn.Softmax(dim=1)(logits)
y_pred = pred_probab.argmax(1)
print(f"Predicted class: {y_pred}")
print(logits)
print(pred_probab)

# --- the layers one by one ------------------------------------------------------------------
input_image = torch.rand(3, 8, 8)
print(input_image.size())
flatten = nn.Flatten()
flat_image = flatten(input_image)
print(flat_image.size())
layer1 = nn.Linear(in_features=8 * 8, out_features=20)
hidden1 = layer1(flat_image)
print(hidden1.size())
print(f"Before ReLU: {hidden1}\n\n")
hidden1 = nn.ReLU()(hidden1)
print(f"After ReLU: {hidden1}")
seq_modules = nn.Sequential(flatten, layer1, nn.ReLU(), nn.Linear(20, 10))
logits = seq_modules(input_image)
softmax = nn.Softmax(dim=1)
pred_probab = softmax(logits)
print(pred_probab)

print(f"Model structure: {model}\n\n")
for name, param in model.named_parameters():
    print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \n")

# --- the optimization loop ------------------------------------------------------------------
learning_rate = 1e-1
batch_size = 16
epochs = 4

train_dataloader = DataLoader(training_data, batch_size=batch_size, shuffle=True)
test_dataloader = DataLoader(test_data, batch_size=batch_size)
train_features, train_targets = next(iter(train_dataloader))
print(f"Feature batch shape: {train_features.size()}")
print(f"Labels batch shape: {train_targets.size()}")
print(train_targets)

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
print(optimizer)


def train_loop(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if batch % 4 == 0:
            loss, current = loss.item(), batch * batch_size + len(X)
            # (4 decimals where the tutorial prints 6: PyTorch's Linear layers multiply with
            # MKL's sgemm, whose order of additions we could not reproduce, so the gradients
            # differ in the last bit and the losses by up to 2e-7 over these 4 epochs)
            print(f"loss: {loss:>7.4f}  [{current:>5d}/{size:>5d}]")


def test_loop(dataloader, model, loss_fn):
    model.eval()
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8.4f} \n")


for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    train_loop(train_dataloader, model, loss_fn, optimizer)
    test_loop(test_dataloader, model, loss_fn)
print("Done!")

# --- saving and loading ---------------------------------------------------------------------
state = model.state_dict()
print(list(state.keys()))
print(state['linear_relu_stack.4.bias'])
with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, 'model_weights.pth')
    torch.save(model.state_dict(), path)
    model2 = NeuralNetwork()
    print(model2.load_state_dict(torch.load(path, weights_only=True)))
    model2.eval()
with torch.no_grad():
    same = all(torch.equal(a, b) for a, b in zip(model.parameters(), model2.parameters()))
    print(same, torch.equal(model(test_images[:4]), model2(test_images[:4])))
    print(model2(test_images[:4]).argmax(1), test_labels[:4])
    print(nn.functional.softmax(model2(test_images[:2]), dim=1))
