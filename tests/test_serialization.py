"""microtorch.save / load: round trips, and files that must be refused without running code."""
import io
import json
import math
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import microtorch as mt
from microtorch import optim

CALLS = []


def _record_call(*args):
    CALLS.append(args)
    return 'ran'


class Payload:
    """Unpickling this calls _record_call: the test proves the loader never does."""

    def __reduce__(self):
        return (_record_call, ('payload',))


def round_trip(obj, **load_kwargs):
    buf = io.BytesIO()
    mt.save(obj, buf)
    buf.seek(0)
    return mt.load(buf, **load_kwargs)


def same_tensor(a, b):
    return (type(b) is mt.Tensor and a.dtype is b.dtype and a.shape == b.shape
            and a.requires_grad == b.requires_grad and a.device == b.device
            and np.array_equal(a.detach().cpu().numpy(), b.detach().cpu().numpy(),
                               equal_nan=a.is_floating_point()))


# ---- round trips ----------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', [mt.bool, mt.int32, mt.int64, mt.float32, mt.float64],
                         ids=lambda d: d.name)
@pytest.mark.parametrize('shape', [(), (0,), (3,), (2, 3, 4)], ids=str)
def test_tensor_round_trip_every_dtype(dtype, shape, device):
    rng = np.random.default_rng(0)
    t = mt.tensor((rng.standard_normal(shape) * 100).astype(dtype.np), device=device)
    if dtype.is_floating_point:
        t.requires_grad_()
        if t.numel() > 1:
            t.detach()[(0,) * len(shape)] = math.nan
    out = round_trip(t)
    assert same_tensor(t, out) and out.is_leaf and out.grad is None


def test_non_contiguous_and_non_leaf_tensors():
    base = mt.arange(12.0, requires_grad=True).reshape(3, 4)
    out = round_trip({'t': base.t(), 'sliced': base[:, ::2]})
    assert same_tensor(base.t(), out['t']) and out['t'].is_leaf
    assert out['t'].is_contiguous() and out['sliced'].tolist() == [[0, 2], [4, 6], [8, 10]]


def test_nested_containers_and_plain_values():
    obj = OrderedDict([
        ('weights', {'layer.0': mt.ones(2, 2), 'layer.1': [mt.zeros(1), (mt.tensor(3),)]}),
        ('numbers', [0, -7, 2 ** 70, 1.5, -0.0, math.inf, True, False, None]),
        ('text', 'héllo \u2603 "quoted" \n'),
        (3, 'int key'), (2.5, 'float key'), ((1, 'a'), 'tuple key'), (None, 'none key'),
        ('types', [mt.float64, mt.device('cpu'), mt.Size([2, 3]), ()]),
        ('numpy', [np.arange(4, dtype=np.int16), np.float32(0.5), np.int64(9)]),
        ('empty', [{}, [], OrderedDict()]),
    ])
    out = round_trip(obj)
    assert type(out) is OrderedDict and list(out) == list(obj)
    assert type(out['weights']) is dict and same_tensor(obj['weights']['layer.0'],
                                                         out['weights']['layer.0'])
    assert same_tensor(obj['weights']['layer.1'][1][0], out['weights']['layer.1'][1][0])
    assert isinstance(out['weights']['layer.1'][1], tuple)
    assert out['numbers'] == obj['numbers'] and math.copysign(1, out['numbers'][4]) == -1
    assert [type(v) for v in out['numbers']] == [type(v) for v in obj['numbers']]
    assert out['text'] == obj['text'] and out[3] == 'int key' and out[2.5] == 'float key'
    assert out[(1, 'a')] == 'tuple key' and out[None] == 'none key'
    assert out['types'][0] is mt.float64 and out['types'][1] == mt.device('cpu')
    assert type(out['types'][2]) is mt.Size and out['types'][2] == (2, 3)
    assert out['types'][3] == ()
    array = out['numpy'][0]
    assert isinstance(array, np.ndarray) and array.dtype == np.int16 and array.tolist() == [
        0, 1, 2, 3]
    assert out['numpy'][1:] == [0.5, 9]
    assert out['empty'] == [{}, [], OrderedDict()] and type(out['empty'][2]) is OrderedDict


def test_nan_value():
    assert math.isnan(round_trip([math.nan])[0])


def test_a_tensor_saved_twice_loads_as_one_object():
    t = mt.ones(3)
    out = round_trip({'a': t, 'b': [t], 'c': mt.ones(3)})
    assert out['a'] is out['b'][0] and out['c'] is not out['a']


def test_file_paths_and_file_objects(tmp_path):
    obj = {'w': mt.randn(3, 2), 'step': 7}
    path = tmp_path / 'model.pt'
    mt.save(obj, path)                          # a pathlib.Path
    assert same_tensor(obj['w'], mt.load(path)['w'])
    mt.save(obj, str(path))                     # a str path
    assert mt.load(str(path), map_location='cpu')['step'] == 7
    with open(path, 'wb') as f:                 # an open binary file
        mt.save(obj, f)
        assert not f.closed
    with open(path, 'rb') as f:
        out = mt.load(f)
        assert not f.closed
    assert same_tensor(obj['w'], out['w'])
    buf = io.BytesIO()
    mt.save(obj, buf)
    data = buf.getvalue()
    assert data[:4] == b'PK\x03\x04'
    assert same_tensor(obj['w'], mt.load(io.BytesIO(data))['w'])


def test_map_location_and_weights_only():
    t = mt.ones(2)
    for location in ('cpu', mt.device('cpu'), {'cpu': 'cpu'}, None):
        assert same_tensor(t, round_trip(t, map_location=location))
    assert same_tensor(t, round_trip(t, weights_only=False))
    with pytest.raises(TypeError, match='map_location must be'):
        round_trip(t, map_location=lambda storage, location: storage)


def test_cuda_tensors_come_back_to_their_device(device):
    t = mt.ones(2, device=device)
    assert round_trip(t).device == t.device
    assert round_trip(t, map_location='cpu').device == mt.device('cpu')


def test_tensors_saved_on_a_gpu_map_to_the_cpu():
    data = crafted(header(tensor_node(device='cuda:0')), [npy(np.ones(2, np.float32))])
    for location in ('cpu', {'cuda:0': 'cpu'}):
        assert same_tensor(mt.ones(2), mt.load(io.BytesIO(data), map_location=location))
    if mt.cuda.is_available():
        assert mt.load(io.BytesIO(data)).device == mt.device('cuda:0')
    else:
        with pytest.raises(RuntimeError, match="pass map_location='cpu'"):
            mt.load(io.BytesIO(data))


def test_unsupported_objects_are_refused_before_writing(tmp_path):
    path = tmp_path / 'x.pt'
    for obj in ({'f': len}, [Payload()], np.array(['a']), {'t': np.array([object()])}):
        with pytest.raises(TypeError, match="microtorch.save can't save an object of type"):
            mt.save(obj, path)
        assert not path.exists()
    with pytest.raises(TypeError, match="microtorch.save can't save an object of type set"):
        mt.save({1, 2}, path, format='microtorch')      # sets: in PyTorch's format only
    assert not path.exists()


@pytest.mark.parametrize('name', ['SGD', 'Adam'])
def test_optimizer_state_dict_round_trip(name, tmp_path):
    def make(params):
        if name == 'SGD':
            return optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True)
        return optim.Adam([{'params': params[:1]}, {'params': params[1:], 'lr': 0.01}],
                          lr=0.1, betas=(0.8, 0.9), amsgrad=True)

    rng = np.random.default_rng(0)
    first = [mt.tensor(rng.standard_normal(s), requires_grad=True) for s in ((2, 3), (4,))]
    opt = make(first)
    grads = [[rng.standard_normal(p.shape) for p in first] for _ in range(4)]
    for gs in grads[:2]:
        for p, g in zip(first, gs):
            p.grad = mt.tensor(g)
        opt.step()
    mt.save({'model': {f'p{i}': p for i, p in enumerate(first)},
             'optimizer': opt.state_dict()}, tmp_path / 'ckpt.pt')
    checkpoint = mt.load(tmp_path / 'ckpt.pt')
    assert checkpoint['optimizer']['param_groups'] == opt.state_dict()['param_groups']
    second = [mt.tensor(checkpoint['model'][f'p{i}'].detach().numpy(), requires_grad=True)
              for i in range(2)]
    opt2 = make(second)
    opt2.load_state_dict(checkpoint['optimizer'])
    for gs in grads[2:]:
        for params, o in ((first, opt), (second, opt2)):
            for p, g in zip(params, gs):
                p.grad = mt.tensor(g)
            o.step()
    for p, q in zip(first, second):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


# ---- refusals -------------------------------------------------------------------------------

def refused(data, match='not a'):
    CALLS.clear()
    with pytest.raises(RuntimeError, match=match):
        mt.load(io.BytesIO(data))
    assert CALLS == []


def test_the_payload_is_live_for_pickle():
    assert pickle.loads(pickle.dumps(Payload())) == 'ran' and CALLS == [('payload',)]


def test_pickle_files_are_refused_without_running_them(tmp_path):
    for protocol in (0, 2, pickle.HIGHEST_PROTOCOL):
        refused(pickle.dumps({'x': Payload()}, protocol=protocol), match='pickle')
    path = tmp_path / 'evil.pkl'
    path.write_bytes(pickle.dumps(Payload()))
    with pytest.raises(RuntimeError, match=r"evil\.pkl' looks like a pickle"):
        mt.load(path)
    assert CALLS == []


def test_torch_checkpoints_with_code_are_refused(torch, tmp_path):
    path = tmp_path / 'torch.pt'
    torch.save({'w': torch.ones(2), 'payload': Payload()}, path)
    CALLS.clear()
    with pytest.raises(pickle.UnpicklingError, match='Unsupported global: GLOBAL '
                       'test_serialization._record_call'):
        mt.load(path)
    assert CALLS == []      # (tests/test_pt_files.py tests the PyTorch format further)


def crafted(structure, members=(), raw_structure=None):
    """A zip laid out as microtorch's, with the given JSON and .npy members."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w') as archive:
        archive.writestr('microtorch.json', raw_structure if raw_structure is not None
                         else json.dumps(structure))
        for i, member in enumerate(members):
            archive.writestr(f'{i}.npy', member)
    return buf.getvalue()


def npy(array, allow_pickle=False):
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


def header(root):
    return {'format': 'microtorch', 'version': 1, 'root': root}


def tensor_node(member=0, dtype='float32', shape=(2,), requires_grad=False, device='cpu'):
    return {'__type__': 'tensor', 'member': member, 'dtype': dtype, 'shape': list(shape),
            'requires_grad': requires_grad, 'device': device}


def test_a_valid_crafted_file_loads():
    out = mt.load(io.BytesIO(crafted(header(tensor_node()), [npy(np.ones(2, np.float32))])))
    assert same_tensor(mt.ones(2), out)


@pytest.mark.parametrize('data,match', [
    (b'', 'not a microtorch or PyTorch file'),
    (b'\x00garbage' * 10, 'not a microtorch or PyTorch file'),
    (npy(np.ones(3)), 'not a microtorch or PyTorch file'),
    (b'PK\x03\x04 broken zip', 'not a valid microtorch or PyTorch file'),
    (crafted(None, raw_structure='{'), 'not a valid microtorch file'),
    (crafted(None, raw_structure='[' * 100000 + ']' * 100000), 'not a valid microtorch file'),
    (crafted({'format': 'other', 'root': 1}), 'no microtorch header'),
    (crafted({'format': 'microtorch', 'version': 99, 'root': 1}), 'version 99'),
    (crafted(header({'__type__': 'pickle', 'data': 'gASV'})), 'unknown node type'),
    (crafted(header({'__type__': 'tensor', 'member': 0})), 'not a valid'),
    (crafted(header(tensor_node()), []), 'not a valid'),
    (crafted(header(tensor_node(member='0.npy')), [npy(np.ones(2, np.float32))]), 'member'),
    (crafted(header(tensor_node(dtype='float64')), [npy(np.ones(2, np.float32))]),
     'does not hold'),
    (crafted(header(tensor_node(shape=(3,))), [npy(np.ones(2, np.float32))]), 'does not hold'),
    (crafted(header(tensor_node(dtype='uint16')), [npy(np.ones(2, np.uint16))]), 'uint16'),
    (crafted(header(tensor_node(dtype='int64', requires_grad=True)),
             [npy(np.ones(2, np.int64))]), 'requires_grad'),
    (crafted(header(tensor_node(device='tpu:0')), [npy(np.ones(2, np.float32))]), 'tpu'),
    (crafted(header(tensor_node()), [npy(np.array([Payload(), 1], dtype=object), True)]),
     'not a valid'),
    (crafted(header({'__type__': 'ndarray', 'member': 0}),
             [npy(np.array([Payload()], dtype=object), True)]), 'not a valid'),
    (crafted(header({'__type__': 'ndarray', 'member': 0}), [b'not an npy']), 'not an array'),
    (crafted(header({'__type__': 'dict', 'items': [[[1], 2]]})), 'unhashable'),
    (crafted(header({'__type__': 'dtype', 'name': '__import__'})), 'not a valid'),
    (crafted(header({'__type__': 'size', 'items': ['a']})), 'Size of non-integers'),
])
def test_crafted_and_foreign_files_are_refused(data, match):
    refused(data, match)


def test_a_zip_without_our_description_is_refused():
    buf = io.BytesIO()
    np.savez(buf, a=np.ones(2))
    refused(buf.getvalue(), 'zip archive but not a microtorch or PyTorch file')


def test_text_mode_file_is_refused(tmp_path):
    path = tmp_path / 'x.pt'
    mt.save(mt.ones(1), path)
    with open(path, 'r', encoding='latin-1') as f:
        with pytest.raises(RuntimeError, match='text mode'):
            mt.load(f)
