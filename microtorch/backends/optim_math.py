"""Helpers shared by the CPU and CUDA backends' optimizer steps: written with array methods
and operators only, so they run on NumPy and CuPy arrays alike."""


def torch_lerp(start, end, weight):
    """start.lerp_(end, weight) in place, with PyTorch's two formulas: start + w (end - start)
    below |w| = 0.5, else end - (end - start)(1 - w), exact at w = 1."""
    if abs(weight) < 0.5:
        start += (end - start) * weight
    else:
        start[...] = end - (end - start) * (1 - weight)


def norm(a):
    """The 2-norm of all of a's elements, computed in a's dtype, as a Python float (PyTorch's
    tensor.norm(2).item())."""
    flat = a.reshape(-1)
    return float((flat @ flat) ** 0.5)


def adafactor_moments(grad, row_var, col_var, variance, beta2_weight, eps1):
    """Adafactor's second-moment update, in place: row_var and col_var (2 or more dims) lerp
    towards the means of grad^2 over the last and second-to-last dim (each taken, as
    PyTorch's, as the squared 2-norm over the count), variance (vectors) towards grad^2.
    Returns the divisor of the factored estimate, max(mean of row_var, eps1), or None."""
    square = grad * grad
    if row_var is None:
        torch_lerp(variance, square, beta2_weight)
        return None
    for state, axis in ((row_var, -1), (col_var, -2)):
        mean = square.sum(axis=axis, keepdims=True) ** 0.5
        mean *= mean
        mean /= grad.shape[axis]
        torch_lerp(state, mean, beta2_weight)
    scale = row_var.mean(axis=-2, keepdims=True)
    scale[scale < eps1] = eps1            # clamp_(min=eps1), a nan kept
    return scale


def adafactor_update(param, grad, row_var, col_var, variance, beta2_weight, lr, rho, eps1,
                     eps2, d, weight_decay, precondition):
    """torch.optim.Adafactor's update of one non-empty parameter, in place, on either backend:
    precondition(scale) gives the update g / sqrt(max(v, eps1^2)) (g negated when maximizing)
    from the moments this updates (scale as adafactor_moments returns it). The moments see
    grad itself: its square is the same either sign."""
    alpha = max(eps2, norm(param) / param.size ** 0.5) * rho
    if weight_decay != 0:
        param *= 1 - lr * weight_decay
    update = precondition(adafactor_moments(grad, row_var, col_var, variance, beta2_weight,
                                            eps1))
    denom = max(1.0, norm(update) / (update.size ** 0.5 * d))
    param += update * (-alpha / denom)



# ---- Muon: Newton-Schulz orthogonalisation in emulated bfloat16 ----------------------------
# PyTorch runs Muon's iteration in bfloat16, which NumPy and CuPy lack: here a bfloat16 value
# is a float32 whose low 16 bits are zero. Each PyTorch op of the iteration computes in
# float32 and rounds its result to bfloat16 once; the matrix products here are summed in
# float64 (exact products of bfloat16 values), then rounded to float32 and to bfloat16, as
# PyTorch's float32 accumulator is. Only a sum within float32's rounding error of a bfloat16
# tie can come out one bfloat16 step apart from PyTorch's (whose summation order depends on
# the CPU's kernels).

def round_to_bfloat16(a):
    """Array a (any float dtype) rounded to the nearest bfloat16, ties to even, as a float32
    array: float64 goes through float32 first, as PyTorch's conversion does; nan stays nan."""
    single = a.astype('float32')
    bits = single.view('uint32')
    rounded = ((bits + (0x7FFF + ((bits >> 16) & 1))) & 0xFFFF0000).astype('uint32')
    out = rounded.view('float32')
    nan = single != single
    out[nan] = single[nan]                 # a nan's payload could have rounded up to inf
    return out


def _float32_matmul(a, b):
    """a @ b of bfloat16-valued arrays, as PyTorch's float32 accumulator holds it."""
    return (a.astype('float64') @ b.astype('float64')).astype('float32')


def _fused_scale_add(beta, c, product):
    """addmm's beta C + alpha A B, its float32 alpha A B given: one fused multiply-add (exact
    in float64 for bfloat16 C), then rounded to float32 and to bfloat16."""
    return round_to_bfloat16(beta.astype('float64') * c + product.astype('float64'))


def newton_schulz(xp, update, coefficients, steps, eps):
    """torch.optim.Muon's orthogonalisation of a matrix, as a float32 array of bfloat16
    values: the matrix in bfloat16 over its Frobenius norm (at least eps), then `steps`
    rounds of X = a X + (b G + c G G) X with G = X X^T, on the wide orientation (a tall
    matrix is transposed there and back)."""
    a, b, c = (xp.float32(v) for v in coefficients)
    x = round_to_bfloat16(update)
    tall = x.shape[0] > x.shape[1]
    if tall:
        x = x.T
    flat = x.reshape(1, -1).astype('float64')
    size = round_to_bfloat16((flat @ flat.T) ** 0.5)
    floor = round_to_bfloat16(xp.asarray([eps]))
    size = max(size.item(), floor.item())            # clamp(min=eps), in bfloat16
    x = round_to_bfloat16(x / xp.float32(size))
    for _ in range(steps):
        gram = round_to_bfloat16(_float32_matmul(x, x.T))
        gram_update = _fused_scale_add(b, gram, c * _float32_matmul(gram, gram))
        x = _fused_scale_add(a, x, _float32_matmul(gram_update, x))
    return x.T if tall else x
