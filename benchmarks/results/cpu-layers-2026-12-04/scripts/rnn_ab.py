"""nn.LSTM and nn.GRU (32 x 50 x 64 -> 128, batch first), forward and forward + backward, and
a transformer encoder layer for reference: one library per process, medians of 7 timed calls
after two warm-ups. Prints JSON: {name: [forward ms, forward+backward ms]}.
    python rnn_ab.py LIB     (LIB: torch, or the path of a microtorch checkout)
"""
import json
import sys

import numpy as np

from library import load, median_ms

torch = load(sys.argv[1])
nn = torch.nn
torch.manual_seed(0)
rng = np.random.default_rng(0)
x = torch.tensor(rng.standard_normal((32, 50, 64)).astype(np.float32))
rows = {}
for name, layer in (('LSTM 32x50x64 -> 128', nn.LSTM(64, 128, batch_first=True)),
                    ('GRU 32x50x64 -> 128', nn.GRU(64, 128, batch_first=True)),
                    ('LSTM 2 layers, bidirectional', nn.LSTM(64, 128, num_layers=2,
                                                             bidirectional=True,
                                                             batch_first=True))):
    rows[name] = (median_ms(lambda: layer(x)), median_ms(lambda: layer(x)[0].sum().backward()))
encoder = nn.TransformerEncoderLayer(128, 4, 256, dropout=0.0, batch_first=True)
xe = torch.tensor(rng.standard_normal((32, 64, 128)).astype(np.float32))
rows['TransformerEncoderLayer 32x64x128'] = (median_ms(lambda: encoder(xe)),
                                             median_ms(lambda: encoder(xe).sum().backward()))
print(json.dumps(rows))
