"""The worked notebooks: each runs headless in its small setting and draws; stored clean.

Each notebook is executed with nbclient in a fresh kernel of *this* interpreter, with
``MSISIM_NOTEBOOK_SMALL=1`` and its working directory in a temporary folder (the notebooks
write their results under the working directory, so nothing lands in the repository).
Nothing is registered with Jupyter: when the ``python3`` kernelspec found on the Jupyter path
would start another interpreter, the kernel manager is given a spec that runs
``sys.executable -m ipykernel_launcher`` instead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = ("capture_risks", "compare_designs", "sweeps_and_sensitivity", "your_forum")
#: Notebooks that run a study and so must write its results under the working directory.
WRITES_RESULTS = {"compare_designs", "sweeps_and_sensitivity", "your_forum"}
KERNEL = "python3"
#: Names jupyter_client itself replaces with ``sys.executable`` when it starts a kernel.
PYTHON_NAMES = {
    "python",
    f"python{sys.version_info[0]}",
    f"python{sys.version_info[0]}.{sys.version_info[1]}",
}


class ThisInterpreterSpecs(KernelSpecManager):
    """A kernelspec manager whose ``python3`` kernel is ipykernel on this interpreter."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name=f"Python 3 ({sys.executable})",
            language="python",
        )


def runs_this_interpreter(argv: list[str]) -> bool:
    """Whether a kernelspec's command starts ``sys.executable`` (symlinks not followed)."""
    command = argv[0] if argv else ""
    return command in PYTHON_NAMES or os.path.abspath(command) == os.path.abspath(sys.executable)


def kernel_manager() -> AsyncKernelManager | None:
    """None if the registered ``python3`` kernel runs this interpreter, else a manager that does."""
    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        spec = None
    if spec is not None and runs_this_interpreter(spec.argv):
        return None
    return AsyncKernelManager(kernel_name=KERNEL, kernel_spec_manager=ThisInterpreterSpecs())


def read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)


def test_ipykernel_runs_on_this_interpreter() -> None:
    pytest.importorskip("ipykernel", reason="the dev extra (ipykernel) is needed to run notebooks")
    manager = kernel_manager()
    argv = manager.kernel_spec.argv if manager else KernelSpecManager().get_kernel_spec(KERNEL).argv
    assert argv is not None and runs_this_interpreter(argv), (
        f"the notebooks' kernel should start {sys.executable}, not {argv}"
    )


@pytest.mark.parametrize("path", sorted(NOTEBOOK_DIR.glob("*.ipynb")), ids=lambda p: p.stem)
def test_stored_notebooks_have_no_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == KERNEL, (
        f"{path.name} should name the {KERNEL} kernel"
    )
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code, f"{path.name} has no code cells"
    for i, cell in enumerate(code):
        assert cell.outputs == [], f"{path.name}: code cell {i} is stored with outputs"
        assert cell.execution_count is None, (
            f"{path.name}: code cell {i} is stored with execution_count {cell.execution_count}"
        )
    assert 'os.environ.get("MSISIM_NOTEBOOK_SMALL") == "1"' in code[0].source, (
        f"{path.name}: the first code cell should read MSISIM_NOTEBOOK_SMALL into SMALL"
    )


def test_every_notebook_is_executed_here() -> None:
    stored = {p.stem for p in NOTEBOOK_DIR.glob("*.ipynb")}
    assert stored == set(NOTEBOOKS), (
        f"notebooks/ holds {sorted(stored)} but NOTEBOOKS executes {sorted(NOTEBOOKS)}; "
        "list every notebook in NOTEBOOKS so that the suite runs it"
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_headless_and_draws(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("ipykernel", reason="the dev extra (ipykernel) is needed to run notebooks")
    monkeypatch.setenv("MSISIM_NOTEBOOK_SMALL", "1")  # the kernel inherits os.environ
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / ".ipython"))  # no profile in $HOME
    nb = read(name)
    # a last cell checks that the notebook did read the small setting
    nb.cells.append(
        nbformat.v4.new_code_cell("assert SMALL, 'MSISIM_NOTEBOOK_SMALL=1 was not read'")
    )
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name=KERNEL,
        km=kernel_manager(),
        resources={"metadata": {"path": tmp_path}},
    )
    try:
        client.execute()
    except CellExecutionError as err:
        pytest.fail(f"{name}.ipynb failed in its small setting:\n{err}")
    images = [
        output
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "image/png" in output.get("data", {})
    ]
    assert images, f"{name}.ipynb should draw at least one figure (image/png output)"
    if name in WRITES_RESULTS:
        written = list((tmp_path / "outputs").rglob("runs.parquet"))
        assert written, f"{name}.ipynb should write its results under the working directory"
