"""What a profiler reports, as PyTorch's `torch.autograd.profiler_util`: `FunctionEvent` (one
timed call), `FunctionEventAvg` (the calls of one name added up), `EventList` (a list of either,
with `key_averages`, `table`, `export_chrome_trace`, `total_average`). Times are in
microseconds, as PyTorch's."""
import enum
import json
import os
from collections import defaultdict


class DeviceType(enum.Enum):
    CPU = 0
    CUDA = 1


class Interval:
    def __init__(self, start, end):
        self.start, self.end = start, end

    def elapsed_us(self):
        return self.end - self.start


class FunctionEvent:
    """One timed call: an op, a backward node or a record_function block."""

    def __init__(self, id, name, thread, start_us, end_us, input_shapes=None,
                 device_time=0.0, sequence_nr=-1, is_user_annotation=False, use_device=None):
        # PyTorch's tables add the steps up under one name; the trace keeps each step's
        self.trace_name = name
        if name.startswith('ProfilerStep#'):
            name = 'ProfilerStep*'
        self.id, self.name, self.key, self.thread = id, name, name, thread
        self.time_range = Interval(start_us, end_us)
        self.input_shapes = input_shapes if input_shapes is not None else []
        self.sequence_nr = sequence_nr
        self.is_user_annotation = is_user_annotation
        self.use_device = use_device
        self.cpu_parent = None
        self.cpu_children = []
        self.count = 1
        self.node_id = -1
        self.stack = []
        self.overload_name = ''
        self.device_type = DeviceType.CPU
        self.is_async = False
        self.is_legacy = True
        self.flops = 0
        self._device_time = device_time

    @property
    def cpu_time_total(self):
        return self.time_range.elapsed_us()

    @property
    def self_cpu_time_total(self):
        return self.cpu_time_total - sum(child.cpu_time_total for child in self.cpu_children)

    @property
    def cpu_time(self):
        return self.cpu_time_total

    @property
    def device_time_total(self):
        return self._device_time

    @property
    def self_device_time_total(self):
        own = self._device_time - sum(child.device_time_total for child in self.cpu_children)
        return max(own, 0.0)

    @property
    def device_time(self):
        return self.device_time_total

    def __repr__(self):
        return (f'<FunctionEvent id={self.id} name={self.name} '
                f'cpu_time={_format_time(self.cpu_time_total)} '
                f'start_us={self.time_range.start} end_us={self.time_range.end} '
                f'input_shapes={self.input_shapes}>')


class FunctionEventAvg:
    """The events of one key (name, and input shapes when grouped by them) added up."""

    def __init__(self):
        self.key = None
        self.count = 0
        self.node_id = 0
        self.is_async = False
        self.is_legacy = True
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.device_time_total = 0.0
        self.self_device_time_total = 0.0
        self.input_shapes = None
        self.stack = None
        self.overload_name = None
        self.cpu_parent = None
        self.cpu_children = None
        self.use_device = None
        self.device_type = DeviceType.CPU
        self.is_user_annotation = False
        self.flops = 0

    def add(self, other):
        if self.key is None:                # the first event: its fields
            self.key, self.node_id, self.is_async = other.key, other.node_id, other.is_async
            self.cpu_parent, self.cpu_children = other.cpu_parent, other.cpu_children
            self.input_shapes, self.stack = other.input_shapes, other.stack
            self.overload_name, self.device_type = other.overload_name, other.device_type
            self.is_legacy, self.use_device = other.is_legacy, other.use_device
            self.is_user_annotation = other.is_user_annotation
        self.cpu_time_total += other.cpu_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        self.device_time_total += other.device_time_total
        self.self_device_time_total += other.self_device_time_total
        self.count += other.count
        return self

    def __iadd__(self, other):
        return self.add(other)

    @property
    def cpu_time(self):
        return 0.0 if self.count == 0 else self.cpu_time_total / self.count

    @property
    def device_time(self):
        return 0.0 if self.count == 0 else self.device_time_total / self.count

    def __repr__(self):
        return (f'<FunctionEventAvg key={self.key} '
                f'self_cpu_time={_format_time(self.self_cpu_time_total)} '
                f'cpu_time={_format_time(self.cpu_time)} input_shapes={self.input_shapes}>')


class EventList(list):
    """A list of FunctionEvents or FunctionEventAvgs."""

    def __init__(self, *args, use_device=None, profile_memory=False, with_flops=False,
                 base_ns=0, record_shapes=False):
        super().__init__(*args)
        self._use_device = use_device
        self._profile_memory = profile_memory
        self._with_flops = with_flops
        self._base_ns = base_ns
        self._record_shapes = record_shapes

    @property
    def self_cpu_time_total(self):
        return sum(event.self_cpu_time_total for event in self)

    def key_averages(self, group_by_input_shapes=False, group_by_stack_n=0,
                     group_by_overload_name=False):
        """The events averaged over their names (and input shapes when asked)."""
        stats = defaultdict(FunctionEventAvg)
        for event in self:
            key = (event.key, event.is_user_annotation)
            if group_by_input_shapes:
                key += (str(event.input_shapes),)
            stats[key].add(event)
        averages = EventList(stats.values(), use_device=self._use_device,
                             profile_memory=self._profile_memory,
                             with_flops=self._with_flops)
        for average in averages:
            average.stack = []
            average.overload_name = ''
            if not group_by_input_shapes:
                average.input_shapes = ''
        return averages

    def total_average(self):
        """All the events added up, under the key 'Total'."""
        total = FunctionEventAvg()
        for event in self:
            total.add(event)
            total.key = None
        total.key = 'Total'
        return total

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75,
              max_name_column_width=55, max_shapes_column_width=80, header=None,
              top_level_events_only=False, time_unit=None):
        """PyTorch's table of the events, sorted by an attribute (descending)."""
        return _build_table(self, sort_by, header, row_limit, max_name_column_width,
                            max_shapes_column_width, top_level_events_only, time_unit)

    def export_chrome_trace(self, path):
        """The events as a Chrome trace (JSON; open it in chrome://tracing or Perfetto)."""
        write_chrome_trace(path, self, self._base_ns, self._record_shapes)


def write_chrome_trace(path, events, base_ns, record_shapes):
    """PyTorch's trace layout: metadata, then one complete ('X') event per call, ts and dur in
    microseconds (ts + baseTimeNanoseconds / 1000 is the wall clock)."""
    pid = os.getpid()
    trace = [{'ph': 'M', 'name': 'process_name', 'ts': 0, 'pid': pid, 'tid': 0,
              'args': {'name': 'python'}},
             {'ph': 'M', 'name': 'process_labels', 'ts': 0, 'pid': pid, 'tid': 0,
              'args': {'labels': 'CPU'}}]
    for tid in sorted({event.thread for event in events}):
        trace.append({'ph': 'M', 'name': 'thread_name', 'ts': 0, 'pid': pid, 'tid': tid,
                      'args': {'name': f'thread {tid} (python)'}})
    for number, event in enumerate(sorted(events, key=lambda e: e.time_range.start)):
        args = {'External id': event.id}
        if event.sequence_nr >= 0:
            args['Sequence number'] = event.sequence_nr
        if record_shapes and not event.is_user_annotation:
            args['Input Dims'] = event.input_shapes
        args['Ev Idx'] = number
        trace.append({'ph': 'X', 'cat': 'user_annotation' if event.is_user_annotation
                      else 'cpu_op', 'name': event.trace_name, 'pid': pid, 'tid': event.thread,
                      'ts': event.time_range.start, 'dur': round(event.cpu_time_total, 3),
                      'args': args})
    document = {'schemaVersion': 1, 'deviceProperties': [],
                'record_shapes': int(bool(record_shapes)), 'displayTimeUnit': 'ms',
                'baseTimeNanoseconds': base_ns, 'traceEvents': trace, 'traceName': path}
    text = json.dumps(document)
    if path.endswith('.gz'):
        import gzip
        with gzip.open(path, 'wt', encoding='utf-8') as f:
            f.write(text)
    else:
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)


def events_from(raw_events, base_ns, use_device=None, record_shapes=False):
    """FunctionEvents from the recorder's raw events, with parents and children from the
    nesting each event saw when it opened (its enclosing event, if this profiler has it)."""
    ours = {}
    ordered = sorted(raw_events, key=lambda e: (e.start, -e.end))
    result = EventList(use_device=use_device, base_ns=base_ns, record_shapes=record_shapes)
    for number, raw in enumerate(ordered, 1):
        event = FunctionEvent(number, raw.name, raw.thread, raw.start / 1000.0,
                              raw.end / 1000.0, raw.shapes if record_shapes else None,
                              raw.device_time_us(), raw.seq,
                              raw.kind == 'user_annotation', use_device)
        ours[id(raw)] = event
        result.append(event)
    for raw in ordered:
        parent = raw.parent
        while parent is not None and id(parent) not in ours:
            parent = parent.parent               # opened before this profiler: skip it
        if parent is not None:
            child = ours[id(raw)]
            child.cpu_parent = ours[id(parent)]
            child.cpu_parent.cpu_children.append(child)
    return result


def _format_time(time_us):
    if time_us >= 1e6:
        return f'{time_us / 1e6:.3f}s'
    if time_us >= 1e3:
        return f'{time_us / 1e3:.3f}ms'
    return f'{time_us:.3f}us'


def _format_time_share(time_us, total_us):
    if total_us == 0:
        return 'NaN'
    return f'{time_us * 100.0 / total_us:.2f}%'


def _build_table(events, sort_by, header, row_limit, max_name_column_width,
                 max_shapes_column_width, top_level_events_only, time_unit):
    """PyTorch's layout: columns of 12 characters two apart, the name column as wide as the
    longest name + 4 (at most max_name_column_width), right-aligned, dashed rules."""
    if len(events) == 0:
        return ''
    has_device_time = any(event.self_device_time_total > 0 for event in events)
    device = (events[0].use_device or 'cuda').upper()
    has_shapes = any(event.input_shapes for event in events)
    if sort_by is not None:
        attribute = sort_by.replace('cuda', 'device').replace('xpu', 'device')
        events = sorted(events, key=lambda e: getattr(e, attribute), reverse=True)
    name_width = max(len(event.key) for event in events) + 4
    if max_name_column_width is not None:
        name_width = min(name_width, max_name_column_width)
    headers = ['Name', 'Self CPU %', 'Self CPU', 'CPU total %', 'CPU total', 'CPU time avg']
    if has_device_time:
        headers += [f'Self {device}', f'Self {device} %', f'{device} total',
                    f'{device} time avg']
    headers.append('# of Calls')
    widths = [name_width] + [12] * (len(headers) - 1)
    if has_shapes:
        shapes_width = max(len(str(event.input_shapes)) for event in events) + 4
        if max_shapes_column_width is not None:
            shapes_width = min(shapes_width, max_shapes_column_width)
        headers.append('Input Shapes')
        widths.append(shapes_width)
    row_format = ''.join('{: >' + str(w) + '}  ' for w in widths)
    rule = ''.join('-' * w + '  ' for w in widths)
    line_length = sum(w + 2 for w in widths) - 2

    def timed(us):
        if time_unit == 's':
            return f'{us / 1e6:.3f}s'
        if time_unit == 'ms':
            return f'{us / 1e3:.3f}ms'
        if time_unit == 'us':
            return f'{us:.3f}us'
        return _format_time(us)

    total_self_cpu = sum(event.self_cpu_time_total for event in events)
    total_self_device = sum(event.self_device_time_total for event in events)
    lines = []
    if header is not None:
        lines += ['=' * line_length, header]
    if top_level_events_only:
        lines += ['=' * line_length, 'This report only display top-level ops statistics']
    lines += [rule, row_format.format(*headers), rule]
    shown = 0
    for event in events:
        if shown == row_limit:
            break
        if top_level_events_only and event.cpu_parent is not None:
            continue
        shown += 1
        name = event.key
        if max_name_column_width is not None and len(name) >= max_name_column_width - 3:
            name = name[:max_name_column_width - 3] + '...'
        row = [name, _format_time_share(event.self_cpu_time_total, total_self_cpu),
               timed(event.self_cpu_time_total),
               _format_time_share(event.cpu_time_total, total_self_cpu),
               timed(event.cpu_time_total), timed(event.cpu_time)]
        if has_device_time:
            row += [timed(event.self_device_time_total),
                    _format_time_share(event.self_device_time_total, total_self_device),
                    timed(event.device_time_total), timed(event.device_time)]
        row.append(event.count)
        if has_shapes:
            row.append(str(event.input_shapes)[:shapes_width])
        lines.append(row_format.format(*row))
    lines.append(rule)
    lines.append(f'Self CPU time total: {timed(total_self_cpu)}')
    if has_device_time:
        lines.append(f'Self {device} time total: {timed(total_self_device)}')
    return ''.join(line + '\n' for line in lines)

