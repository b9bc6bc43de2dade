"""A variational autoencoder on synthetic 2-D data (noisy points on a ring): an MLP encoder
to a mean and a log-variance, the reparameterisation z = mu + sigma * torch.randn_like(sigma),
an MLP decoder, reconstruction plus KL loss, Adam; then samples decoded from the prior."""

import math


def make_ring(torch, count, dtype):
    angles = 2 * math.pi * torch.rand(count, dtype=dtype)
    radii = 1 + 0.1 * torch.randn(count, dtype=dtype)
    return torch.stack([radii * torch.cos(angles), radii * torch.sin(angles)], dim=1)


def train(torch, dtype='float64', steps=15, seed=0):
    nn = torch.nn
    dtype = getattr(torch, dtype)
    torch.manual_seed(seed)
    points = make_ring(torch, 128, dtype)
    latent = 2
    encoder = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2 * latent))
    decoder = nn.Sequential(nn.Linear(latent, 16), nn.Tanh(), nn.Linear(16, 2))
    model = nn.ModuleDict({'encoder': encoder, 'decoder': decoder}).to(dtype)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    losses = []
    for _ in range(steps):
        batch = points[torch.randperm(len(points))[:32]]
        mu, log_variance = encoder(batch).chunk(2, dim=1)
        sigma = torch.exp(0.5 * log_variance)
        z = mu + sigma * torch.randn_like(sigma)
        reconstruction = nn.functional.mse_loss(decoder(z), batch, reduction='sum') / len(batch)
        kl = -0.5 * torch.sum(1 + log_variance - mu.pow(2) - log_variance.exp()) / len(batch)
        loss = reconstruction + kl
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        samples = decoder(torch.randn(6, latent, dtype=dtype))
    return losses, {'encoder.0.weight': encoder[0].weight, 'decoder.2.bias': decoder[2].bias,
                    'exp_avg_sq of encoder.2.weight':
                        optimizer.state[encoder[2].weight]['exp_avg_sq'],
                    'samples': samples}
