"""The student's side in a real browser (issue 10, part 1).

A *student environment* is built once per session: a fresh venv under pytest's tmp
folder holding only ``jupyterlab``, ``ipykernel`` and the kit wheel of ``course kit`` (no
``course``, no ``autograder``, no repository on ``sys.path``). JupyterLab is started from
it on a free localhost port with a token, and Debian's Chromium, driven by Selenium
through ``/usr/bin/chromedriver``, opens a copy of the released notebook of assignment 03
in the student's work folder. Through the UI (menus, Shift+Enter, the restart dialog):

1. "Run All Cells" on the untouched notebook reaches the end with no error; a stub's
   check cell says "stub";
2. a wrong ``linear_backward`` (no ``1/m``) and its check: the diagnosis is read from the
   rendered output; then the right one and full marks;
3. every graded cell filled with the solution's code, "Restart Kernel and Run All Cells":
   no error and no stderr in any cell, full marks in every check cell;
4. then, as the notebook's first cell says, File > Save and ``grader.submit()`` typed into
   a new cell at the end: the rendered report says the hand-in is ready, where the zip is
   and what to do with it, and the zip holds the saved notebook and a manifest with the
   student venv's kit version and the public results (full marks) of a fresh kernel.

Cell sources are set through JupyterLab's model (``--LabApp.expose_app_in_browser``):
typing into CodeMirror 6 auto-indents and closes brackets. Cells are run by selecting them
with a click and pressing Shift+Enter, as a student does. Screenshots of every step go to
the folder named in each failure message (``$COURSE_BROWSER_SCREENS`` if set, to keep them).

Run alone with ``pytest -m browser``; it needs ``chromium`` and ``chromium-driver``
(Debian; ``.ci/run`` installs them), ``selenium`` in the test environment and PyPI for the
student venv (about 45 s the first time in a session).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import venv
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium "
                       "(apt-get install chromium chromium-driver)"),
    pytest.mark.skipif(not CHROMEDRIVER.exists(), reason="no /usr/bin/chromedriver "
                       "(apt-get install chromium-driver)"),
]

pytest.importorskip("selenium", reason="selenium is not installed (pip install selenium)")
from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "03_one_layer_at_a_time"
RELEASED = REPO / "assignments" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
SOLUTION = REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"

WRONG_LINEAR_BACKWARD = '''\
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    dW = dZ @ A_prev.T
    db = np.sum(dZ, axis=1, keepdims=True)
    dA_prev = W.T @ dZ
    return dA_prev, dW, db
'''
RIGHT_LINEAR_BACKWARD = '''\
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = dZ @ A_prev.T / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = W.T @ dZ
    return dA_prev, dW, db
'''
#: "2 / 2 points" in a check cell's report (the score of the public cases).
SCORE = re.compile(r"(\d+(?:\.\d+)?) / (\d+(?:\.\d+)?) points")


# ----------------------------------------------------------------------------- notebooks
def _source(cell):
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def _released():
    return json.loads(RELEASED.read_text())


def _index(nb, predicate, what):
    found = [i for i, c in enumerate(nb["cells"]) if predicate(c)]
    assert len(found) == 1, f"{RELEASED.name}: expected one {what}, found cells {found}"
    return found[0]


def graded_cell(nb, name):
    """Index of the cell where the student writes ``name`` (nbgrader solution cell)."""
    return _index(nb, lambda c: c["cell_type"] == "code" and _nbgrader(c).get("solution")
                  and re.search(rf"^def {name}\(", _source(c), re.M), f"graded cell of {name}")


def check_cell(nb, name):
    """Index of the cell that runs ``grader.check("name")``."""
    return _index(nb, lambda c: c["cell_type"] == "code"
                  and re.search(rf"grader\.check\(\s*['\"]{name}['\"]", _source(c)),
                  f'grader.check("{name}") cell')


def solution_code():
    """``grade_id`` -> the solution notebook's code of each solution cell, as a student
    would type it (the nbgrader markers dropped)."""
    nb = json.loads(SOLUTION.read_text())
    out = {}
    for c in nb["cells"]:
        meta = _nbgrader(c)
        if c["cell_type"] == "code" and meta.get("solution"):
            lines = [ln for ln in _source(c).splitlines(keepends=True)
                     if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
            out[meta["grade_id"]] = "".join(lines)
    return out


# ----------------------------------------------------------------------- student venv
def _run(cmd, timeout, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    assert p.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{p.stdout[-3000:]}\n" \
                              f"{p.stderr[-3000:]}"
    return p


@pytest.fixture(scope="session")
def student_env(tmp_path_factory):
    """A venv with only jupyterlab, ipykernel and the kit wheel (and their dependencies)."""
    root = tmp_path_factory.mktemp("student")
    _run([sys.executable, "-m", "course", "kit", "--out", str(root / "kit")], 300, cwd=REPO)
    (wheel,) = (root / "kit").glob("*.whl")
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    python = env_dir / "bin" / "python"
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # --no-compile: a third less time; the server and the kernels write the bytecode of
    # the modules they import (PYTHONDONTWRITEBYTECODE is dropped from their environment)
    _run([python, "-m", "pip", "install", "-q", "--no-compile", "jupyterlab>=4", "ipykernel",
          str(wheel)], 420, env=clean, cwd=root)
    # no `course` (the reference) and no `autograder` can be imported from that venv
    p = subprocess.run([python, "-c", "import importlib.util as u, coursekit; "
                        "print(u.find_spec('course'), u.find_spec('autograder'), "
                        "coursekit.__file__)"],
                       capture_output=True, text=True, env=clean, cwd=root, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split()[:2] == ["None", "None"], p.stdout
    assert p.stdout.split()[2].startswith(str(env_dir)), p.stdout
    return env_dir


# --------------------------------------------------------------------------- the server
def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    def __init__(self, url, token, work, log, env):
        self.url, self.token, self.work, self.log, self.env = url, token, work, log, env

    def api(self, method, path):
        req = urllib.request.Request(f"{self.url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def log_tail(self, n=3000):
        return self.log.read_text(errors="replace")[-n:] if self.log.exists() else ""


@pytest.fixture(scope="module")
def lab(student_env, tmp_path_factory):
    """JupyterLab from the student venv, its root the student's work folder."""
    base = tmp_path_factory.mktemp("lab")
    work, home = base / "work", base / "home"
    work.mkdir()
    home.mkdir()
    settings = student_env / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    # no news and no update check (no network but PyPI here; their toasts cover the page)
    (settings / "overrides.json").write_text(json.dumps({
        "@jupyterlab/apputils-extension:notification": {"checkForUpdates": False,
                                                        "fetchNews": "false"}}))
    port, token = _free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE")}
    env.update(PATH=f"{student_env / 'bin'}{os.pathsep}{env.get('PATH', '')}",
               HOME=str(home), JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_DATA_DIR=str(home / "data"), JUPYTER_RUNTIME_DIR=str(home / "run"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "lab-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "lab-workspaces"),
               IPYTHONDIR=str(home / "ipython"), MPLCONFIGDIR=str(home / "mpl"))
    cmd = [str(student_env / "bin" / "jupyter-lab"), "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
           "--LabApp.expose_app_in_browser=True"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = base / "jupyterlab.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=work,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    server = Lab(f"http://127.0.0.1:{port}", token, work, log, student_env)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, f"jupyter lab exited:\n{server.log_tail()}"
            try:
                server.api("GET", "/api/status")
                break
            except OSError:
                assert time.monotonic() < deadline, f"jupyter lab did not answer in 60 s:\n" \
                                                    f"{server.log_tail()}"
                time.sleep(0.3)
        specs = server.api("GET", "/api/kernelspecs")["kernelspecs"]
        assert set(specs) == {"python3"}, specs       # only the venv's own kernel
        yield server
    finally:
        # SIGTERM: the server shuts its kernels down (each test also stops its own)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


# ------------------------------------------------------------------------------ the page
#: Prefix of every script: the app, the notebook panel of the current tab and its notebook.
JS = ("const app = window.jupyterapp; const w = app && app.shell.currentWidget;"
      "const nb = w && w.content;")


class Page:
    """One notebook opened in its own Chromium, with helpers that act through the UI."""

    def __init__(self, driver, lab, path, screens):
        self.driver, self.lab, self.path, self.screens = driver, lab, path, screens
        self.n_shots = 0

    # -- plumbing
    def js(self, script, *args):
        return self.driver.execute_script(JS + script, *args)

    def wait(self, condition, timeout, what):
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.25).until(
                lambda d: condition())
        except TimeoutException:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}") from None

    def shot(self, name):
        self.n_shots += 1
        self.screens.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(self.screens / f"{self.n_shots:02d}-{name}.png"))

    def save_cells(self, name):
        """The cells as the UI holds them (sources, counts, outputs) next to the shots."""
        self.screens.mkdir(parents=True, exist_ok=True)
        (self.screens / f"{self.n_shots:02d}-{name}.json").write_text(
            json.dumps(self.cells(), indent=1))

    @contextlib.contextmanager
    def step(self, name):
        """Screenshot after the step; on failure one more, and a message that names the
        screenshots' folder and ends with the server's log."""
        try:
            yield
        except Exception as e:
            with contextlib.suppress(Exception):
                self.shot(f"{name}-FAILED")
                self.save_cells(f"{name}-FAILED")
            raise AssertionError(f"step {name!r} failed: {e}\nscreenshots: {self.screens}\n"
                                 f"jupyterlab log (tail):\n{self.lab.log_tail(1500)}") from e
        self.shot(name)

    # -- state, read from the app
    def kernel_status(self):
        return self.js("const k = w && w.sessionContext.session && "
                       "w.sessionContext.session.kernel; return k ? k.status : null;")

    def cells(self):
        """Each cell as the UI holds it: type, source, execution count, outputs, prompt."""
        return self.js("""
            return nb.widgets.map(c => ({
                type: c.model.type, source: c.model.sharedModel.getSource(),
                count: c.model.type === 'code' ? c.model.executionCount : null,
                outputs: c.model.type === 'code' ? c.model.outputs.toJSON() : [],
                prompt: (c.node.querySelector('.jp-InputPrompt') || {}).textContent || ''}));
        """)

    def busy(self):
        return self.js("return Array.from(nb.node.querySelectorAll('.jp-InputPrompt'))"
                       ".some(p => p.textContent.includes('*'));")

    def settled(self, timeout, what):
        """Wait until the kernel is idle and no cell is queued or running, twice in a row
        0.5 s apart (between two queued cells the kernel is idle for a moment)."""
        def quiet():
            return self.kernel_status() == "idle" and not self.busy()

        deadline = time.monotonic() + timeout
        while True:
            self.wait(quiet, max(1, deadline - time.monotonic()), what)
            time.sleep(0.5)
            if quiet():
                return

    def scroll_to(self, i, block="start"):
        self.js("nb.widgets[arguments[0]].node.scrollIntoView({block: arguments[1]});",
                i, block)

    def output_text(self, i):
        """The rendered output area of cell ``i``, as text (its cell scrolled to the top of
        the page first, for the screenshot)."""
        self.scroll_to(i)
        return self.js("const o = nb.widgets[arguments[0]].node.querySelector('.jp-OutputArea');"
                       "return o ? (o.innerText || o.textContent) : '';", i)

    def theme(self, name):
        """Switch JupyterLab's theme (Settings > Theme) and wait until it is applied."""
        self.js("app.commands.execute('apputils:change-theme', {theme: arguments[0]});", name)
        light = "false" if "Dark" in name else "true"
        self.wait(lambda: self.js("return document.body.dataset.jpThemeName === arguments[0]"
                                  " && document.body.dataset.jpThemeLight === arguments[1];",
                                  name, light), 20, f"the theme {name}")
        time.sleep(0.5)                               # the new stylesheet paints

    # -- acting
    def open(self):
        d = self.driver
        d.get(f"{self.lab.url}/lab/tree/{self.path}?reset&token={self.lab.token}")
        self.wait(lambda: self.js(
            "return !!(nb && w.context && w.context.path === arguments[0] && "
            "w.context.isReady && nb.widgets.length > 0);", self.path), 90,
            f"JupyterLab to open {self.path}")
        self.wait(lambda: self.kernel_status() == "idle", 60, "the kernel to start")

    def set_source(self, i, source):
        self.js("nb.widgets[arguments[0]].model.sharedModel.setSource(arguments[1]);",
                i, source)
        assert self.cells()[i]["source"] == source

    def select(self, i):
        """Click cell ``i``'s input prompt: selects it in command mode, as a mouse does."""
        prompt = self.js("const c = nb.widgets[arguments[0]];"
                         "c.node.scrollIntoView({block: 'center'});"
                         "return c.node.querySelector('.jp-InputPrompt');", i)
        prompt.click()
        self.wait(lambda: self.js("return nb.activeCellIndex === arguments[0] && "
                                  "nb.mode === 'command';", i), 10, f"cell {i} selected")

    def run_cell(self, i, timeout=60):
        """Select cell ``i`` and press Shift+Enter; wait for its new execution count."""
        before = self.cells()[i]["count"]
        self.select(i)
        ActionChains(self.driver).key_down(Keys.SHIFT).send_keys(Keys.ENTER) \
            .key_up(Keys.SHIFT).perform()
        self.wait(lambda: self.cells()[i]["count"] not in (None, before), timeout,
                  f"cell {i} to run")
        self.settled(timeout, f"cell {i} to finish")
        return self.cells()[i]

    def menu(self, menu, command):
        """Open a main-menu menu by its label and click the item of a command."""
        self.driver.find_element(
            By.XPATH, f"//li[contains(@class, 'lm-MenuBar-item')][.//div[text()='{menu}']]"
        ).click()
        item = self.wait(lambda: self.driver.find_elements(
            By.CSS_SELECTOR, f".lm-Menu li.lm-Menu-item[data-command='{command}']"), 10,
            f"menu item {command}")
        item[0].click()

    def add_cell_below(self, i, text):
        """Select cell ``i``, press B (a new code cell below, as the toolbar's + does), then
        Enter and type ``text`` into it; returns the new cell's index."""
        n = len(self.cells())
        self.select(i)
        ActionChains(self.driver).send_keys("b").perform()
        self.wait(lambda: len(self.cells()) == n + 1 and self.js(
            "return nb.activeCellIndex === arguments[0];", i + 1), 10, "a new cell below")
        ActionChains(self.driver).send_keys(Keys.ENTER).perform()
        self.wait(lambda: self.js("return nb.mode === 'edit';"), 10, "edit mode")
        ActionChains(self.driver).send_keys(text).perform()
        # the editor closes brackets as they are typed: the ")" typed steps over its own
        self.wait(lambda: self.cells()[i + 1]["source"] == text, 10,
                  f"the new cell to read {text!r} (it reads "
                  f"{self.cells()[i + 1]['source']!r})")
        ActionChains(self.driver).send_keys(Keys.ESCAPE).perform()
        return i + 1

    def save(self):
        """File > Save Notebook; wait until the file on disk is the notebook shown."""
        self.menu("File", "docmanager:save")
        self.wait(lambda: not self.js("return w.context.model.dirty;"), 30, "the save")

    def accept_dialog(self, what):
        button = self.wait(lambda: self.driver.find_elements(
            By.CSS_SELECTOR, ".jp-Dialog button.jp-mod-accept"), 10, f"the {what} dialog")
        button[0].click()


@pytest.fixture
def page(lab, request, tmp_path):
    """The released notebook copied into a fresh folder of the student's work dir, open
    in a fresh headless Chromium; at the end the browser quits and the kernel stops."""
    folder = lab.work / re.sub(r"\W+", "_", request.node.name)
    folder.mkdir()
    shutil.copy(RELEASED, folder / RELEASED.name)
    path = f"{folder.name}/{RELEASED.name}"
    env_screens = os.environ.get("COURSE_BROWSER_SCREENS")
    screens = (Path(env_screens) / folder.name) if env_screens else tmp_path / "screens"
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                 "--window-size=1400,1000"):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER),
                                      log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_script_timeout(30)
    p = Page(driver, lab, path, screens)
    try:
        with p.step("open"):
            p.open()
        yield p
    finally:
        driver.quit()
        for s in lab.api("GET", "/api/sessions"):
            if s["path"] == path:
                lab.api("DELETE", f"/api/sessions/{s['id']}")


#: Seconds for ``grader.submit()`` on the filled notebook: a fresh kernel runs all of it
#: (about 15 s here), then the public checks.
SUBMIT_SECONDS = 240


def check_zip(zipped, lab, names, filled):
    """The hand-in ``zipped`` holds the notebook as saved (every source of ``filled`` in
    it, and the submit cell last) and a manifest with the student venv's kit version and
    full marks on the public checks of every function of ``names``."""
    import zipfile

    assert zipped.is_file(), f"grader.submit() said it wrote {zipped}, which is not a file"
    with zipfile.ZipFile(zipped) as zf:
        assert sorted(zf.namelist()) == sorted([RELEASED.name, "manifest.json"]), \
            zf.namelist()
        handed = json.loads(zf.read(RELEASED.name))
        manifest = json.loads(zf.read("manifest.json"))
    # the notebook handed in is the filled one, as saved (with the submit cell)
    sources = [_source(c) for c in handed["cells"]]
    assert sources[-1] == "grader.submit()", sources[-1]
    assert all(code in sources for code in filled), "the zip's notebook is not the filled one"
    kit = subprocess.run([str(lab.env / "bin" / "python"), "-c",
                          "import coursekit; print(coursekit.__version__)"],
                         capture_output=True, text=True, timeout=60)
    assert kit.returncode == 0, kit.stderr
    assert manifest["kit_version"] == kit.stdout.strip(), (manifest, kit.stdout)
    assert manifest["assignment"] == ASSIGNMENT and manifest["notebook"] == RELEASED.name
    assert manifest["results_from"] == "a fresh kernel" and manifest["problems"] == []
    results = manifest["public_results"]
    assert set(results) == names, (set(results), names)
    assert all(r["score"] == r["max_score"] > 0 for r in results.values()), results
    total = manifest["public_total"]
    assert total["score"] == total["max_score"] == sum(r["max_score"]
                                                        for r in results.values())


def errors_and_stderr(cells):
    """``(cell index, what)`` for every error output and stderr stream of ``cells``."""
    bad = []
    for i, c in enumerate(cells):
        for o in c["outputs"]:
            if o["output_type"] == "error":
                bad.append((i, f"{o['ename']}: {o['evalue']}"))
            elif o["output_type"] == "stream" and o.get("name") == "stderr":
                text = o["text"] if isinstance(o["text"], str) else "".join(o["text"])
                bad.append((i, f"stderr: {text[:300]}"))
    return bad


# ----------------------------------------------------------------------------- the tests
def test_untouched_notebook_runs_all_and_a_stub_check_says_stub(page):
    nb = _released()
    imports = _index(nb, lambda c: "from coursekit import" in _source(c), "import cell")
    code, check = graded_cell(nb, "linear_backward"), check_cell(nb, "linear_backward")
    with page.step("run-all-untouched"):
        ui = page.cells()
        assert [c["source"] for c in ui] == [_source(c) for c in nb["cells"]]
        page.menu("Run", "runmenu:run-all")
        page.wait(lambda: page.cells()[imports]["count"] is not None, 60, "the first cells")
        page.settled(120, "Run All to finish")
        ui = page.cells()
        assert not errors_and_stderr([ui[imports]]), ui[imports]["outputs"]
        errors = [(i, o) for i, c in enumerate(ui) for o in c["outputs"]
                  if o["output_type"] == "error"]
        # Run All reaches the end (issue 10 part 5): the demo cells that call a stub say
        # so (grader.ready) instead of raising, and every non-empty code cell ran.
        assert not errors, errors
        assert all(c["count"] is not None for c in ui
                   if c["type"] == "code" and c["source"].strip()), "not every cell ran"
        assert any("Skipped for now" in "".join(o.get("text", "") for o in c["outputs"])
                   for c in ui), "no demo cell said it waits for a stub"
        assert not [i for i, c in enumerate(ui) if c["type"] == "code"
                    and any(o["output_type"] == "stream" and o.get("name") == "stderr"
                            for o in c["outputs"])]
    with page.step("stub-check"):
        page.run_cell(code)
        page.run_cell(check)
        text = page.output_text(check)
        assert "stub" in text, text
        got = SCORE.search(text)
        assert got and float(got[1]) == 0 and float(got[2]) > 0, text
    with page.step("environment"):
        # A scratch cell at the end: the kernel is the student venv's, without `course`.
        page.js("nb.model.sharedModel.insertCell(nb.widgets.length, {cell_type: 'code', "
                "source: arguments[0]});",
                "import sys, importlib.util, coursekit\n"
                "print(sys.prefix, importlib.util.find_spec('course'), coursekit.__file__)")
        last = len(page.cells()) - 1
        out = page.run_cell(last)["outputs"]
        words = "".join(o.get("text", "") for o in out).split()
        assert len(words) == 3 and words[1] == "None", out
        assert Path(words[0]) == page.lab.env and words[2].startswith(words[0]), out


def test_wrong_then_right_linear_backward_through_the_ui(page):
    nb = _released()
    imports = _index(nb, lambda c: "from coursekit import" in _source(c), "import cell")
    code, check = graded_cell(nb, "linear_backward"), check_cell(nb, "linear_backward")
    with page.step("imports"):
        c = page.run_cell(imports)
        assert not errors_and_stderr([c]), c["outputs"]
    with page.step("wrong-linear_backward"):
        page.set_source(code, WRONG_LINEAR_BACKWARD)
        assert not errors_and_stderr([page.run_cell(code)])
        page.run_cell(check)
        text = page.output_text(check)
        got = SCORE.search(text)
        assert got and float(got[1]) < float(got[2]), f"no partial score in:\n{text}"
        # the diagnosis names the arrays and the likely mistake
        for needle in ("dW", "db", "m times too large", "divide by m"):
            assert needle in text, f"{needle!r} missing from the rendered check output:\n{text}"
    with page.step("wrong-linear_backward-dark-theme"):
        page.theme("JupyterLab Dark")
        page.scroll_to(check)
    page.theme("JupyterLab Light")
    with page.step("right-linear_backward"):
        page.set_source(code, RIGHT_LINEAR_BACKWARD)
        assert not errors_and_stderr([page.run_cell(code)])
        c = page.run_cell(check)
        text = page.output_text(check)
        got = SCORE.search(text)
        assert got and float(got[1]) == float(got[2]) == 2, f"not full marks:\n{text}"
        assert "Likely mistake" not in text and "too large" not in text, text
        assert not errors_and_stderr([c]), c["outputs"]


def test_filled_notebook_restart_and_run_all_is_clean(page):
    nb = _released()
    imports = _index(nb, lambda c: "from coursekit import" in _source(c), "import cell")
    solutions = solution_code()
    graded = {_nbgrader(c)["grade_id"]: i for i, c in enumerate(nb["cells"])
              if c["cell_type"] == "code" and _nbgrader(c).get("solution")}
    assert set(graded) == set(solutions), (set(graded), set(solutions))
    checks = {i: m[1] for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
              and (m := re.search(r"grader\.check\(\s*['\"](\w+)['\"]", _source(c)))}
    assert len(checks) >= 4, checks
    with page.step("filled"):
        for grade_id, i in graded.items():
            page.set_source(i, solutions[grade_id])
    with page.step("restart-and-run-all"):
        page.menu("Kernel", "runmenu:restart-and-run-all")
        page.accept_dialog("restart")
        page.wait(lambda: page.cells()[imports]["count"] is not None, 60,
                  "the first cell after the restart")
        page.settled(150, "Restart and Run All to finish")
        ui = page.cells()
        bad = errors_and_stderr(ui)
        assert not bad, f"errors or stderr in cells: {bad}"
        # every non-empty code cell ran, in order (empty cells, such as the hidden-test
        # placeholders, are skipped by JupyterLab and keep no count)
        counts = [c["count"] for c in ui if c["type"] == "code" and c["source"].strip()]
        assert counts == list(range(1, len(counts) + 1)), f"not every cell ran: {counts}"
        stderr = page.js("return nb.node.querySelectorAll("
                         "'[data-mime-type=\"application/vnd.jupyter.stderr\"]').length;")
        assert stderr == 0, f"{stderr} stderr outputs rendered"
        page.save_cells("outputs")
    with page.step("full-marks"):
        for i, name in checks.items():
            text = page.output_text(i)
            got = SCORE.search(text)
            assert got and float(got[1]) == float(got[2]) > 0, f"{name}: {text}"
    with page.step("submit"):
        # as the notebook's first cell says: save, then `grader.submit()` in a new cell at
        # the end (typed into it: what the report says is read from the rendered page)
        page.add_cell_below(len(ui) - 1, "grader.submit()")
        page.save()
        last = len(page.cells()) - 1
        page.run_cell(last, timeout=SUBMIT_SECONDS)
        text = page.output_text(last)
        assert not errors_and_stderr([page.cells()[last]]), page.cells()[last]["outputs"]
        # (the output area's text starts with its prompt, "[28]:")
        assert "Ready to hand in: " in text and "not complete" not in text \
            and "Not submitted" not in text, f"not ready to hand in:\n{text}"
        found = re.search(r"Ready to hand in: (\S+\.zip)", text)
        assert found, f"no zip path in the rendered report:\n{text}"
        zipped = Path(found[1])
        assert zipped.parent == page.lab.work / Path(page.path).parent, zipped
        assert zipped.name.startswith(f"{ASSIGNMENT}-"), zipped
        # what to do with it, and that the fresh run went through
        for needle in ("upload this zip file", "nbgrader submit",
                       "Ran top to bottom in a fresh kernel", "Public checks (a fresh kernel)"):
            assert needle in text, f"{needle!r} missing from the rendered report:\n{text}"
        check_zip(zipped, page.lab, set(checks.values()), list(solutions.values()))
