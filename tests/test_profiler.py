"""microtorch.profiler and microtorch.autograd.profiler against PyTorch's: the names and counts
of a small MLP's events, the schedule's steps, the table's layout, the Chrome trace, and that
the timing wrappers are gone once no profiler runs."""
import json
import re
import warnings

import pytest

import microtorch
from microtorch import _tensor_methods
from microtorch.autograd import engine, function, small_apply
from microtorch.ops import functional
from microtorch.profiler import ProfilerAction, ProfilerActivity, profile, record_function, \
    schedule

ORIGINAL_APPLY = function.Function.__dict__['apply']
ORIGINAL_ENGINE = (engine._call_backward_data, engine._call_backward, engine._accumulate)


def mlp_step(lib, p):
    """A forward and backward of a small MLP under the profiler `p`'s module."""
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU(), lib.nn.Linear(8, 2))
    x, y = lib.randn(3, 4), lib.randn(3, 2)
    with p.profile(activities=[p.ProfilerActivity.CPU], record_shapes=True) as prof:
        with p.record_function('forward'):
            loss = lib.nn.functional.mse_loss(model(x), y) * 2.0
        loss.backward()
    return prof


def counts(prof):
    return {e.key: e.count for e in prof.key_averages()}


def assert_restored():
    assert function.Function.__dict__['apply'] is ORIGINAL_APPLY
    assert (engine._call_backward_data, engine._call_backward, engine._accumulate) == \
        ORIGINAL_ENGINE
    # the operators' and functional's shortcuts around apply (autograd/small_apply.py)
    assert (_tensor_methods._with_numbers, _tensor_methods._to_pair) == \
        (small_apply.apply_with_numbers, small_apply.apply_to_pair)
    assert functional._with_numbers is small_apply.apply_with_numbers


def test_mlp_names_and_counts_match_pytorch(torch):
    ours = counts(mlp_step(microtorch, microtorch.profiler))
    theirs = counts(mlp_step(torch, torch.profiler))
    # PyTorch's ops made of other ops show their inner ops too (aten::t, aten::transpose,
    # aten::as_strided, aten::expand, aten::copy_, ...), and its backward nodes call ops
    # (aten::mm, aten::sum, aten::threshold_backward, ...): microtorch's forward runs as one
    # op on arrays and its backward on arrays, so those do not appear; nor do the TBackward0
    # nodes (microtorch's linear is one node). Every name microtorch shows, PyTorch shows as
    # many times, but aten::mul: PyTorch's MulBackward0 runs one more.
    assert set(ours) <= set(theirs)
    theirs['aten::mul'] -= 1
    assert {name: theirs[name] for name in ours} == ours
    for name in ('forward', 'aten::linear', 'aten::relu', 'aten::mse_loss', 'aten::mul',
                 'autograd::engine::evaluate_function: AddmmBackward0', 'AddmmBackward0',
                 'ReluBackward0', 'MseLossBackward0', 'MulBackward0',
                 'torch::autograd::AccumulateGrad'):
        assert name in ours
    assert ours['torch::autograd::AccumulateGrad'] == 4
    assert_restored()


def test_self_time_at_most_total_and_nesting():
    prof = mlp_step(microtorch, microtorch.profiler)
    events = prof.events()
    for e in events:
        assert 0 <= e.self_cpu_time_total <= e.cpu_time_total
        for child in e.cpu_children:
            assert child.cpu_parent is e
            assert e.time_range.start <= child.time_range.start
            assert child.time_range.end <= e.time_range.end
    forward = next(e for e in events if e.name == 'forward')
    assert sorted(c.name for c in forward.cpu_children) == \
        ['aten::linear', 'aten::linear', 'aten::mse_loss', 'aten::mul', 'aten::relu']
    evaluate = [e for e in events if e.name.startswith('autograd::engine::evaluate_function')]
    assert all(len(e.cpu_children) == 1 and e.cpu_children[0].name in e.name
               for e in evaluate)
    averages = prof.key_averages()
    assert abs(averages.self_cpu_time_total - sum(e.self_cpu_time_total for e in events)) < 1e-6
    total = averages.total_average()
    assert total.key == 'Total' and total.count == len(events)


def test_record_function_nesting_and_decorator():
    @record_function('decorated')
    def work(x):
        return x.exp()

    x = microtorch.ones(2)
    with profile() as prof:
        with record_function('outer'):
            with record_function('inner'):
                work(x + 1)
    by_name = {e.name: e for e in prof.events()}
    assert by_name['inner'].cpu_parent is by_name['outer']
    assert by_name['decorated'].cpu_parent is by_name['inner']
    assert by_name['aten::exp'].cpu_parent is by_name['decorated']
    assert by_name['aten::add'].cpu_parent is by_name['inner']
    assert by_name['outer'].is_user_annotation and not by_name['aten::exp'].is_user_annotation
    assert by_name['outer'].self_cpu_time_total <= by_name['outer'].cpu_time_total


def run_schedule(lib, p, steps=11, **kwargs):
    """Which ops each trace handed to on_trace_ready holds, step by step."""
    fired = []

    def ready(prof):
        fired.append((prof.step_num, sorted(e.key for e in prof.key_averages()
                                            if e.key.startswith('ProfilerStep')
                                            or e.key.startswith('step'))))
    x = lib.ones(2)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')      # (no warmup; events cleared after each cycle)
        sched = p.schedule(**kwargs)
        prof = p.profile(activities=[p.ProfilerActivity.CPU], schedule=sched,
                         on_trace_ready=ready)
        with prof:
            for i in range(steps):
                with p.record_function(f'step{i}'):
                    x = x * 1.0
                prof.step()
    return [sched(i).name for i in range(steps)], fired


@pytest.mark.parametrize('kwargs', [
    dict(wait=1, warmup=1, active=2),
    dict(wait=1, warmup=1, active=2, repeat=2),
    dict(wait=2, warmup=0, active=1, repeat=1, skip_first=1),
    dict(wait=3, warmup=1, active=2, skip_first=2, skip_first_wait=1),
    dict(wait=0, warmup=0, active=3, repeat=3),
])
def test_schedule_matches_pytorch(torch, kwargs):
    ours = run_schedule(microtorch, microtorch.profiler, **kwargs)
    theirs = run_schedule(torch, torch.profiler, **kwargs)
    assert ours == theirs
    assert_restored()


def test_schedule_actions():
    with pytest.warns(UserWarning, match="won't be using warmup"):
        schedule(wait=1, warmup=0, active=1)
    s = schedule(wait=1, warmup=1, active=2, repeat=1)
    assert [s(i) for i in range(5)] == [ProfilerAction.NONE, ProfilerAction.WARMUP,
                                        ProfilerAction.RECORD,
                                        ProfilerAction.RECORD_AND_SAVE, ProfilerAction.NONE]


def test_start_stop_step_without_schedule():
    prof = profile(activities=[ProfilerActivity.CPU])
    prof.start()
    microtorch.ones(2) + 1
    prof.step()
    microtorch.ones(2) * 3
    prof.stop()
    assert counts(prof) == {'aten::add': 1, 'aten::mul': 1}
    assert_restored()


def table_head(text):
    return text.splitlines()[:3]


def test_table_header_matches_pytorch(torch):
    for group in (False, True):
        ours = mlp_step(microtorch, microtorch.profiler).key_averages(group_by_input_shape=group)
        theirs = mlp_step(torch, torch.profiler).key_averages(group_by_input_shape=group)
        # the same rows on both sides, so that the column widths are comparable
        names = set(e.key for e in ours) & set(e.key for e in theirs)
        ours = microtorch.autograd.profiler_util.EventList([e for e in ours if e.key in names])
        theirs = torch.autograd.profiler_util.EventList([e for e in theirs if e.key in names])
        if group:                    # (PyTorch's shapes differ for aten::mul: a Scalar)
            width = max(len(str(e.input_shapes)) for e in theirs)
            ours = [e for e in ours if len(str(e.input_shapes)) <= width]
            ours = microtorch.autograd.profiler_util.EventList(ours)
        mine, pytorchs = ours.table(row_limit=3), theirs.table(row_limit=3)
        assert table_head(mine)[:2] == table_head(pytorchs)[:2] or not group
        assert table_head(mine)[1].split() == table_head(pytorchs)[1].split()
        assert len(mine.splitlines()) == len(pytorchs.splitlines())
        assert re.fullmatch(r'Self CPU time total: [\d.]+(us|ms|s)', mine.splitlines()[-1])
    plain = mlp_step(microtorch, microtorch.profiler).key_averages().table()
    assert 'Input Shapes' not in plain and 'CUDA' not in plain


def test_chrome_trace(tmp_path):
    prof = mlp_step(microtorch, microtorch.profiler)
    path = tmp_path / 'trace.json'
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    complete = [e for e in trace['traceEvents'] if e['ph'] == 'X']
    assert len(complete) == len(prof.events())
    assert {e['name'] for e in complete} == {e.name for e in prof.events()}
    for e in complete:
        assert e['cat'] in ('cpu_op', 'user_annotation')
        assert isinstance(e['ts'], float) and e['dur'] >= 0
    linear = next(e for e in complete if e['name'] == 'aten::linear')
    assert linear['args']['Input Dims'] == [[3, 4], [8, 4], [8]]
    assert trace['displayTimeUnit'] == 'ms' and 'baseTimeNanoseconds' in trace


def test_tensorboard_trace_handler(tmp_path):
    handler = microtorch.profiler.tensorboard_trace_handler(str(tmp_path / 'logs'), 'w0')
    with profile(schedule=schedule(wait=0, warmup=1, active=1, repeat=2),
                 on_trace_ready=handler) as prof:
        for _ in range(4):
            microtorch.ones(2).exp()
            prof.step()
    files = sorted(p.name for p in (tmp_path / 'logs').iterdir())
    assert len(files) == 2 and all(re.fullmatch(r'w0\.\d+\.pt\.trace\.json', f) for f in files)


def test_wrappers_removed_after_exit_and_exception():
    assert_restored()
    with pytest.raises(ValueError):
        with profile():
            assert function.Function.__dict__['apply'] is not ORIGINAL_APPLY
            with record_function('failing'):
                raise ValueError('inside')
    assert_restored()
    with profile() as prof:                      # the stack is clean for the next one
        microtorch.ones(1).exp()
    assert [e.name for e in prof.events()] == ['aten::exp']
    assert prof.events()[0].cpu_parent is None


def test_nested_profilers():
    x = microtorch.ones(2, requires_grad=True)
    with profile() as outer:
        (x * 2).sum()
        with microtorch.autograd.profiler.profile() as inner:
            x.exp()
        assert function.Function.__dict__['apply'] is not ORIGINAL_APPLY    # outer runs on
        x.neg()
    assert_restored()
    assert counts(inner) == {'aten::exp': 1}
    assert counts(outer) == {'aten::mul': 1, 'aten::sum': 1, 'aten::exp': 1, 'aten::neg': 1}


def test_user_function_and_create_graph():
    class Double(microtorch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    x = microtorch.ones(2, requires_grad=True)
    with profile() as prof:
        y = Double.apply(x).sum()
        (g,) = microtorch.autograd.grad(y, x, create_graph=True)
    names = counts(prof)
    assert names['Double'] == 1 and names['DoubleBackward'] == 1    # PyTorch's names
    # forward's and backward's Tensor ops, under Double and DoubleBackward (PyTorch's too)
    assert names['aten::mul'] == 2
    parents = sorted(e.cpu_parent.name for e in prof.events() if e.name == 'aten::mul')
    assert parents == ['Double', 'DoubleBackward']


def test_autograd_profiler_api():
    x = microtorch.ones(2, 3)
    with microtorch.autograd.profiler.profile(record_shapes=True) as prof:
        with microtorch.autograd.profiler.record_function('block'):
            x.sum()
    assert counts(prof) == {'block': 1, 'aten::sum': 1}
    assert prof.function_events[1].input_shapes[0] == [2, 3]
    assert prof.self_cpu_time_total == pytest.approx(
        sum(e.self_cpu_time_total for e in prof.function_events))
    assert 'Self CPU time total' in prof.table()
    with microtorch.autograd.profiler.emit_nvtx():
        x.sum()
    with microtorch.autograd.profiler.profile(enabled=False) as nothing:
        assert nothing is None
    assert_restored()
