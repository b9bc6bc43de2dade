"""A 1-D GAN: generator and discriminator MLPs, BCEWithLogitsLoss, two Adam optimizers; the
discriminator learns real samples (N(3, 0.5)) from generated ones (detached), then the
generator learns to fool it. Both losses of every step are recorded."""


def train(torch, dtype='float32', steps=12, seed=0):
    nn = torch.nn
    dtype = getattr(torch, dtype)
    torch.manual_seed(seed)
    noise_size, batch = 4, 32
    generator = nn.Sequential(nn.Linear(noise_size, 16), nn.LeakyReLU(0.2),
                              nn.Linear(16, 1)).to(dtype)
    discriminator = nn.Sequential(nn.Linear(1, 16), nn.LeakyReLU(0.2), nn.Linear(16, 16),
                                  nn.LeakyReLU(0.2), nn.Linear(16, 1)).to(dtype)
    criterion = nn.BCEWithLogitsLoss()
    g_optimizer = torch.optim.Adam(generator.parameters(), lr=2e-3, betas=(0.5, 0.999))
    d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=2e-3, betas=(0.5, 0.999))
    real_label = torch.ones(batch, 1, dtype=dtype)
    fake_label = torch.zeros(batch, 1, dtype=dtype)
    losses = []
    for _ in range(steps):
        real = 3 + 0.5 * torch.randn(batch, 1, dtype=dtype)
        fake = generator(torch.randn(batch, noise_size, dtype=dtype))
        d_loss = (criterion(discriminator(real), real_label)
                  + criterion(discriminator(fake.detach()), fake_label))
        d_optimizer.zero_grad()
        d_loss.backward()
        d_optimizer.step()
        g_loss = criterion(discriminator(fake), real_label)
        g_optimizer.zero_grad()
        g_loss.backward()
        g_optimizer.step()
        losses += [d_loss.item(), g_loss.item()]
    with torch.no_grad():
        samples = generator(torch.randn(8, noise_size, dtype=dtype))
    return losses, {'generator.2.weight': generator[2].weight,
                    'discriminator.0.weight': discriminator[0].weight,
                    'discriminator.4.weight grad': discriminator[4].weight.grad,
                    'samples': samples}
