"""Regenerate the screenshots of docs/student-guide.md (docs/img/*.png).

The same setup as tests/test_browser.py (whose page helpers this script uses): a student
venv holding only ``jupyterlab``, ``ipykernel`` and the kit wheel of ``course kit``,
JupyterLab started from it on localhost, Debian's Chromium driven by Selenium. In a copy of
the released notebook of assignment 03 it types a wrong ``linear_backward`` (no ``1/m``),
runs it and its check cell, and saves the check cell (code and feedback) in JupyterLab's
light and dark themes; then it adds a cell ``grader.submit(student="s1234567")`` and saves
that cell's report. The report must say the zip was written: that also proves, in a real
JupyterLab, that ``submit`` finds its notebook from the session.

With ``--notebook7`` it also opens the same notebook in Notebook 7 (``jupyter notebook``,
which shares JupyterLab's CSS variables ``--jp-*``), runs the same cells, checks in the
browser that the report is laid out as in JupyterLab (left-aligned, no table, each case's
label on one line) and saves the check cell in its light and dark themes. The student venv
holds only JupyterLab, so Notebook 7 runs from ``--nb7-env`` (default: this repository's
``.venv``, whose ``coursekit`` renders the same report).

Usage (about 1 min with a venv to reuse, plus about 45 s to create one)::

    .venv/bin/python tools/screenshots.py [--venv /tmp/student-venv] [--out docs/img]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "03_one_layer_at_a_time"




def _wrong_linear_backward(page, helpers):
    """Run the imports, type the wrong ``linear_backward`` (no 1/m) and run its check;
    returns the released notebook and the check cell's index."""
    nb = helpers._released()
    imports = helpers._index(nb, lambda c: "from coursekit import" in helpers._source(c),
                             "import cell")
    code = helpers.graded_cell(nb, "linear_backward")
    check = helpers.check_cell(nb, "linear_backward")
    page.run_cell(imports)
    page.set_source(code, helpers.WRONG_LINEAR_BACKWARD)
    page.run_cell(code)
    page.run_cell(check)
    text = page.output_text(check)
    assert "m times too large" in text, text
    return nb, check

def _chrome(webdriver, helpers):
    """Debian's headless Chromium through its chromedriver, at the screenshots' size."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(helpers.CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                 "--window-size=1100,1400", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=str(helpers.CHROMEDRIVER))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_script_timeout(30)
    return driver

def browser_helpers():
    """tests/test_browser.py as a module (Page, Lab, the notebook helpers, the wrong code)."""
    spec = importlib.util.spec_from_file_location("_browser", REPO / "tests" / "test_browser.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def student_venv(path: Path, wheel: Path) -> Path:
    """A venv with jupyterlab and ipykernel (created if missing) and this kit wheel."""
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    python = path / "bin" / "python"
    if not python.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(path)
        subprocess.run([python, "-m", "pip", "install", "-q", "jupyterlab>=4", "ipykernel",
                        str(wheel)], check=True, env=clean)
    else:
        subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall",
                        str(wheel)], check=True, env=clean)
    return path


@contextlib.contextmanager
def jupyterlab(env_dir: Path, base: Path, helpers, app="lab"):
    """JupyterLab (``app="lab"``) or Notebook 7 (``app="notebook"``) from ``env_dir``, its
    root ``base/work``; yields a ``Lab``."""
    work, home = base / "work", base / "home"
    work.mkdir()
    home.mkdir()
    settings = env_dir / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "overrides.json").write_text(json.dumps({
        "@jupyterlab/apputils-extension:notification": {"checkForUpdates": False,
                                                        "fetchNews": "false"}}))
    port, token = helpers._free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE")}
    env.update(PATH=f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}", HOME=str(home),
               JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTER_RUNTIME_DIR=str(home / "run"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "lab-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "lab-workspaces"),
               IPYTHONDIR=str(home / "ipython"), MPLCONFIGDIR=str(home / "mpl"))
    expose = ("--LabApp.expose_app_in_browser=True" if app == "lab"
              else "--JupyterNotebookApp.expose_app_in_browser=True")
    cmd = [str(env_dir / "bin" / f"jupyter-{app}"), "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}", expose]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = base / "jupyterlab.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=work,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    lab = helpers.Lab(f"http://127.0.0.1:{port}", token, work, log, env_dir)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"jupyter lab exited:\n{lab.log_tail()}")
            try:
                lab.api("GET", "/api/status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"jupyter lab did not start:\n{lab.log_tail()}") from None
                time.sleep(0.3)
        yield lab
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)


def shoot(page, index, path: Path):
    """Save cell ``index`` (its code and its output) as a PNG."""
    page.scroll_to(index, "start")
    time.sleep(0.5)
    node = page.js("return nb.widgets[arguments[0]].node;", index)
    node.screenshot(str(path))
    print(f"wrote {path}")


#: The report's layout, read from the page: alignment of the report, tables in it, and the
#: case labels that wrap (a label taller than one line).
_LAYOUT_JS = """
const out = nb.widgets[arguments[0]].node.querySelector('.coursekit-report');
if (!out) return null;
const labels = Array.from(out.querySelectorAll('.coursekit-case > span:nth-of-type(2)'));
return {align: getComputedStyle(out).textAlign, tables: out.querySelectorAll('table').length,
        cases: labels.length,
        wrapped: labels.filter(l => l.getClientRects().length > 1
                               || l.getBoundingClientRect().height > 1.6 * parseFloat(
                                    getComputedStyle(l).lineHeight || '20')).map(
                                    l => l.textContent),
        colour: getComputedStyle(out.querySelector('b')).color};
"""


def notebook7(args, helpers, tmp: Path, webdriver):
    """The check cell in Notebook 7: layout checked in the page, light and dark shots."""
    env_dir = args.nb7_env
    if not (env_dir / "bin" / "jupyter-notebook").exists():
        raise SystemExit(f"{env_dir} has no jupyter-notebook (pip install notebook>=7)")
    base = tmp / "nb7"
    base.mkdir()
    with jupyterlab(env_dir, base, helpers, app="notebook") as server:
        folder = server.work / "student"
        folder.mkdir()
        shutil.copy(helpers.RELEASED, folder / helpers.RELEASED.name)
        driver = _chrome(webdriver, helpers)
        path = f"student/{helpers.RELEASED.name}"
        page = helpers.Page(driver, server, path, tmp / "steps-nb7")
        try:
            driver.get(f"{server.url}/notebooks/{path}?token={server.token}")
            page.wait(lambda: page.js("return !!(nb && w.context && w.context.isReady && "
                                      "nb.widgets.length > 0);"), 90, "Notebook 7 to open")
            page.wait(lambda: page.kernel_status() == "idle", 60, "the kernel to start")
            nb, check = _wrong_linear_backward(page, helpers)
            for theme, name in (("JupyterLab Light", "light"), ("JupyterLab Dark", "dark")):
                page.theme(theme)
                layout = page.js(_LAYOUT_JS, check)
                print(f"Notebook 7, {theme}: {layout}")
                assert layout and layout["align"] in ("left", "start") and not layout["tables"]
                assert layout["cases"] >= 3 and not layout["wrapped"], layout
                shoot(page, check, args.out / f"check-linear_backward-notebook7-{name}.png")
        finally:
            driver.quit()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--venv", type=Path, default=Path(tempfile.gettempdir()) / "coursekit-student",
                    help="the student venv (created if missing, the kit reinstalled)")
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "img")
    ap.add_argument("--notebook7", action="store_true",
                    help="also check and shoot the report in Notebook 7")
    ap.add_argument("--nb7-env", type=Path, default=REPO / ".venv",
                    help="the environment whose jupyter-notebook runs Notebook 7")
    ap.add_argument("--only-notebook7", action="store_true",
                    help="only the Notebook 7 part (no kit build, no JupyterLab)")
    args = ap.parse_args(argv)
    if args.only_notebook7:
        helpers = browser_helpers()
        from selenium import webdriver

        args.out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="screens-") as tmp:
            notebook7(args, helpers, Path(tmp), webdriver)
        return 0
    helpers = browser_helpers()
    from selenium import webdriver

    with tempfile.TemporaryDirectory(prefix="screens-") as tmp:
        tmp = Path(tmp)
        subprocess.run([sys.executable, "-m", "course", "kit", "--out", str(tmp / "kit")],
                       check=True, cwd=REPO)
        (wheel,) = (tmp / "kit").glob("*.whl")
        env_dir = student_venv(args.venv, wheel)
        with jupyterlab(env_dir, tmp, helpers) as lab:
            folder = lab.work / "student"
            folder.mkdir()
            shutil.copy(helpers.RELEASED, folder / helpers.RELEASED.name)
            driver = _chrome(webdriver, helpers)
            page = helpers.Page(driver, lab, f"student/{helpers.RELEASED.name}", tmp / "steps")
            try:
                page.open()
                nb, check = _wrong_linear_backward(page, helpers)
                args.out.mkdir(parents=True, exist_ok=True)
                layout = page.js(_LAYOUT_JS, check)
                assert layout and layout["align"] in ("left", "start") and not layout["tables"]
                assert layout["cases"] >= 3 and not layout["wrapped"], layout
                shoot(page, check, args.out / "check-linear_backward-light.png")
                page.theme("JupyterLab Dark")
                shoot(page, check, args.out / "check-linear_backward-dark.png")
                page.theme("JupyterLab Light")
                # submit: save first (as the guide says), then a cell typed in at the end
                page.save()
                last = page.add_cell_below(len(page.cells()) - 1,
                                           'grader.submit(student="s1234567")')
                page.run_cell(last, timeout=300)
                text = page.output_text(last)
                assert "problem" in text and "s1234567.zip" in text, text
                shoot(page, last, args.out / "submit-light.png")
            finally:
                driver.quit()
        if args.notebook7:
            notebook7(args, helpers, tmp, webdriver)
    return 0


if __name__ == "__main__":
    sys.exit(main())
