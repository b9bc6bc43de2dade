"""The docs cannot drift from the code.

- Every ```python block of docs/*.md and docs/zh/*.md runs on the CPU, page by page in order
  (the blocks of a page share one namespace). A ```text block right after a python block is
  what it prints, and must match exactly. A block marked ```python {.no-run} is not run (it
  needs a GPU, say).
- With PyTorch installed, the same blocks run with `import torch` in place of
  `import microtorch as torch` and must print the same text (blocks that use microtorch's own
  modules, such as microtorch.viz, are left out of that run).
- Each page of docs/zh/ has the same code blocks as its English page.
- docs/img/*.dot are what docs/make_figures.py makes now.
- `mkdocs build --strict` passes (where mkdocs and mkdocstrings are installed).
"""
import contextlib
import importlib
import importlib.util
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / 'docs'
PAGES = (sorted(DOCS.glob('*.md')) + sorted((DOCS / 'zh').glob('*.md'))
         + sorted((DOCS / 'api').glob('*.md')))
ALIAS = 'import microtorch as torch'

# Parts of the tutorial need modules that are built separately; a page stops (and the test
# skips) at the first block that needs one that is not there yet.
NEEDS = {'microtorch.nn': re.compile(r'\bnn\.'),
         'microtorch.optim': re.compile(r'\boptim\.'),
         'microtorch.utils.data': re.compile(r'\butils\.data\b')}

FENCE = re.compile(r'^```[ \t]*(\S*)[ \t]*(?:\{([^}\n]*)\})?[ \t]*$')


class Block:
    def __init__(self, page, line, lang, classes, code):
        self.page, self.line, self.lang, self.classes, self.code = (page, line, lang, classes,
                                                                    code)
        self.output = None          # the ```text block that follows, if any

    @property
    def runnable(self):
        return self.lang == 'python' and '.no-run' not in self.classes

    def where(self):
        return f'{self.page.relative_to(ROOT)}:{self.line}'


def blocks(page):
    """The fenced blocks of a page, each python block with the text block after it."""
    found = []
    lines = page.read_text(encoding='utf-8').splitlines()
    i = 0
    last_end = None
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match or not match.group(1):
            i += 1
            continue
        start = i
        end = start + 1
        while end < len(lines) and lines[end].rstrip() != '```':
            end += 1
        code = '\n'.join(lines[start + 1:end]) + '\n'
        block = Block(page, start + 1, match.group(1), (match.group(2) or '').split(), code)
        between = lines[last_end + 1:start] if last_end is not None else ['x']
        if (block.lang == 'text' and found and found[-1].lang == 'python'
                and not any(line.strip() for line in between)):
            found[-1].output = code
        else:
            found.append(block)
        last_end = end
        i = end + 1
    return found


def missing_module(code):
    for module, pattern in NEEDS.items():
        if pattern.search(code):
            try:
                found = importlib.util.find_spec(module) is not None
            except ModuleNotFoundError:          # its parent package is missing too
                found = False
            if not found:
                return module
    return None


def run_page(page, torch_run=False):
    """Run a page's python blocks in order in one namespace; returns (ran, stopped_at)."""
    namespace = {'__name__': '__docs__'}
    ran = 0
    for block in blocks(page):
        if not block.runnable:
            continue
        code = block.code
        if torch_run:
            code = code.replace(ALIAS, 'import torch')
            if 'microtorch' in code:
                continue
        else:
            module = missing_module(code)
            if module is not None:
                return ran, f'{block.where()} needs {module}, which is not there yet'
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, block.where(), 'exec'), namespace)
        ran += 1
        if block.output is not None:
            got, want = out.getvalue(), block.output
            if torch_run:
                got, want = got.replace('microtorch.', 'torch.'), want.replace('microtorch.',
                                                                                 'torch.')
            assert got == want, f'{block.where()} printed something else than its docs say'
    return ran, None


def page_id(page):
    return str(page.relative_to(DOCS))


RUNNABLE = [p for p in PAGES if any(b.runnable for b in blocks(p))]


@pytest.mark.parametrize('page', RUNNABLE, ids=page_id)
def test_code_blocks_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(ROOT))
    ran, stopped = run_page(page)
    if stopped:
        pytest.skip(f'{ran} blocks ran and printed what the page says; {stopped}')


@pytest.mark.parametrize('page', RUNNABLE, ids=page_id)
def test_code_blocks_print_what_pytorch_prints(page, tmp_path, monkeypatch, torch):
    monkeypatch.chdir(tmp_path)
    run_page(page, torch_run=True)


def test_there_are_runnable_blocks():
    assert {'tutorial.md', 'zh/tutorial.md', 'errors.md'} <= {page_id(p) for p in RUNNABLE}
    skipped = [b for p in PAGES for b in blocks(p) if b.lang == 'python' and not b.runnable]
    assert len(skipped) <= 6, 'keep the blocks that are not run few'


ZH_PAGES = sorted((DOCS / 'zh').glob('*.md'))


@pytest.mark.parametrize('zh_page', ZH_PAGES, ids=page_id)
def test_chinese_page_has_the_english_code(zh_page):
    english = DOCS / zh_page.name
    assert english.exists(), f'{zh_page.name} has no English page'

    def code(page):
        return [(b.lang, b.classes, b.code, b.output) for b in blocks(page)]
    assert code(zh_page) == code(english)


def test_tutorial_has_a_chinese_twin():
    assert (DOCS / 'zh' / 'tutorial.md').exists()
    assert len(blocks(DOCS / 'tutorial.md')) >= 20


def test_figures_are_up_to_date(monkeypatch):
    monkeypatch.syspath_prepend(str(DOCS))
    make_figures = importlib.import_module('make_figures')
    for name, source in make_figures.figures().items():
        committed = DOCS / 'img' / f'{name}.dot'
        assert committed.read_text(encoding='utf-8') == source, (
            f'docs/img/{name}.dot is stale: run python docs/make_figures.py')
        assert (DOCS / 'img' / f'{name}.svg').exists()


def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip('mkdocs')
    pytest.importorskip('mkdocstrings_handlers.python')
    # Not --quiet: it hides the warnings that --strict turns into a failure.
    result = subprocess.run([sys.executable, '-m', 'mkdocs', 'build', '--strict',
                             '--site-dir', str(tmp_path / 'site')],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / 'site' / 'tutorial' / 'index.html').exists()
    assert (tmp_path / 'site' / 'zh' / 'tutorial' / 'index.html').exists()
