"""L-BFGS, as PyTorch's `LBFGS`: the same iterates, state and state-dict entries.

The direction is the two-loop recursion of Nocedal & Wright (Numerical Optimization, 2nd ed.,
Algorithm 7.4) over the last `history_size` pairs s = x_{k+1} - x_k, y = g_{k+1} - g_k, with
the initial inverse Hessian gamma * I, gamma = s.y / y.y. The step is lr (the first one
scaled down to at most 1 / |g|_1), or the one found by a line search for the strong Wolfe
conditions (Algorithms 3.5 and 3.6: bracketing, then zoom with cubic interpolation, eq. 3.59).

All of a step's scalars (directional derivatives, step lengths) stay 0-dim tensors where
PyTorch keeps them so, so that their arithmetic rounds in the parameters' dtype as there.
"""
from collections import namedtuple

from ..autograd.grad_mode import enable_grad, no_grad
from ..creation import zeros
from ..ops import functional as _F
from ..tensor import Tensor
from .optimizer import Optimizer

# The line search's constants: sufficient decrease c1, curvature c2 (N&W's usual choices for
# quasi-Newton methods), and the bracket width (times |d|_inf) below which zoom gives up.
ARMIJO_C1, CURVATURE_C2, BRACKET_TOLERANCE = 1e-4, 0.9, 1e-9
# A curvature pair is kept only when s.y is clearly positive (keeps H positive definite).
MIN_CURVATURE = 1e-10


class LBFGS(Optimizer):
    """Limited-memory BFGS over all parameters as one flat vector. `step(closure)` runs up to
    max_iter iterations (and max_eval evaluations of closure, which must recompute the loss
    and the gradients and return the loss) and returns the first loss. One parameter group
    only; the state lives under the first parameter, as in PyTorch."""

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError('Tensor lr must be 1-element')
        if not 0.0 <= lr:
            raise ValueError(f'Invalid learning rate: {lr}')
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                        history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]['params']

    # ---- the parameters as one flat vector ------------------------------------------------

    def _flat_grad(self):
        """Every parameter's gradient (zeros where there is none) in one new vector."""
        pieces = [p.grad.reshape(-1) if p.grad is not None else
                  zeros(p.numel(), dtype=p.dtype, device=p.device) for p in self._params]
        return _F.cat(pieces, 0)

    def _move(self, step, direction):
        """params += step * direction, direction cut into the parameters' shapes."""
        start = 0
        for p in self._params:
            count = p.numel()
            p.add_(direction[start:start + count].view_as(p), alpha=step)
            start += count

    def _evaluate_at(self, closure, origin, step, direction):
        """The loss and flat gradient at origin + step * direction; the parameters are put
        back to origin afterwards."""
        self._move(step, direction)
        loss = float(closure())
        grad = self._flat_grad()
        for p, saved in zip(self._params, origin):
            p.copy_(saved)
        return loss, grad

    # ---- one step ----------------------------------------------------------------------------

    def step(self, closure):
        """Up to max_iter L-BFGS iterations; returns what the first call of closure returns."""
        if len(self.param_groups) != 1:
            raise AssertionError(f'Expected exactly one param_group, but got '
                                 f'{len(self.param_groups)}')
        group = self.param_groups[0]
        line_search = group['line_search_fn']
        if line_search is not None and line_search != 'strong_wolfe':
            raise RuntimeError("only 'strong_wolfe' is supported")   # before anything moves
        with no_grad():
            return self._iterate(closure, group)

    def _iterate(self, closure, group):
        def evaluate():
            with enable_grad():
                return closure()

        lr = group['lr'].reshape(()) if isinstance(group['lr'], Tensor) else group['lr']
        max_iter, max_eval = group['max_iter'], group['max_eval']
        tolerance_grad, tolerance_change = group['tolerance_grad'], group['tolerance_change']
        history_size = group['history_size']

        state = self.state[self._params[0]]
        state.setdefault('func_evals', 0)
        state.setdefault('n_iter', 0)
        first_loss = evaluate()
        loss = float(first_loss)
        evaluations = 1
        state['func_evals'] += 1
        grad = self._flat_grad()
        if grad.abs().max() <= tolerance_grad:          # already at a stationary point
            return first_loss

        direction, step = state.get('d'), state.get('t')
        steps, grad_changes = state.get('old_stps'), state.get('old_dirs')
        rhos, gamma = state.get('ro'), state.get('H_diag')
        last_grad, last_loss = state.get('prev_flat_grad'), state.get('prev_loss')

        for iteration in range(1, max_iter + 1):
            state['n_iter'] += 1
            if state['n_iter'] == 1:                     # the very first: steepest descent
                direction = grad.neg()
                grad_changes, steps, rhos, gamma = [], [], [], 1
            else:
                y, s = grad.sub(last_grad), direction.mul(step)
                curvature = y.dot(s)
                if curvature > MIN_CURVATURE:
                    if len(grad_changes) == history_size:     # forget the oldest pair
                        del grad_changes[0], steps[0], rhos[0]
                    grad_changes.append(y)
                    steps.append(s)
                    rhos.append(1.0 / curvature)
                    gamma = curvature / y.dot(y)
                if 'al' not in state:
                    state['al'] = [None] * history_size
                direction = _two_loop_direction(grad, steps, grad_changes, rhos, gamma,
                                                state['al'])
            if last_grad is None:
                last_grad = grad.clone()
            else:
                last_grad.copy_(grad)
            last_loss = loss

            if state['n_iter'] == 1:
                step = min(1.0, 1.0 / grad.abs().sum()) * lr
            else:
                step = lr
            slope = grad.dot(direction)
            if slope > -tolerance_change:                # not a descent direction any more
                break

            if group['line_search_fn'] is not None:
                origin = [p.clone() for p in self._params]
                loss, grad, step, used = _strong_wolfe_search(
                    lambda length: self._evaluate_at(evaluate, origin, length, direction),
                    step, direction, loss, grad, slope, max_eval - evaluations)
                self._move(step, direction)
                at_optimum = grad.abs().max() <= tolerance_grad
            else:
                self._move(step, direction)
                used, at_optimum = 0, False
                if iteration != max_iter:                # the last move is not evaluated
                    loss = float(evaluate())
                    grad = self._flat_grad()
                    at_optimum = grad.abs().max() <= tolerance_grad
                    used = 1
            evaluations += used
            state['func_evals'] += used

            if (iteration == max_iter or evaluations >= max_eval or at_optimum
                    or direction.mul(step).abs().max() <= tolerance_change
                    or abs(loss - last_loss) < tolerance_change):
                break

        state.update(d=direction, t=step, old_dirs=grad_changes, old_stps=steps, ro=rhos,
                     H_diag=gamma, prev_flat_grad=last_grad, prev_loss=last_loss)
        return first_loss


def _two_loop_direction(grad, steps, grad_changes, rhos, gamma, alphas):
    """-H grad for the L-BFGS inverse Hessian H of the stored pairs (N&W Algorithm 7.4):
    newest to oldest alpha_i = rho_i s_i.q, q -= alpha_i y_i; then r = gamma q and oldest to
    newest r += (alpha_i - rho_i y_i.r) s_i. alphas (PyTorch's state 'al') is filled in."""
    q = grad.neg()
    for i in reversed(range(len(steps))):
        alphas[i] = steps[i].dot(q) * rhos[i]
        q.add_(grad_changes[i], alpha=-alphas[i])
    r = q.mul(gamma)
    for i in range(len(steps)):
        beta = grad_changes[i].dot(r) * rhos[i]
        r.add_(steps[i], alpha=alphas[i] - beta)
    return r


def _clamp(value, low, high):
    """value limited to [low, high] (a NaN stays NaN)."""
    if low > value:
        value = low
    if high < value:
        value = high
    return value


def _cubic_minimiser(a, b, bounds=None):
    """The minimiser, within bounds (else between the two steps), of the cubic with the
    values and slopes of points a and b (N&W eq. 3.59); the middle of the bounds when the
    cubic has no minimum."""
    if bounds is None:
        bounds = (a.step, b.step) if a.step <= b.step else (b.step, a.step)
    d1 = a.slope + b.slope - 3 * (a.loss - b.loss) / (a.step - b.step)
    d2_squared = d1 ** 2 - a.slope * b.slope
    if not d2_squared >= 0:
        return (bounds[0] + bounds[1]) / 2.0
    d2 = d2_squared.sqrt()
    near, far = (a, b) if a.step <= b.step else (b, a)
    found = far.step - (far.step - near.step) * (
        (far.slope + d2 - d1) / (far.slope - near.slope + 2 * d2))
    return _clamp(found, *bounds)


class _Point(namedtuple('_Point', 'step loss grad slope')):
    """A trial step of the line search: the loss, flat gradient and slope (grad . d) there."""
    __slots__ = ()


def _strong_wolfe_search(evaluate, step, direction, loss, grad, slope, max_evals):
    """A step length along direction satisfying the strong Wolfe conditions (N&W Algorithm
    3.5, then 3.6's zoom), from the point with loss, grad and slope (grad . direction).
    evaluate(length) -> (loss, flat grad) there. Returns (loss, grad, step, evaluations),
    at most max_evals evaluations; loss and grad are those at the step."""
    def sufficient_decrease(point):
        return not point.loss > loss + ARMIJO_C1 * point.step * slope

    def flat_enough(point):
        return abs(point.slope) <= -CURVATURE_C2 * slope

    def trial(length):
        new_loss, new_grad = evaluate(length)
        return _Point(length, new_loss, new_grad, new_grad.dot(direction))

    scale = direction.abs().max()
    start = previous = _Point(0, loss, grad.clone(), slope)
    current = trial(step)
    evaluations = 1
    found = False
    for tries in range(max(max_evals, 0)):
        if not sufficient_decrease(current) or (tries > 1 and current.loss >= previous.loss):
            bracket = [previous, current._replace(grad=current.grad.clone())]
            break
        if flat_enough(current):
            bracket, found = [current], True
            break
        if current.slope >= 0:                           # passed a minimum
            bracket = [previous, current._replace(grad=current.grad.clone())]
            break
        # extrapolate: the cubic's minimiser, between 1.01 and 10 times the step
        longer = _cubic_minimiser(previous, current, bounds=(
            current.step + 0.01 * (current.step - previous.step), current.step * 10))
        previous = current._replace(grad=current.grad.clone())
        current = trial(longer)
        evaluations += 1
    else:                                                # out of evaluations
        bracket = [start, current]
        tries = max(max_evals, 0)

    low, high = (0, 1) if bracket[0].loss <= bracket[-1].loss else (1, 0)
    stalled = False
    while not found and tries < max_evals:
        ends = (bracket[0].step, bracket[1].step)
        if abs(ends[1] - ends[0]) * scale < BRACKET_TOLERANCE:
            break
        step = _cubic_minimiser(bracket[0], bracket[1])
        step, stalled = _keep_off_the_ends(step, max(ends), min(ends), stalled)
        current = trial(step)
        evaluations += 1
        tries += 1
        point = current._replace(grad=current.grad.clone())
        if not sufficient_decrease(current) or current.loss >= bracket[low].loss:
            bracket[high] = point                        # a new high end
            low, high = (0, 1) if bracket[0].loss <= bracket[1].loss else (1, 0)
        else:
            if flat_enough(current):
                found = True
            elif current.slope * (bracket[high].step - bracket[low].step) >= 0:
                bracket[high] = bracket[low]             # the minimum lies on the other side
            bracket[low] = point
    best = bracket[low]
    return best.loss, best.grad, best.step, evaluations


def _keep_off_the_ends(step, top, bottom, stalled):
    """Zoom's safeguard: a trial step within a tenth of the bracket's width of an end is
    moved to that distance from the nearer end when it is at or past an end or the last
    trial was also that close; returns (step, whether this trial was that close)."""
    margin = 0.1 * (top - bottom)
    if not min(top - step, step - bottom) < margin:
        return step, False
    if stalled or step >= top or step <= bottom:
        step = top - margin if abs(step - top) < abs(step - bottom) else bottom + margin
        return step, False
    return step, True
