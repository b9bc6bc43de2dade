"""`MultiheadAttention`, `TransformerEncoderLayer`, `TransformerEncoder`,
`TransformerDecoderLayer`, `TransformerDecoder` and `Transformer`, with PyTorch's parameter
names (in_proj_weight, in_proj_bias, out_proj.*), state-dict keys and listings; composites of
linear, matmul, softmax, dropout and layer_norm."""
import copy
import functools
import math
import warnings

from ... import _dtype
from ...autograd.grad_mode import is_grad_enabled
from ..._size import Size
from ...creation import empty, full, zeros, zeros_like
from ...ops import functional as _F
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear, NonDynamicallyQuantizableLinear
from .module import Module
from .normalization import LayerNorm


def _float_mask(mask, name, other, other_name, dtype):
    """A bool mask as 0 / -inf in dtype (True: masked out), a float mask as it is, after
    PyTorch's checks (and its warning when the two masks' types differ)."""
    if mask is None:
        return None
    if mask.dtype is not _dtype.bool_ and not mask.is_floating_point():
        raise AssertionError(f'only bool and floating types of {name} are supported')
    if other is not None and mask.dtype is not other.dtype:
        warnings.warn(f'Support for mismatched {name} and {other_name} is deprecated. Use same '
                      'type for both instead.', UserWarning, stacklevel=3)
    if mask.dtype is _dtype.bool_:
        return zeros_like(mask, dtype=dtype).masked_fill(mask, -math.inf)
    return mask


class MultiheadAttention(Module):
    """Attention over num_heads heads of embed_dim / num_heads features each: q, k and v
    projected (one in_proj_weight when kdim and vdim equal embed_dim), softmax(q k^T /
    sqrt(head_dim) + masks) v per head, the heads joined by out_proj."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f'embed_dim and num_heads must be greater than 0, got '
                             f'embed_dim={embed_dim} and num_heads={num_heads} instead')
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads, self.dropout, self.batch_first = num_heads, dropout, batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError('embed_dim must be divisible by num_heads')
        kwargs = dict(device=device, dtype=dtype)
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(empty((3 * embed_dim, embed_dim), **kwargs))
            for name in ('q_proj_weight', 'k_proj_weight', 'v_proj_weight'):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(empty((embed_dim, embed_dim), **kwargs))
            self.k_proj_weight = Parameter(empty((embed_dim, self.kdim), **kwargs))
            self.v_proj_weight = Parameter(empty((embed_dim, self.vdim), **kwargs))
            self.register_parameter('in_proj_weight', None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, **kwargs))
        else:
            self.register_parameter('in_proj_bias', None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        **kwargs)
        if add_bias_kv:                         # a learned extra key and value
            self.bias_k = Parameter(empty((1, 1, embed_dim), **kwargs))
            self.bias_v = Parameter(empty((1, 1, embed_dim), **kwargs))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def _projections(self):
        if self._qkv_same_embed_dim:
            weights = self.in_proj_weight.chunk(3)
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        biases = (None,) * 3 if self.in_proj_bias is None else self.in_proj_bias.chunk(3)
        return weights, biases

    def _check_shapes(self, query, key, value, key_padding_mask, attn_mask):
        """PyTorch's checks of the inputs' and masks' dims, in its order; returns whether the
        query is batched."""
        if query.ndim not in (2, 3):
            raise AssertionError(f'query should be unbatched 2D or batched 3D tensor but '
                                 f'received {query.ndim}-D query tensor')
        batched = query.ndim == 3
        kind = 'batched (3-D)' if batched else 'unbatched (2-D)'
        if key.ndim != query.ndim or value.ndim != query.ndim:
            raise AssertionError(f'For {kind} `query`, expected `key` and `value` to be '
                                 f'{query.ndim}-D but found {key.ndim}-D and {value.ndim}-D '
                                 'tensors respectively')
        if key_padding_mask is not None and key_padding_mask.ndim != query.ndim - 1:
            wanted = '2-D' if batched else '1-D'
            raise AssertionError(f'For {kind} `query`, expected `key_padding_mask` to be '
                                 f'`None` or {wanted} but found {key_padding_mask.ndim}-D '
                                 'tensor instead')
        if attn_mask is not None:
            if attn_mask.ndim not in (2, 3):
                raise AssertionError(f'For {kind} `query`, expected `attn_mask` to be `None`, '
                                     f'2-D or 3-D but found {attn_mask.ndim}-D tensor instead')
            wanted = (self.num_heads, query.shape[0], key.shape[0])
            if not batched and attn_mask.ndim == 3 and tuple(attn_mask.shape) != wanted:
                raise AssertionError(f'Expected `attn_mask` shape to be {wanted} but got '
                                     f'{attn_mask.size()}')
        return batched

    def _check_inputs(self, query, key, value):
        """The embedding dims and the key/value shapes against each other and the weights."""
        embed = query.shape[-1]
        if embed != self.embed_dim:
            raise AssertionError(f'was expecting embedding dimension of {self.embed_dim}, but '
                                 f'got {embed}')
        if self._qkv_same_embed_dim and tuple(key.shape) != tuple(value.shape):
            raise AssertionError(f'key shape {key.size()} does not match value shape '
                                 f'{value.size()}')
        if not self._qkv_same_embed_dim:
            if tuple(key.shape[:2]) != tuple(value.shape[:2]):
                raise AssertionError(f"key's sequence and batch dims {Size(key.shape[:2])} do "
                                     f"not match value's {Size(value.shape[:2])}")
            for name, weight, source in (('key', self.k_proj_weight, key),
                                         ('value', self.v_proj_weight, value)):
                wanted = (embed, source.shape[-1])
                if tuple(weight.shape) != wanted:
                    raise AssertionError(f'expecting {name} weights shape of {wanted}, but got '
                                         f'{weight.size()}')

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        key_padding_mask = _float_mask(key_padding_mask, 'key_padding_mask', attn_mask,
                                       'attn_mask', query.dtype)
        attn_mask = _float_mask(attn_mask, 'attn_mask', None, '', query.dtype)
        batched = self._check_shapes(query, key, value, key_padding_mask, attn_mask)
        if is_causal and attn_mask is None:
            raise RuntimeError('Need attn_mask if specifying the is_causal hint. You may use '
                               'the Transformer module method `generate_square_subsequent_mask` '
                               'to create this mask.')
        if not batched:                         # (L, E) -> a batch of one
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif self.batch_first:                  # work in (L, N, E) as PyTorch does
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        self._check_inputs(query, key, value)
        length, batch = query.shape[:2]
        source = key.shape[0]
        heads, head_dim = self.num_heads, self.head_dim
        (wq, wk, wv), (bq, bk, bv) = self._projections()

        def split_heads(x, size):               # (size, N, E) -> (N, heads, size, head_dim)
            return x.reshape(size, batch * heads, head_dim).transpose(0, 1).reshape(
                batch, heads, size, head_dim)
        q = split_heads(F.linear(query, wq, bq), length)
        attn_mask = self._attn_mask(attn_mask, batch, length, source)
        k, v = F.linear(key, wk, bk), F.linear(value, wv, bv)
        extra = 0                               # keys added to each sequence
        if self.bias_k is not None:
            k = _F.cat([k, self.bias_k.expand(1, batch, self.embed_dim)])
            v = _F.cat([v, self.bias_v.expand(1, batch, self.embed_dim)])
            extra += 1
        k, v = split_heads(k, source + extra), split_heads(v, source + extra)
        if self.static_k is not None or self.static_v is not None:
            k, v = self._static_heads(k, v, batch)
        if self.add_zero_attn:
            nothing = zeros((batch, heads, 1, head_dim), dtype=k.dtype, device=k.device)
            k, v = _F.cat([k, nothing], 2), _F.cat([v, nothing], 2)
            extra += 1
        if extra:                               # the added keys are never masked out
            attn_mask, key_padding_mask = (None if m is None else F.pad(m, (0, extra))
                                           for m in (attn_mask, key_padding_mask))
        mask = self._with_padding_mask(attn_mask, key_padding_mask, batch, k.shape[2])
        scores = (q * math.sqrt(1.0 / head_dim)) @ k.transpose(-2, -1)
        if mask is not None:
            scores = scores + mask
        # without weights PyTorch runs scaled_dot_product_attention: a query whose keys are all
        # masked out gets zeros there, but NaN from the plain softmax of the weights path
        weights = F.softmax(scores, -1) if need_weights else F._safe_softmax(scores)
        if self.training and self.dropout > 0.0:
            weights = F.dropout(weights, self.dropout)
        out = (weights @ v).permute(2, 0, 1, 3).reshape(length, batch, self.embed_dim)
        out = self.out_proj(out)
        if not batched:
            out = out.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(1)
        return out, (weights if batched else weights.squeeze(0))

    # multi_head_attention_forward's static_k / static_v: keys and values given per head
    static_k = static_v = None

    def _static_heads(self, k, v, batch):
        """k and v, (N, heads, S, head_dim), with static_k / static_v ((N * heads, S',
        head_dim)) in their place where given."""
        heads = []
        for name, given, computed in (('static_k', self.static_k, k),
                                      ('static_v', self.static_v, v)):
            if given is None:
                heads.append(computed)
                continue
            for dim, wanted in ((0, batch * self.num_heads), (2, self.head_dim)):
                if given.shape[dim] != wanted:
                    raise AssertionError(f'expecting {name}.size({dim}) of {wanted}, but got '
                                         f'{given.shape[dim]}')
            heads.append(given.reshape(batch, self.num_heads, given.shape[1], self.head_dim))
        return heads

    def _attn_mask(self, attn_mask, batch, length, source):
        """attn_mask ((L, S) or (N * heads, L, S)) as an (N, heads, L, S)-broadcastable float
        mask, after PyTorch's shape checks."""
        if attn_mask is None:
            return None
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (length, source):
                raise RuntimeError(f'The shape of the 2D attn_mask is {attn_mask.size()}, '
                                   f'but should be {(length, source)}.')
            return attn_mask
        if attn_mask.ndim == 3:
            wanted = (batch * self.num_heads, length, source)
            if tuple(attn_mask.shape) != wanted:
                raise RuntimeError(f'The shape of the 3D attn_mask is {attn_mask.size()}, '
                                   f'but should be {wanted}.')
            return attn_mask.reshape(batch, self.num_heads, length, source)
        raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")

    def _with_padding_mask(self, mask, key_padding_mask, batch, source):
        """mask plus key_padding_mask ((N, S)), checked, as one broadcastable float mask."""
        if key_padding_mask is not None:
            for dim, wanted in enumerate((batch, source)):
                if key_padding_mask.shape[dim] != wanted:
                    raise AssertionError(f'Expected key_padded_mask.shape[{dim}] to be {wanted},'
                                         f' but got {key_padding_mask.shape[dim]}')
            padding = key_padding_mask.reshape(batch, 1, 1, source)
            mask = padding if mask is None else mask + padding
        return mask


class GivenAttentionWeights:
    """The attributes MultiheadAttention.forward reads, from multi_head_attention_forward's
    arguments; its forward is the module's own (the one code path for both)."""
    batch_first = False
    _check_shapes = MultiheadAttention._check_shapes
    _check_inputs = MultiheadAttention._check_inputs
    _projections = MultiheadAttention._projections
    _attn_mask = MultiheadAttention._attn_mask
    _with_padding_mask = MultiheadAttention._with_padding_mask
    _static_heads = MultiheadAttention._static_heads

    def __init__(self, embed_dim, num_heads, weights, bias_k, bias_v, add_zero_attn,
                 dropout_p, out_proj_weight, out_proj_bias, training, static_k, static_v):
        self.static_k, self.static_v = static_k, static_v
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.head_dim = embed_dim // num_heads
        in_proj_weight, in_proj_bias, separate, q_w, k_w, v_w = weights
        self._qkv_same_embed_dim = not separate
        self.in_proj_weight, self.in_proj_bias = in_proj_weight, in_proj_bias
        self.q_proj_weight, self.k_proj_weight, self.v_proj_weight = q_w, k_w, v_w
        self.bias_k, self.bias_v, self.add_zero_attn = bias_k, bias_v, add_zero_attn
        self.dropout, self.training = dropout_p, training
        self.out_proj = functools.partial(F.linear, weight=out_proj_weight, bias=out_proj_bias)


def _activation_function(activation):
    if activation == 'relu':
        return F.relu
    if activation == 'gelu':
        return F.gelu
    raise RuntimeError(f'activation should be relu/gelu, not {activation}')


class _LayerBlocks:
    """The sublayers encoder and decoder layers share: self-attention (self_attn, then
    dropout1) and the feed-forward network (linear1, activation, dropout, linear2)."""

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _feed_forward(self, x):
        return self.linear2(self.dropout(self.activation(self.linear1(x))))


class TransformerEncoderLayer(_LayerBlocks, Module):
    """Self-attention then a feed-forward block (linear1, activation, dropout, linear2), each
    with dropout and a residual connection, layer norms after them (or before: norm_first)."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu,
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        kwargs = dict(device=device, dtype=dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **kwargs)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kwargs)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kwargs)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kwargs)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kwargs)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if isinstance(activation, str):
            activation = _activation_function(activation)
        # PyTorch's marker of the activations its fused inference path knows (1 relu, 2 gelu)
        from .activation import GELU, ReLU
        if activation is F.relu or isinstance(activation, ReLU):
            self.activation_relu_or_gelu = 1
        elif activation is F.gelu or isinstance(activation, GELU):
            self.activation_relu_or_gelu = 2
        else:
            self.activation_relu_or_gelu = 0
        self.activation = activation

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))

    def _ff_block(self, x):
        return self.dropout2(self._feed_forward(x))


class TransformerEncoder(Module):
    """num_layers copies of encoder_layer run in turn, then norm (when given)."""

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm
        self.enable_nested_tensor, self.mask_check = enable_nested_tensor, mask_check
        reason = _why_no_nested_tensor(encoder_layer)
        if enable_nested_tensor and reason:
            warnings.warn(f'enable_nested_tensor is True, but self.use_nested_tensor is False '
                          f'because {reason}', UserWarning, stacklevel=2)
        self.use_nested_tensor = enable_nested_tensor and not reason

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        kept = self._nested_kept_positions(src, mask, src_key_padding_mask)
        if kept is not None:                  # padded positions dropped: keys masked alike
            src_key_padding_mask = kept.logical_not()
        # only an explicit True reaches the layers (their attention then insists on a mask);
        # PyTorch's detection of a causal mask for is_causal=None changes no values here
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                           is_causal=is_causal is True)
        if kept is not None:                  # as PyTorch's nested tensor padded back with 0
            output = output.masked_fill(kept.logical_not().unsqueeze(-1), 0.0)
        return output if self.norm is None else self.norm(output)

    def _nested_kept_positions(self, src, mask, src_key_padding_mask):
        """PyTorch runs an inference call (eval, nothing to differentiate) with a padding
        mask as a nested tensor of the kept positions, and its output has zeros at the padded
        ones. Returns the (N, S) kept positions when that path applies, else None."""
        first = self.layers[0]
        if (not self.use_nested_tensor or first.training or src.ndim != 3
                or src_key_padding_mask is None or mask is not None):
            return None
        kept = (src_key_padding_mask == 0 if src_key_padding_mask.is_floating_point()
                else src_key_padding_mask.logical_not())
        if self.mask_check and not _left_aligned(kept):
            return None
        attn = first.self_attn
        tensors = [src, attn.in_proj_weight, attn.in_proj_bias, attn.out_proj.weight,
                   attn.out_proj.bias, first.norm1.weight, first.norm1.bias,
                   first.norm2.weight, first.norm2.bias, first.linear1.weight,
                   first.linear1.bias, first.linear2.weight, first.linear2.bias]
        if is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors):
            return None
        return kept


def _left_aligned(kept):
    """Whether each row of kept is some Trues followed only by Falses."""
    as_int = kept.long()
    return bool((as_int[:, 1:] <= as_int[:, :-1]).all()) if kept.shape[1] > 1 else True


def _why_no_nested_tensor(layer):
    """PyTorch's reason (its wording) for not running an encoder of such layers as nested
    tensors, or ''."""
    name = 'encoder_layer'
    if not isinstance(layer, TransformerEncoderLayer):
        return f'{name} was not TransformerEncoderLayer'
    attn = layer.self_attn
    for failed, reason in (
            (layer.norm_first, 'norm_first was True'),
            (not attn.batch_first, 'self_attn.batch_first was not True(use batch_first for '
                                   'better inference performance)'),
            (not attn._qkv_same_embed_dim, 'self_attn._qkv_same_embed_dim was not True'),
            (attn.in_proj_bias is None, 'self_attn was passed bias=False'),
            (not layer.activation_relu_or_gelu, 'activation_relu_or_gelu was not True'),
            (layer.norm1.eps != layer.norm2.eps, f'norm1.eps was not equal to {name}.norm2.eps'),
            (attn.num_heads % 2 == 1, 'self_attn.num_heads is odd')):
        if failed:
            return f'{name}.{reason}'
    return ''


class TransformerDecoderLayer(_LayerBlocks, Module):
    """Self-attention over the target, attention from the target to the encoder's output
    (memory; multihead_attn), then a feed-forward block, each with dropout and a residual
    connection, layer norms after them (or before: norm_first)."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu,
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        kwargs = dict(device=device, dtype=dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout,
                                            batch_first=batch_first, bias=bias, **kwargs)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout,
                                                 batch_first=batch_first, bias=bias, **kwargs)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kwargs)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kwargs)
        self.norm_first = norm_first
        self.norm1, self.norm2, self.norm3 = (
            LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kwargs) for _ in range(3))
        self.dropout1, self.dropout2, self.dropout3 = (Dropout(dropout) for _ in range(3))
        self.activation = (_activation_function(activation) if isinstance(activation, str)
                           else activation)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask,
                                    memory_key_padding_mask, memory_is_causal)
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                           memory_is_causal))
        return self.norm3(x + self._ff_block(x))

    def _mha_block(self, x, memory, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, memory, memory, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, need_weights=False,
                                is_causal=is_causal)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        return self.dropout3(self._feed_forward(x))


class TransformerDecoder(Module):
    """num_layers copies of decoder_layer run in turn on the target, each attending to the
    same memory, then norm (when given)."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        # PyTorch's detection of a causal tgt_mask (is_causal=None) only picks a kernel; an
        # explicit True still needs the mask (the attention checks)
        output = tgt
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask,
                           memory_key_padding_mask=memory_key_padding_mask,
                           tgt_is_causal=tgt_is_causal is True,
                           memory_is_causal=memory_is_causal)
        return output if self.norm is None else self.norm(output)


class Transformer(Module):
    """An encoder (num_encoder_layers TransformerEncoderLayers and a LayerNorm) over src and a
    decoder (num_decoder_layers TransformerDecoderLayers and a LayerNorm) over tgt attending
    to the encoder's output; custom_encoder / custom_decoder replace either. Every weight
    matrix starts Xavier-uniform."""

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                 dim_feedforward=2048, dropout=0.1, activation=F.relu, custom_encoder=None,
                 custom_decoder=None, layer_norm_eps=1e-5, batch_first=False,
                 norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        kwargs = dict(device=device, dtype=dtype)
        layer_args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                      batch_first, norm_first, bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(
                TransformerEncoderLayer(*layer_args, **kwargs), num_encoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kwargs))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(
                TransformerDecoderLayer(*layer_args, **kwargs), num_decoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kwargs))
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        batch_dim = 0 if self.batch_first else 1
        if src.size(batch_dim) != tgt.size(batch_dim) and src.ndim == 3:
            raise RuntimeError('the batch number of src and tgt must be equal')
        if src.size(-1) != self.d_model or tgt.size(-1) != self.d_model:
            raise RuntimeError('the feature number of src and tgt must be equal to d_model')
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """(sz, sz) causal mask: -inf above the diagonal (a position sees no later one), 0
        elsewhere."""
        return full((sz, sz), float('-inf'), dtype=dtype, device=device).triu(1)
