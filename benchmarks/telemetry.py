"""What the benchmarks ran on: the CPU and NumPy's BLAS, and the GPU through nvidia-ml-py
(name, driver, memory, SM clock, power, utilisation sampled while the benchmark runs)."""
import os
import platform
import threading
import time


def cpu_info():
    import numpy as np
    info = {'cores': os.cpu_count(), 'machine': platform.machine(),
            'processor': _cpu_model(), 'python': platform.python_version(),
            'numpy': np.__version__, 'blas': _blas_name()}
    try:
        info['threads_allowed'] = len(os.sched_getaffinity(0))
    except AttributeError:
        pass
    return info


def _cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def _blas_name():
    import numpy as np
    try:
        config = np.show_config(mode='dicts')
        blas = config['Build Dependencies']['blas']
        return f"{blas.get('name')} {blas.get('version', '')}".strip()
    except Exception:
        return 'unknown'


class GpuSampler:
    """Samples the GPU every `interval` seconds in a thread, between start() and stop()."""

    def __init__(self, index=0, interval=0.2):
        self.index = index
        self.interval = interval
        self.samples = []
        self._stop = threading.Event()
        self._thread = None
        self._nvml = None
        try:
            import pynvml
            pynvml.nvmlInit()
            self._nvml = pynvml
            self._handle = pynvml.nvmlDeviceGetHandleByIndex(index)
        except Exception:            # no nvidia-ml-py, no driver: telemetry says so
            self._nvml = None

    @property
    def available(self):
        return self._nvml is not None

    def static_info(self):
        if not self.available:
            return {'nvml': 'unavailable'}
        nv, h = self._nvml, self._handle
        name = nv.nvmlDeviceGetName(h)
        memory = nv.nvmlDeviceGetMemoryInfo(h)
        return {'name': name.decode() if isinstance(name, bytes) else name,
                'driver': _text(nv.nvmlSystemGetDriverVersion()),
                'memory_total_bytes': int(memory.total),
                'memory_used_bytes': int(memory.used),
                'max_sm_clock_mhz': int(nv.nvmlDeviceGetMaxClockInfo(h, nv.NVML_CLOCK_SM))}

    def _sample(self):
        nv, h = self._nvml, self._handle
        return {'t': time.time(),
                'sm_clock_mhz': int(nv.nvmlDeviceGetClockInfo(h, nv.NVML_CLOCK_SM)),
                'power_w': nv.nvmlDeviceGetPowerUsage(h) / 1000.0,
                'utilization_pct': int(nv.nvmlDeviceGetUtilizationRates(h).gpu),
                'memory_used_bytes': int(nv.nvmlDeviceGetMemoryInfo(h).used)}

    def _run(self):
        while not self._stop.wait(self.interval):
            try:
                self.samples.append(self._sample())
            except Exception:
                return

    def start(self):
        if self.available:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return self.summary()

    def summary(self):
        if not self.samples:
            return {}
        out = {}
        for key in ('sm_clock_mhz', 'power_w', 'utilization_pct', 'memory_used_bytes'):
            values = [s[key] for s in self.samples]
            out[key] = {'min': min(values), 'max': max(values),
                        'mean': sum(values) / len(values)}
        out['samples'] = len(self.samples)
        return out


def _text(value):
    return value.decode() if isinstance(value, bytes) else value
