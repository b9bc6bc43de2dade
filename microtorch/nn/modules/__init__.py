"""The layer classes of microtorch.nn, one family per module."""
from .module import Module
from .container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict
from .linear import Identity, Linear
from .activation import (ReLU, Sigmoid, Tanh, LeakyReLU, Softplus, Softmax, LogSoftmax, SiLU,
                         ELU, GELU, LogSigmoid)
from .dropout import Dropout
from .flatten import Flatten
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .sparse import Embedding
from .conv import Conv2d, MaxPool2d, AvgPool2d, Conv1d, MaxPool1d, AvgPool1d
from .conv import AdaptiveAvgPool1d, AdaptiveAvgPool2d
from .normalization import GroupNorm
from .flatten import Unflatten
from .padding import ZeroPad1d, ZeroPad2d, ConstantPad1d, ConstantPad2d
from .distance import CosineSimilarity, PairwiseDistance
from .loss import KLDivLoss
from .rnn import RNNCellBase, RNNCell, LSTMCell, GRUCell, RNNBase, RNN, LSTM, GRU
from .loss import (MSELoss, L1Loss, SmoothL1Loss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss,
                   NLLLoss, HuberLoss)
from .activation import (ReLU6, Hardtanh, Softsign, Mish, SELU, CELU, Hardsigmoid, Hardswish,
                         Softshrink, Hardshrink, Tanhshrink, Threshold, Softmin, PReLU)
from .dropout import Dropout1d, Dropout2d
from .conv import AdaptiveMaxPool1d, AdaptiveMaxPool2d, ConvTranspose1d, ConvTranspose2d
from .normalization import InstanceNorm1d, InstanceNorm2d
from .upsampling import Upsample, UpsamplingNearest2d, UpsamplingBilinear2d
from .linear import Bilinear, NonDynamicallyQuantizableLinear
from .transformer import MultiheadAttention, TransformerEncoderLayer, TransformerEncoder
from .transformer import TransformerDecoderLayer, TransformerDecoder, Transformer
from .sparse import EmbeddingBag

from .loss import (CosineEmbeddingLoss, MarginRankingLoss, HingeEmbeddingLoss, SoftMarginLoss,
                   MultiLabelSoftMarginLoss, MultiMarginLoss, MultiLabelMarginLoss,
                   TripletMarginLoss, TripletMarginWithDistanceLoss, GaussianNLLLoss,
                   PoissonNLLLoss)
from .activation import (GLU, RReLU, Softmax2d)
from .normalization import (RMSNorm, LocalResponseNorm)
from .pixelshuffle import (PixelShuffle, PixelUnshuffle)
from .fold import (Fold, Unfold)
from .padding import (ConstantPad3d, ZeroPad3d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d,
                      ReplicationPad1d, ReplicationPad2d, ReplicationPad3d, CircularPad1d,
                      CircularPad2d, CircularPad3d)
from .dropout import (AlphaDropout, FeatureAlphaDropout)
from .pooling import (LPPool1d, LPPool2d, MaxUnpool1d, MaxUnpool2d)
from .conv import (Conv3d, MaxPool3d, AvgPool3d, AdaptiveAvgPool3d, AdaptiveMaxPool3d)
from .normalization import (BatchNorm3d, InstanceNorm3d)
from .dropout import (Dropout3d)
from .conv import ConvTranspose3d
from .pooling import (LPPool3d, MaxUnpool3d)
from .loss import CTCLoss
from .pixelshuffle import ChannelShuffle
from .adaptive import AdaptiveLogSoftmaxWithLoss
from .loss import LinearCrossEntropyLoss
from .linear_cross_entropy_options import LinearCrossEntropyOptions


from .lazy import LazyModuleMixin
from .linear import LazyLinear
from .conv import (LazyConv1d, LazyConv2d, LazyConv3d, LazyConvTranspose1d,
                   LazyConvTranspose2d)
from .normalization import (LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d,
                            LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d)
from .pooling import FractionalMaxPool2d, FractionalMaxPool3d
from .loss import NLLLoss2d
from .normalization import CrossMapLRN2d
from .normalization import SyncBatchNorm
__all__ = ['Module', 'Sequential', 'ModuleList', 'Identity', 'Linear', 'ReLU', 'Sigmoid',
           'Tanh', 'LeakyReLU', 'Softplus', 'Softmax', 'LogSoftmax', 'Dropout', 'Flatten',
           'MSELoss', 'L1Loss', 'SmoothL1Loss', 'BCELoss', 'BCEWithLogitsLoss',
           'CrossEntropyLoss', 'NLLLoss', 'SiLU', 'ELU', 'GELU', 'BatchNorm1d', 'BatchNorm2d',
           'LayerNorm', 'Embedding', 'ModuleDict', 'ParameterList', 'ParameterDict',
           'LogSigmoid', 'HuberLoss', 'Conv2d', 'MaxPool2d', 'AvgPool2d',
           'RNNCellBase', 'RNNCell', 'LSTMCell', 'GRUCell', 'RNNBase', 'RNN', 'LSTM', 'GRU',
           'Conv1d', 'MaxPool1d', 'AvgPool1d', 'AdaptiveAvgPool1d', 'AdaptiveAvgPool2d',
           'GroupNorm', 'Unflatten', 'ZeroPad1d', 'ZeroPad2d', 'ConstantPad1d', 'ConstantPad2d',
           'CosineSimilarity', 'PairwiseDistance', 'KLDivLoss',
           'ReLU6', 'Hardtanh', 'Softsign', 'Mish', 'SELU', 'CELU', 'Hardsigmoid', 'Hardswish',
           'Softshrink', 'Hardshrink', 'Tanhshrink', 'Threshold', 'Softmin', 'PReLU',
           'Dropout1d', 'Dropout2d', 'AdaptiveMaxPool1d', 'AdaptiveMaxPool2d', 'ConvTranspose1d',
           'ConvTranspose2d', 'InstanceNorm1d', 'InstanceNorm2d', 'Upsample',
           'UpsamplingNearest2d', 'UpsamplingBilinear2d', 'Bilinear',
           'NonDynamicallyQuantizableLinear', 'MultiheadAttention', 'TransformerEncoderLayer',
           'TransformerEncoder',
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


__all__ += ['LazyLinear', 'LazyConv1d', 'LazyConv2d', 'LazyConv3d',
            'LazyConvTranspose1d', 'LazyConvTranspose2d', 'LazyBatchNorm1d', 'LazyBatchNorm2d',
            'LazyBatchNorm3d', 'LazyInstanceNorm1d', 'LazyInstanceNorm2d', 'LazyInstanceNorm3d']
__all__ += ['FractionalMaxPool2d', 'FractionalMaxPool3d', 'NLLLoss2d', 'CrossMapLRN2d',
            'SyncBatchNorm']
from .conv import LazyConvTranspose3d  # noqa: E402  (needs ConvTranspose3d)
__all__.append('LazyConvTranspose3d')
__all__ += ['LinearCrossEntropyLoss', 'LinearCrossEntropyOptions']
