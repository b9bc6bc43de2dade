import torch
import numpy as np

torch.manual_seed(0)

# --- making tensors -------------------------------------------------------------------------
data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
print(x_data)

np_array = np.array(data)
x_np = torch.from_numpy(np_array)
print(x_np)

x_ones = torch.ones_like(x_data)
print(f"Ones Tensor: \n {x_ones} \n")
x_rand = torch.rand_like(x_data, dtype=torch.float)
print(f"Random Tensor: \n {x_rand} \n")

shape = (2, 3,)
rand_tensor = torch.rand(shape)
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(shape)
print(f"Random Tensor: \n {rand_tensor} \n")
print(f"Ones Tensor: \n {ones_tensor} \n")
print(f"Zeros Tensor: \n {zeros_tensor}")

print(torch.arange(10))
print(torch.arange(0, 1, 0.25))
print(torch.linspace(-1, 1, steps=5))
print(torch.eye(3))
print(torch.full((2, 2), 7))
print(torch.empty(0))
print(torch.tensor(3.5))
print(torch.tensor([True, False, True]))
print(torch.tensor([1.5, 2.5], dtype=torch.float64))
print(torch.tensor([1, 2, 3], dtype=torch.int32))
print(torch.tensor([1.0, 2.0], dtype=torch.float16))
print(torch.tensor([[1e-5, 1.0], [100.0, 12345.678]]))
print(torch.tensor([1e10, 1.0]))
print(torch.tensor([float('nan'), float('inf'), -float('inf'), 0.5]))

# --- attributes -----------------------------------------------------------------------------
tensor = torch.rand(3, 4)
print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")
print(tensor.size(), tensor.size(1), tensor.dim(), tensor.ndim, tensor.numel())
print(tensor.requires_grad, tensor.is_leaf, tensor.grad)
print(tensor.stride(), tensor.is_contiguous(), tensor.t().is_contiguous())

# --- indexing and slicing -------------------------------------------------------------------
tensor = torch.ones(4, 4)
print(f"First row: {tensor[0]}")
print(f"First column: {tensor[:, 0]}")
print(f"Last column: {tensor[..., -1]}")
tensor[:, 1] = 0
print(tensor)

m = torch.arange(12).reshape(3, 4)
print(m[1:, ::2])
print(m[m > 5])
print(m[[0, 2]])
print(m[:, [1, 3]])
print(m[None, 0].shape)
print(m.view(-1, 6))
print(m.T)
print(m.flatten())
print(m.unsqueeze(0).shape, m.unsqueeze(0).squeeze().shape)
print(m.permute(1, 0).shape)

# --- joining --------------------------------------------------------------------------------
t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1)
print(torch.cat([m, m], dim=0).shape)
print(torch.stack([m, m]).shape, torch.stack([m, m], dim=2).shape)
print(torch.stack([torch.tensor([1, 2]), torch.tensor([3, 4])], dim=1))
a, b = torch.chunk(torch.arange(6), 2)
print(a, b)
print(torch.split(torch.arange(7), 3))

# --- arithmetic -----------------------------------------------------------------------------
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
y3 = torch.rand_like(y1)
torch.matmul(tensor, tensor.T, out=y3)
print(y1)
print(torch.equal(y1, y2), torch.equal(y1, y3))

z1 = tensor * tensor
z2 = tensor.mul(tensor)
z3 = torch.rand_like(tensor)
torch.mul(tensor, tensor, out=z3)
print(z1)
print(torch.equal(z1, z3))

agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item))

r = torch.rand(2, 5)
print(r)
print(r + 1, r - 1)
print(r * 2, r / 3)
print(r ** 2)
print(r.mean(), r.std(), r.max(), r.argmax())
print(r.sum(dim=1), r.mean(dim=0, keepdim=True))
print(r.max(dim=1))
print(torch.exp(r), torch.log(r + 1))
print(torch.sqrt(r).sum())
print(r.round(decimals=2))
print(r > 0.5, (r > 0.5).sum())
print(torch.where(r > 0.5, r, torch.zeros_like(r)))
i = torch.tensor([7, -3, 10])
print(i // 2, i % 3, i / 2, i * 1.5)
print(torch.clamp(i, min=0, max=8))

# --- in-place -------------------------------------------------------------------------------
print(f"{tensor} \n")
tensor.add_(5)
print(tensor)
tensor.mul_(0.5).sub_(1)
print(tensor)
tensor.zero_()
print(tensor)
tensor.fill_(2.5)
print(tensor)

# --- the NumPy bridge -----------------------------------------------------------------------
t = torch.ones(5)
print(f"t: {t}")
n = t.numpy()
print(f"n: {n}")
t.add_(1)
print(f"t: {t}")
print(f"n: {n}")

n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
print(f"t: {t}")
print(f"n: {n}")
print(torch.tensor(np.arange(4, dtype=np.float32)))
print(torch.as_tensor(np.array([[1, 2], [3, 4]], dtype=np.int16)))
print(torch.rand(2, 2).numpy().dtype, torch.arange(3).numpy().dtype)
print(torch.tensor([1.25, 2.5]).tolist(), torch.arange(4).reshape(2, 2).tolist())

# --- types ----------------------------------------------------------------------------------
f = torch.rand(3)
print(f.to(torch.float64))
print(f.double(), f.half(), f.int(), f.long(), f.bool())
print(torch.arange(3).float(), torch.arange(3).dtype, (torch.arange(3) / 2).dtype)
print(torch.tensor([1, 2]) + torch.tensor([0.5, 0.5]))
print(torch.get_default_dtype())

# --- printing big and odd shapes ------------------------------------------------------------
print(torch.arange(2000))
print(torch.rand(1200))
print(torch.arange(10000).reshape(100, 100))
print(torch.rand(50, 40))
print(torch.rand(4, 3, 2))
print(torch.zeros(2, 0, 3))
print(torch.arange(24).reshape(2, 3, 4).float())
print(torch.arange(1001.0) * 1000)
print(torch.tensor([0.1, 0.25, 3.0], requires_grad=True))
print(torch.rand(3, requires_grad=True) * 2)
print(repr(torch.rand(2, 2, dtype=torch.float64)))
print(torch.rand(3).to(torch.float16))
print(torch.randint(0, 10, (3, 5)))
print(torch.randperm(10))
print(torch.randn(3, 3))
