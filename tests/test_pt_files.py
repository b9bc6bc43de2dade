"""PyTorch's checkpoint format: torch.save's files load in microtorch, microtorch.save's in
PyTorch (weights_only=True), and pickles asking for anything else are refused unrun."""
import io
import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import microtorch as mt
from test_serialization import CALLS, Payload  # (a pickle that would call a function)

DTYPES = ['bool', 'uint8', 'int8', 'int16', 'int32', 'int64', 'float16', 'float32', 'float64']


def torch_bytes(torch, obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def mt_bytes(obj, **kwargs):
    buf = io.BytesIO()
    mt.save(obj, buf, **kwargs)
    return buf.getvalue()


def to_mt(torch, obj, **load_kwargs):
    return mt.load(io.BytesIO(torch_bytes(torch, obj)), **load_kwargs)


def to_torch(torch, obj):
    return torch.load(io.BytesIO(mt_bytes(obj)), weights_only=True)


def same(t, m):
    """A PyTorch tensor and a microtorch one hold the same: dtype, shape, values, grad flag."""
    return (str(t.dtype).split('.')[1] == m.dtype.name and tuple(t.shape) == tuple(m.shape)
            and t.requires_grad == m.requires_grad
            and np.array_equal(t.detach().numpy(), m.detach().numpy(), equal_nan=True))


def rebuilt(records, archive='archive'):
    """A zip laid out as torch.save's, from {record name: bytes}."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w') as out:
        for name, data in records.items():
            out.writestr(f'{archive}/{name}', data)
    return buf.getvalue()


def records(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n.split('/', 1)[1]: archive.read(n) for n in archive.namelist()}


# ---- module state dicts, both ways ------------------------------------------------------------

def modules(lib):
    lib.manual_seed(0)
    return {
        'linear': (lib.nn.Linear(4, 3), (2, 4)),
        'conv': (lib.nn.Conv2d(2, 3, 3, padding=1), (1, 2, 5, 5)),
        'batchnorm': (lib.nn.BatchNorm2d(3), (2, 3, 4, 4)),
        'lstm': (lib.nn.LSTM(3, 4, num_layers=2), (5, 2, 3)),
        'embedding': (lib.nn.Embedding(10, 3), None),
    }


def forward(lib, module, shape, seed=1):
    if shape is None:
        return module(lib.tensor([[1, 2, 9], [0, 4, 4]]))
    x = lib.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))
    out = module(x)
    return out[0] if isinstance(out, tuple) else out


def trained_torch_module(torch, name):
    module, shape = modules(torch)[name]
    if name == 'batchnorm':                     # running stats and num_batches_tracked move
        module.train()
        for seed in (2, 3):
            forward(torch, module, shape, seed)
        module.eval()
    return module, shape


@pytest.mark.parametrize('name', ['linear', 'conv', 'batchnorm', 'lstm', 'embedding'])
def test_torch_state_dicts_load_into_microtorch_modules(torch, name):
    module, shape = trained_torch_module(torch, name)
    state = to_mt(torch, module.state_dict())
    expected = module.state_dict()
    assert type(state) is OrderedDict and list(state) == list(expected)
    assert state._metadata == expected._metadata           # (written with BUILD)
    assert all(same(expected[k], state[k]) for k in expected)
    if name == 'batchnorm':
        assert state['num_batches_tracked'].dtype is mt.int64
        assert state['num_batches_tracked'].item() == 2
    ours, _ = modules(mt)[name]
    ours.load_state_dict(state)
    ours.eval()
    with torch.no_grad():
        want = forward(torch, module, shape).numpy()
    got = forward(mt, ours, shape).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('name', ['linear', 'conv', 'batchnorm', 'lstm', 'embedding'])
def test_microtorch_state_dicts_load_into_torch_modules(torch, name):
    ours, shape = modules(mt)[name]
    if name == 'batchnorm':
        for seed in (2, 3):
            forward(mt, ours, shape, seed)
    ours.eval()
    state = to_torch(torch, ours.state_dict())
    assert list(state) == list(ours.state_dict())
    assert all(same(state[k], v) for k, v in ours.state_dict().items())
    module, _ = modules(torch)[name]
    module.load_state_dict(state)
    module.eval()
    with torch.no_grad():
        want = forward(torch, module, shape).numpy()
    np.testing.assert_allclose(forward(mt, ours, shape).detach().numpy(), want,
                               rtol=1e-5, atol=1e-6)


# ---- tensors: dtypes, views, shared storages ---------------------------------------------------

@pytest.mark.parametrize('shape', [(), (0,), (3,), (2, 0, 3), (2, 3, 4)], ids=str)
@pytest.mark.parametrize('dtype', DTYPES)
def test_every_dtype_both_ways(torch, dtype, shape):
    rng = np.random.default_rng(0)
    array = np.asarray(rng.standard_normal(shape) * 50).astype(getattr(np, dtype))
    t = torch.from_numpy(array.copy())
    m = to_mt(torch, t)
    assert type(m) is mt.Tensor and same(t, m)
    back = to_torch(torch, mt.tensor(array))
    assert type(back) is torch.Tensor and same(back, mt.tensor(array))


def test_requires_grad_and_parameters_both_ways(torch):
    t = torch.ones(2, requires_grad=True)
    p = torch.nn.Parameter(torch.arange(3.0))
    frozen = torch.nn.Parameter(torch.zeros(1), requires_grad=False)
    out = to_mt(torch, [t, p, frozen])
    assert type(out[0]) is mt.Tensor and out[0].requires_grad and out[0].is_leaf
    assert type(out[1]) is mt.nn.Parameter and same(p, out[1])
    assert type(out[2]) is mt.nn.Parameter and not out[2].requires_grad
    back = to_torch(torch, out)
    assert type(back[0]) is torch.Tensor and back[0].requires_grad
    assert type(back[1]) is torch.nn.Parameter and same(back[1], out[1])
    assert type(back[2]) is torch.nn.Parameter and not back[2].requires_grad


def test_views_and_shared_storages_from_torch(torch):
    base = torch.arange(12.0)
    views = {'base': base, 'slice': base[2:5], 'transposed': base[:10].view(2, 5).t(),
             'strided': base[1::3], 'scalar': base[7], 'empty': base[3:3],
             'expanded': base[:3].expand(2, 3), 'matrix': base.view(3, 4)[1:, 1:3]}
    out = to_mt(torch, views)
    for key, t in views.items():
        assert same(t, out[key]), key
        if key != 'expanded':
            assert out[key].stride() == t.stride(), key
    assert out['scalar'].shape == () and out['empty'].shape == (0,)
    out['base'][3] = 100.0                    # one storage, as in PyTorch: views see writes
    base[3] = 100.0
    for key in ('slice', 'transposed', 'strided'):
        assert same(views[key], out[key]), key
    out['expanded'][0, 0] = -1.0              # an expanded tensor got its own copy
    assert out['expanded'][1, 0].item() == 0.0


def test_views_from_microtorch_load_with_their_values(torch):
    base = mt.arange(10.0)
    out = to_torch(torch, {'base': base, 'view': base.view(2, 5).t(), 'slice': base[1:4]})
    assert out['view'].tolist() == base.view(2, 5).t().tolist()
    assert out['slice'].tolist() == [1.0, 2.0, 3.0]


def test_a_tensor_saved_twice_loads_as_one_object_both_ways(torch):
    t = torch.ones(2)
    out = to_mt(torch, {'a': t, 'b': [t]})
    assert out['a'] is out['b'][0]
    m = mt.ones(2)
    back = to_torch(torch, {'a': m, 'b': [m]})
    assert back['a'] is back['b'][0]


def test_nested_containers_both_ways(torch):
    def build(lib):
        return OrderedDict([
            ('ints', {0: lib.ones(1), 7: [1, 2.5, None, True, 'x'], -3: ()}),
            ('nested', [(lib.zeros(2, dtype=lib.int64), {'deep': [[lib.tensor(1.5)]]})]),
            ('meta', {'dtype': lib.float16, 'device': lib.device('cpu'),
                      'size': lib.Size([2, 3]), 'set': {1, 2}, 'bytes': b'\x00\xff',
                      'complex': 1 + 2j, 'big': 2 ** 70, 'nan': float('inf')}),
        ])

    def check(t_obj, m_obj):
        assert list(t_obj) == list(m_obj) and type(t_obj) is type(m_obj) is OrderedDict
        assert list(t_obj['ints']) == [0, 7, -3]
        assert same(t_obj['ints'][0], m_obj['ints'][0])
        assert t_obj['ints'][7] == m_obj['ints'][7] and m_obj['ints'][-3] == ()
        assert same(t_obj['nested'][0][0], m_obj['nested'][0][0])
        assert same(t_obj['nested'][0][1]['deep'][0][0], m_obj['nested'][0][1]['deep'][0][0])
        assert type(m_obj['nested'][0]) is tuple
        tm, mm = t_obj['meta'], m_obj['meta']
        assert mm['dtype'] is mt.float16 and tm['dtype'] is torch.float16
        assert mm['device'] == mt.device('cpu') and tm['device'] == torch.device('cpu')
        assert type(mm['size']) is mt.Size and type(tm['size']) is torch.Size
        assert mm['size'] == tm['size'] == (2, 3)
        for key in ('set', 'bytes', 'complex', 'big', 'nan'):
            assert mm[key] == tm[key], key

    check(build(torch), to_mt(torch, build(torch)))
    check(to_torch(torch, build(mt)), build(mt))


@pytest.mark.parametrize('direction', ['torch-to-microtorch', 'microtorch-to-torch'])
def test_adam_state_dicts_both_ways(torch, direction):
    def setup(lib):
        lib.manual_seed(0)
        model = lib.nn.Linear(3, 2)
        opt = lib.optim.Adam(model.parameters(), lr=0.1, betas=(0.8, 0.9), amsgrad=True)
        return model, opt

    def step(lib, model, opt):
        opt.zero_grad()
        model(lib.ones(4, 3)).pow(2).sum().backward()
        opt.step()

    (src_lib, dst_lib) = (torch, mt) if direction == 'torch-to-microtorch' else (mt, torch)
    src_model, src_opt = setup(src_lib)
    dst_model, dst_opt = setup(dst_lib)
    for _ in range(2):
        step(src_lib, src_model, src_opt)
    if src_lib is torch:
        model_state, opt_state = to_mt(torch, (src_model.state_dict(), src_opt.state_dict()))
    else:
        model_state, opt_state = to_torch(torch, (src_model.state_dict(), src_opt.state_dict()))
    assert opt_state['param_groups'][0]['betas'] == (0.8, 0.9)
    dst_model.load_state_dict(model_state)
    dst_opt.load_state_dict(opt_state)
    step(src_lib, src_model, src_opt)
    step(dst_lib, dst_model, dst_opt)
    for a, b in zip(src_model.parameters(), dst_model.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5)


# ---- the file itself ---------------------------------------------------------------------------

def test_paths_and_file_objects(torch, tmp_path):
    path = tmp_path / 'model.pt'
    torch.save({'w': torch.ones(2)}, path)
    assert mt.load(path)['w'].tolist() == [1.0, 1.0]
    assert mt.load(str(path))['w'].tolist() == [1.0, 1.0]
    with open(path, 'rb') as f:
        assert mt.load(f)['w'].tolist() == [1.0, 1.0]
    ours = tmp_path / 'ours.pt'
    mt.save({'w': mt.zeros(3)}, ours)
    assert torch.load(ours)['w'].tolist() == [0.0] * 3
    assert torch.load(str(ours), mmap=True)['w'].tolist() == [0.0] * 3   # records aligned
    with open(ours, 'rb') as f:
        assert torch.load(f)['w'].tolist() == [0.0] * 3
    with open(tmp_path / 'f.pt', 'wb') as f:
        mt.save(mt.ones(1), f)
    assert torch.load(tmp_path / 'f.pt').tolist() == [1.0]


def test_the_default_format_and_the_format_argument(torch):
    assert any(n.endswith('/data.pkl') for n in records_names(mt_bytes({'w': mt.ones(1)})))
    assert 'microtorch.json' in records_names(mt_bytes({'w': mt.ones(1)}, format='microtorch'))
    assert 'microtorch.json' in records_names(mt_bytes({'a': np.ones(2)}))     # NumPy: ours
    for kwargs in ({}, {'format': 'pytorch'}, {'format': 'microtorch'}):
        out = mt.load(io.BytesIO(mt_bytes({'w': mt.arange(3)}, **kwargs)))
        assert out['w'].tolist() == [0, 1, 2] and out['w'].dtype is mt.int64
    with pytest.raises(TypeError, match="can't save an object of type ndarray in the PyTorch"):
        mt.save({'a': np.ones(2)}, io.BytesIO(), format='pytorch')
    with pytest.raises(ValueError, match="format must be None, 'pytorch' or 'microtorch'"):
        mt.save(mt.ones(1), io.BytesIO(), format='pickle')


def records_names(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.namelist()


def test_the_layout_matches_torch_save(torch):
    ours = records(mt_bytes({'w': mt.ones(2)}))
    theirs = records(torch_bytes(torch, {'w': torch.ones(2)}))
    assert set(ours) <= set(theirs)
    for name in ('byteorder', 'version', '.format_version', '.storage_alignment', 'data/0'):
        assert ours[name] == theirs[name], name


def test_map_location(torch):
    data = records(torch_bytes(torch, {'w': torch.ones(2)}))
    data['data.pkl'] = data['data.pkl'].replace(b'X\x03\x00\x00\x00cpu',
                                                b'X\x06\x00\x00\x00cuda:0')
    on_gpu = rebuilt(data)
    for where in ('cpu', mt.device('cpu'), {'cuda:0': 'cpu'}):
        out = mt.load(io.BytesIO(on_gpu), map_location=where)['w']
        assert out.device == mt.device('cpu') and out.tolist() == [1.0, 1.0]
    if not mt.cuda.is_available():
        with pytest.raises(RuntimeError, match="pass map_location='cpu'"):
            mt.load(io.BytesIO(on_gpu))
    assert to_mt(torch, torch.ones(1), map_location='cpu').device == mt.device('cpu')


def test_big_endian_files(torch):
    data = records(torch_bytes(torch, {'w': torch.arange(3, dtype=torch.int32)}))
    data['byteorder'] = b'big'
    data['data/0'] = np.arange(3, dtype='>i4').tobytes()
    assert mt.load(io.BytesIO(rebuilt(data)))['w'].tolist() == [0, 1, 2]


# ---- refusals ----------------------------------------------------------------------------------

@pytest.mark.parametrize('make', [lambda t: t.ones(2, dtype=t.bfloat16),
                                  lambda t: t.ones(2, dtype=t.complex64),
                                  lambda t: {'dtype': t.bfloat16}])
def test_dtypes_microtorch_lacks_are_refused(torch, make):
    with pytest.raises(RuntimeError, match=r'holds tensors of dtype torch\.(bfloat16|complex64)'
                       ', which microtorch does not have'):
        to_mt(torch, make(torch))


def test_code_in_the_pickle_is_refused_unrun(torch, tmp_path):
    CALLS.clear()
    with pytest.raises(pickle.UnpicklingError, match='Weights only load failed: Unsupported '
                       'global: GLOBAL test_serialization._record_call was not an allowed global'):
        to_mt(torch, {'w': torch.ones(1), 'x': Payload()})
    assert CALLS == []
    marker = tmp_path / 'ran'
    data = records(torch_bytes(torch, torch.ones(1)))
    command = f'touch {marker}'.encode()
    data['data.pkl'] = (b'\x80\x02cposix\nsystem\nX' + len(command).to_bytes(4, 'little')
                        + command + b'\x85R.')
    assert pickle.loads(data['data.pkl']) == 0 and marker.exists()     # the payload is live
    marker.unlink()
    with pytest.raises(pickle.UnpicklingError, match='GLOBAL posix.system'):
        mt.load(io.BytesIO(rebuilt(data)))
    assert not marker.exists()


@pytest.mark.parametrize('pickled,match', [
    (pickle.dumps(os.system, protocol=2), 'GLOBAL posix.system'),
    (pickle.dumps(OrderedDict, protocol=0), None),
    (b'\x80\x02cbuiltins\neval\nX\x01\x00\x00\x001\x85R.', 'GLOBAL builtins.eval'),
    (b'\x80\x02c__builtin__\ngetattr\n.', 'GLOBAL builtins.getattr'),
    (b'\x80\x02c__builtin__\nset\n)R}X\x01\x00\x00\x00xK\x01sb.', 'BUILD on a set object'),
    (b'\x80\x02ccollections\nOrderedDict\n)R]K\x01ab.', 'not a valid PyTorch checkpoint'),
    (b'\x80\x02ctorch\nTensor\n.', 'GLOBAL torch.Tensor'),
    (b'\x80\x02ctorch._utils\n_rebuild_qtensor\n.', 'GLOBAL torch._utils._rebuild_qtensor'),
])
def test_globals_outside_the_allowlist_are_refused(torch, pickled, match):
    data = records(torch_bytes(torch, torch.ones(1)))
    data['data.pkl'] = pickled
    if match is None:                          # an allowed global is fine
        assert mt.load(io.BytesIO(rebuilt(data))) is OrderedDict
        return
    refusal = RuntimeError if match.startswith('not a valid') else pickle.UnpicklingError
    with pytest.raises(refusal, match=match):
        mt.load(io.BytesIO(rebuilt(data)))


def test_legacy_torch_files_are_refused(torch):
    buf = io.BytesIO()
    torch.save({'w': torch.ones(2)}, buf, _use_new_zipfile_serialization=False)
    buf.seek(0)
    with pytest.raises(RuntimeError, match="is in PyTorch's legacy format"):
        mt.load(buf)


def _damage(torch, how):
    good = torch_bytes(torch, {'w': torch.arange(4.0)})
    if how == 'truncated':
        return good[:len(good) // 2]
    data = records(good)
    if how == 'short storage':
        data['data/0'] = data['data/0'][:-4]
    elif how == 'no storage':
        del data['data/0']
    elif how == 'past the storage':
        data['data.pkl'] = data['data.pkl'].replace(b'K\x04\x85', b'K\x09\x85')
    elif how == 'bad pickle':
        data['data.pkl'] = data['data.pkl'][:-5]
    elif how == 'no pickle':
        data = {'version': b'3\n', 'data.pkl/x': b''}
    elif how == 'byteorder':
        data['byteorder'] = b'middle'
    return rebuilt(data)


@pytest.mark.parametrize('how,match', [
    ('truncated', 'is not a valid microtorch or PyTorch file'),
    ('short storage', 'storage 0 has 12 bytes, not the 4 float32 elements'),
    ('no storage', 'it has no record data/0'),
    ('past the storage', 'reaches past its storage of 4 elements'),
    ('bad pickle', 'is not a valid PyTorch checkpoint'),
    ('no pickle', 'zip archive but not a microtorch or PyTorch file'),
    ('byteorder', "unknown byte order 'middle'"),
])
def test_damaged_files_are_refused_clearly(torch, how, match):
    with pytest.raises(RuntimeError, match=match):
        mt.load(io.BytesIO(_damage(torch, how)))


def test_a_huge_claimed_buffer_is_refused_before_allocating(torch):
    data = records(torch_bytes(torch, torch.ones(1)))
    data['data.pkl'] = b'\x80\x05\x96' + (1 << 60).to_bytes(8, 'little') + b'.'    # BYTEARRAY8
    with pytest.raises(RuntimeError, match='protocol 5 buffers'):
        mt.load(io.BytesIO(rebuilt(data)))


def test_damaged_pickles_raise_only_the_documented_errors(torch):
    """Bytes of a real checkpoint's pickle changed at random: each load loads or is refused
    with RuntimeError or pickle.UnpicklingError, never another exception, and runs nothing."""
    state = torch.nn.LSTM(3, 4).state_dict()
    state['extra'] = {1: [torch.ones(2, dtype=torch.int8)[1:], (2.5, 'a')], 'p': Payload}
    good = records(torch_bytes(torch, state))
    rng = np.random.default_rng(0)
    CALLS.clear()
    for _ in range(400):
        pickled = bytearray(good['data.pkl'])
        for i in rng.integers(0, len(pickled), rng.integers(1, 5)):
            pickled[i] = rng.integers(256)
        try:
            mt.load(io.BytesIO(rebuilt({**good, 'data.pkl': bytes(pickled)})))
        except (RuntimeError, pickle.UnpicklingError):
            pass
    assert CALLS == []
