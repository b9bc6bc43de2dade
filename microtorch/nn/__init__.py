"""`microtorch.nn`: Module, Parameter, layers and losses, with PyTorch's names.

    import microtorch as torch
    import microtorch.nn.functional as F
    model = torch.nn.Sequential(torch.nn.Linear(1, 64), torch.nn.Sigmoid())
"""
from .parameter import Parameter
from .modules import (Module, Sequential, ModuleList, Identity, Linear, ReLU, Sigmoid, Tanh,
                      LeakyReLU, Softplus, Softmax, LogSoftmax, Dropout, Flatten, MSELoss,
                      L1Loss, SmoothL1Loss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss,
                      NLLLoss, SiLU, ELU, GELU, BatchNorm1d, BatchNorm2d, LayerNorm,
                      Embedding, ModuleDict, ParameterList, ParameterDict, LogSigmoid,
                      HuberLoss, Conv2d, MaxPool2d, AvgPool2d, RNNCellBase, RNNCell,
                      LSTMCell, GRUCell, RNNBase, RNN, LSTM, GRU, Conv1d, MaxPool1d,
                      AvgPool1d, AdaptiveAvgPool1d, AdaptiveAvgPool2d, GroupNorm, Unflatten,
                      ZeroPad1d, ZeroPad2d, ConstantPad1d, ConstantPad2d, CosineSimilarity,
                      PairwiseDistance, KLDivLoss)
from .modules import (ReLU6, Hardtanh, Softsign, Mish, SELU, CELU, Hardsigmoid, Hardswish,
                      Softshrink, Hardshrink, Tanhshrink, Threshold, Softmin, PReLU)
from .modules import (Dropout1d, Dropout2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,
                      ConvTranspose1d, ConvTranspose2d, InstanceNorm1d, InstanceNorm2d, Upsample,
                      UpsamplingNearest2d, UpsamplingBilinear2d, Bilinear, MultiheadAttention,
                      TransformerEncoderLayer, TransformerEncoder)
from .modules import TransformerDecoderLayer, TransformerDecoder, Transformer, EmbeddingBag
from .modules import (CosineEmbeddingLoss, MarginRankingLoss, HingeEmbeddingLoss, SoftMarginLoss,
                      MultiLabelSoftMarginLoss, MultiMarginLoss, MultiLabelMarginLoss,
                      TripletMarginLoss, TripletMarginWithDistanceLoss, GaussianNLLLoss,
                      PoissonNLLLoss)
from .modules import (GLU, RReLU, Softmax2d, RMSNorm, LocalResponseNorm, PixelShuffle,
                      PixelUnshuffle, Fold, Unfold, ConstantPad3d, ZeroPad3d, ReflectionPad1d,
                      ReflectionPad2d, ReflectionPad3d, ReplicationPad1d, ReplicationPad2d,
                      ReplicationPad3d, CircularPad1d, CircularPad2d, CircularPad3d, AlphaDropout,
                      FeatureAlphaDropout, LPPool1d, LPPool2d, MaxUnpool1d, MaxUnpool2d)
from .modules import (Conv3d, MaxPool3d, AvgPool3d, AdaptiveAvgPool3d, AdaptiveMaxPool3d,
                      BatchNorm3d, InstanceNorm3d, Dropout3d)
from .modules import (ConvTranspose3d, LPPool3d, MaxUnpool3d)
from . import functional, init, modules, utils
from .modules import CTCLoss
from .modules import ChannelShuffle
from .modules import AdaptiveLogSoftmaxWithLoss


from .parameter import Buffer, UninitializedParameter, UninitializedBuffer
from .modules import (LazyLinear, LazyConv1d, LazyConv2d, LazyConv3d,
                      LazyConvTranspose1d, LazyConvTranspose2d, LazyBatchNorm1d, LazyBatchNorm2d,
                      LazyBatchNorm3d, LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d)
from .modules import FractionalMaxPool2d, FractionalMaxPool3d, NLLLoss2d, CrossMapLRN2d
from . import functional, init, modules, utils
from . import parameter

__all__ = ['Parameter', 'Module', 'Sequential', 'ModuleList', 'Identity', 'Linear', 'ReLU',
           'Sigmoid', 'Tanh', 'LeakyReLU', 'Softplus', 'Softmax', 'LogSoftmax', 'Dropout',
           'Flatten', 'MSELoss', 'L1Loss', 'SmoothL1Loss', 'BCELoss', 'BCEWithLogitsLoss',
           'CrossEntropyLoss', 'NLLLoss', 'SiLU', 'ELU', 'GELU', 'BatchNorm1d', 'BatchNorm2d',
           'LayerNorm', 'Embedding', 'ModuleDict', 'ParameterList', 'ParameterDict',
           'LogSigmoid', 'HuberLoss', 'Conv2d', 'MaxPool2d', 'AvgPool2d', 'functional', 'init',
           'modules', 'utils', 'RNNCellBase', 'RNNCell', 'LSTMCell', 'GRUCell', 'RNNBase', 'RNN',
           'LSTM', 'GRU', 'Conv1d', 'MaxPool1d', 'AvgPool1d', 'AdaptiveAvgPool1d',
           'AdaptiveAvgPool2d', 'GroupNorm', 'Unflatten', 'ZeroPad1d', 'ZeroPad2d',
           'ConstantPad1d', 'ConstantPad2d', 'CosineSimilarity', 'PairwiseDistance', 'KLDivLoss',
           'ReLU6', 'Hardtanh', 'Softsign', 'Mish', 'SELU', 'CELU', 'Hardsigmoid', 'Hardswish',
           'Softshrink', 'Hardshrink', 'Tanhshrink', 'Threshold', 'Softmin', 'PReLU',
           'Dropout1d', 'Dropout2d', 'AdaptiveMaxPool1d', 'AdaptiveMaxPool2d', 'ConvTranspose1d',
           'ConvTranspose2d', 'InstanceNorm1d', 'InstanceNorm2d', 'Upsample',
           'UpsamplingNearest2d', 'UpsamplingBilinear2d', 'Bilinear', 'MultiheadAttention',
           'TransformerEncoderLayer', 'TransformerEncoder',
           'TransformerDecoderLayer', 'TransformerDecoder', 'Transformer', 'EmbeddingBag']
__all__ += ['CosineEmbeddingLoss', 'MarginRankingLoss', 'HingeEmbeddingLoss', 'SoftMarginLoss',
            'MultiLabelSoftMarginLoss', 'MultiMarginLoss', 'MultiLabelMarginLoss',
            'TripletMarginLoss', 'TripletMarginWithDistanceLoss', 'GaussianNLLLoss',
            'PoissonNLLLoss']
__all__ += ['GLU', 'RReLU', 'Softmax2d', 'RMSNorm', 'LocalResponseNorm', 'PixelShuffle',
            'PixelUnshuffle', 'Fold', 'Unfold', 'ConstantPad3d', 'ZeroPad3d', 'ReflectionPad1d',
            'ReflectionPad2d', 'ReflectionPad3d', 'ReplicationPad1d', 'ReplicationPad2d',
            'ReplicationPad3d', 'CircularPad1d', 'CircularPad2d', 'CircularPad3d', 'AlphaDropout',
            'FeatureAlphaDropout', 'LPPool1d', 'LPPool2d', 'MaxUnpool1d', 'MaxUnpool2d']
__all__ += ['Conv3d', 'MaxPool3d', 'AvgPool3d', 'AdaptiveAvgPool3d', 'AdaptiveMaxPool3d',
            'BatchNorm3d', 'InstanceNorm3d', 'Dropout3d']
__all__ += ['ConvTranspose3d', 'LPPool3d', 'MaxUnpool3d', 'CTCLoss',
            'ChannelShuffle', 'AdaptiveLogSoftmaxWithLoss']


__all__ += ['Buffer', 'UninitializedParameter', 'UninitializedBuffer', 'LazyLinear',
            'LazyConv1d', 'LazyConv2d', 'LazyConv3d', 'LazyConvTranspose1d',
            'LazyConvTranspose2d', 'LazyBatchNorm1d', 'LazyBatchNorm2d', 'LazyBatchNorm3d',
            'LazyInstanceNorm1d', 'LazyInstanceNorm2d', 'LazyInstanceNorm3d']
__all__ += ['FractionalMaxPool2d', 'FractionalMaxPool3d', 'NLLLoss2d', 'CrossMapLRN2d']
from .modules import LazyConvTranspose3d  # noqa: E402  (needs ConvTranspose3d)
__all__.append('LazyConvTranspose3d')
