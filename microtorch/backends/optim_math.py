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
