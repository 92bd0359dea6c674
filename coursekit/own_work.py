"""No credit for calling the course's own tool for what an exercise asks you to build.

Assignment 1 hands out ``coursekit.numerical_gradient`` and ``coursekit.rel_error`` as
black boxes, and compares the student's micrograd with ``coursekit.Value``; assignment 5
asks students to write the first two themselves, and assignment 1 asks for their own
``Value``. :data:`RULES`, the one table of this rule, says which assignment forbids which
``coursekit`` names in its graded functions.

The rule has two halves, shared by every engine:

* **finding the uses** (:func:`course_tools`): the ``coursekit`` names a function uses,
  read from its code objects (nested functions included) and, through the notebook
  functions and classes it calls, transitively; ``[[qualified name, via], ...]``. In the
  student's process (the check cell, nbgrader's and otter's tests:
  :func:`coursekit.judge.run_case`) the globals are resolved to objects, so an alias
  (``from coursekit import rel_error as r``) or a module (``import coursekit as ck``)
  is followed. In ``course grade``'s sandbox ``coursekit`` cannot be imported; the
  runner records what each withheld import statement would have bound
  (:func:`withheld_bindings`) and passes that map instead. Only names of
  :data:`RULE_NAMES` are reported, and only when something in the function can reach
  ``coursekit`` at all: an honest notebook costs a dictionary lookup per global name in
  the student's process, and nothing in the sandbox when its code names ``coursekit``
  only in imports of the notebook API (``grader``, ``data``, ``plots``: the runner then
  skips the walk). Measured on the bundled samples: 0.3 ms per submission.
* **judging** (:func:`verdict`, called by :meth:`coursekit.judge.Check.judge` on every
  outcome that reports a use): the names the function's assignment forbids cost the
  case all its points, with one message naming the tool, the path to it and what the
  assignment asks instead.

Standard library only: the sandbox's runner imports this module before any student code
runs.
"""

from __future__ import annotations

import builtins
import dis
import sys
import types

__all__ = ["CODE", "RULES", "RULE_NAMES", "course_tools", "course_tools_missing",
           "forbidden_for", "relevant", "verdict", "withheld_bindings"]

#: assignment -> coursekit name -> what the assignment asks instead (the one rule table)
RULES = {
    "01_chain_rule_and_graphs": {
        "Value": "assignment 1 asks you to build the graph from your own class (MyValue); "
                 "coursekit's Value is what your gradients are compared with",
    },
    "05_gradient_checking": {
        "numerical_gradient": "assignment 5 asks you to write it (assignment 1 lent it "
                              "to you as a black box)",
        "rel_error": "assignment 5 asks you to write it, as relative_error (assignment 1 "
                     "lent it to you as a black box)",
        "centered_difference": "assignment 5 asks you to write the centered differences "
                               "yourself, in numerical_gradient",
    },
}

#: Every name some assignment forbids: the only ones :func:`course_tools` reports.
RULE_NAMES = frozenset(n for names in RULES.values() for n in names)
#: The diagnosis code of a forbidden use.
CODE = "uses_course_tool"
#: The packages whose objects are the course's own tools.
PACKAGES = ("coursekit",)
#: How many uses an outcome carries at most.
LIMIT = 6
#: How a message introduces its advice (:data:`coursekit.judge.LIKELY`).
_LIKELY = ". Likely mistake: "
#: ``via`` of a function that *is* a course tool (``relative_error = rel_error``).
ITSELF = "(itself)"

_PASS_THROUGH = frozenset({"CACHE", "PRECALL", "NOP", "EXTENDED_ARG", "PUSH_NULL",
                           "RESUME"})
_STORES = frozenset({"STORE_FAST", "STORE_NAME", "STORE_DEREF", "STORE_GLOBAL"})
_MISSING = object()


def _top(name):
    return name.partition(".")[0] if isinstance(name, str) else ""


# --------------------------------------------------------------------------- the sandbox's map
def withheld_bindings(stmt, packages=PACKAGES):
    """``{local name: qualified name}`` that the import statement ``stmt`` (an
    ``ast.Import`` or ``ast.ImportFrom``) would bind from ``packages``; ``"*"`` maps to
    the module of a star import. Modules are marked with a trailing ``"."`` stripped by
    the walk (``import coursekit as ck`` gives ``{"ck": "coursekit."}``)."""
    import ast

    out = {}
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            if _top(alias.name) not in packages:
                continue
            if alias.asname:
                out[alias.asname] = alias.name + "."
            else:
                out[_top(alias.name)] = _top(alias.name) + "."
    elif isinstance(stmt, ast.ImportFrom) and not stmt.level and \
            _top(stmt.module or "") in packages:
        for alias in stmt.names:
            if alias.name == "*":
                out["*"] = stmt.module + "."
            else:
                # a name imported from a package may be a module: its attributes count
                out[alias.asname or alias.name] = f"{stmt.module}.{alias.name}"
    return out


def course_tools_missing(name, withheld, func=None):
    """For a graded function the notebook does not define (``func`` is ``None``) whose name
    a withheld import would have bound (``from coursekit import rel_error as
    relative_error``): ``[[qualified name, ITSELF]]``; else ``None``."""
    if func is not None or not withheld:
        return None
    q = relevant(withheld).get(name)
    if q and not q.endswith(".") and q.rpartition(".")[2] in RULE_NAMES:
        return [[q, ITSELF]]
    return None


#: What a notebook imports from coursekit that holds no tool of :data:`RULE_NAMES`.
_NOT_TOOLS = frozenset({"grader", "Grader", "check", "data", "plots", "answers",
                        "__version__", "ShapeError", "one_hot"})


def relevant(withheld):
    """The entries of a :func:`withheld_bindings` map that can lead to a rule's name: a
    forbidden name, a module (``import coursekit as ck``, ``from coursekit import
    tools``) or a star import; not the notebook API that holds no tool (``grader``,
    ``data``, ``plots``: :data:`_NOT_TOOLS`), so that an honest notebook's imports leave
    nothing to look for."""
    return {k: v for k, v in withheld.items()
            if k == "*" or v.endswith(".") or v.rpartition(".")[2] not in _NOT_TOOLS}


# --------------------------------------------------------------------------- in the process
def _identity_map():
    """``{id(object): qualified name}`` of the rule's names in the loaded coursekit
    modules (``coursekit.Value`` is ``course.nn.graph.Value`` in the repository)."""
    found = {}
    for mod_name, mod in list(sys.modules.items()):
        if _top(mod_name) not in PACKAGES or mod is None:
            continue
        space = getattr(mod, "__dict__", {})
        for n in RULE_NAMES:
            obj = space.get(n, _MISSING)
            if obj is not _MISSING:
                found.setdefault(id(obj), f"{mod_name}.{n}")
    return found


class _Origins:
    """What a global value is, in this process: a coursekit module or tool, or ``None``."""

    def __init__(self):
        self._ids = None

    def __call__(self, value):
        if isinstance(value, types.ModuleType):
            name = getattr(value, "__name__", "")
            return name + "." if _top(name) in PACKAGES else None
        if not isinstance(value, (types.FunctionType, type, types.BuiltinFunctionType,
                                  types.MethodType)):
            return None
        try:
            mod = value.__module__
        except Exception:  # noqa: BLE001 - a strange object: not a tool
            mod = None
        if isinstance(mod, str) and _top(mod) in PACKAGES:
            return f"{mod}.{getattr(value, '__name__', '?')}"
        if self._ids is None:
            self._ids = _identity_map()
        return self._ids.get(id(value))


# --------------------------------------------------------------------------- the walk
def _codes(code):
    out, stack = [], [code]
    while stack:
        c = stack.pop()
        out.append(c)
        stack.extend(k for k in c.co_consts if type(k) is types.CodeType)
    return out


def _own(value, ns):
    """Whether ``value`` is a function or class of the notebook (of namespace ``ns``)."""
    if isinstance(value, types.FunctionType):
        return value.__globals__ is ns
    if isinstance(value, type):
        return value.__module__ == ns.get("__name__", _MISSING)
    return False


def _members(cls):
    """The functions of a notebook class (methods, static and class methods, properties)."""
    for v in vars(cls).values():
        if isinstance(v, (staticmethod, classmethod)):
            v = v.__func__
        if isinstance(v, property):
            yield from (f for f in (v.fget, v.fset, v.fdel) if f is not None)
        elif isinstance(v, types.FunctionType):
            yield v


def course_tools(func, withheld=None, limit=LIMIT):
    """The course tools ``func`` uses: ``[[qualified name, via], ...]`` for the names of
    :data:`RULE_NAMES` (``via``: ``""`` when ``func`` itself uses it, the notebook
    functions on the way otherwise, ``"numerical_gradients -> numerical_gradient"``, or
    :data:`ITSELF`); ``[]`` when there is none.

    ``withheld`` (the sandbox): local name -> qualified name of the imports that could
    not run (:func:`withheld_bindings`); ``None`` (the student's process): globals are
    resolved to their objects.
    """
    origin = _Origins() if withheld is None else (lambda value: None)
    withheld = relevant(withheld) if withheld else {}
    star = withheld.get("*")
    found = {}

    def report(q, via):
        if q and not q.endswith(".") and q.rpartition(".")[2] in RULE_NAMES:
            found.setdefault(q, via)

    q = origin(func)
    if q:
        report(q, ITSELF)
    seen = set()
    stack = [(func, "")]
    while stack and len(found) < limit:
        f, via = stack.pop()
        if id(f) in seen:
            continue
        seen.add(id(f))
        if isinstance(f, type):
            for base in f.__mro__[1:]:
                report(origin(base), via)
            stack.extend((m, via) for m in _members(f))
            continue
        f = getattr(f, "__func__", f)  # a bound method
        code = getattr(f, "__code__", None)
        ns = getattr(f, "__globals__", None)
        if type(code) is not types.CodeType or not isinstance(ns, dict):
            continue
        here = via or ""
        for value in (*(f.__defaults__ or ()), *(f.__kwdefaults__ or {}).values(),
                      *(c.cell_contents for c in (f.__closure__ or ())
                        if _filled(c))):
            q = origin(value)
            if q:
                report(q, here)
            elif isinstance(value, (types.FunctionType, type)):
                stack.append((value, here))

        def resolve(name, ns=ns):
            value = ns.get(name, _MISSING)
            if value is not _MISSING:
                return origin(value), value
            if name in withheld:
                return withheld[name], _MISSING
            if star and not hasattr(builtins, name):
                return star + name, _MISSING
            return None, _MISSING

        for c in _codes(code):
            suspect = False
            for name in c.co_names:
                if _top(name) in PACKAGES:
                    suspect = True  # an import inside the function
                    continue
                q, value = resolve(name)
                if q:
                    suspect = True
                elif value is not _MISSING and _own(value, ns) and value is not f:
                    step = getattr(value, "__name__", name)
                    stack.append((value, f"{here} -> {step}" if here else step))
            if suspect:
                _chains(c, resolve, lambda q, via=here: report(q, via))
    return [[q, v] for q, v in list(found.items())[:limit]]


def _filled(cell):
    try:
        cell.cell_contents  # noqa: B018
    except ValueError:  # an empty cell
        return False
    return True


def _chains(code, resolve, report):
    """Read ``code``'s instructions: a global or an import that is a course tool or
    module, and the attributes taken from it (``coursekit.tools.rel_error``)."""
    chain, imported, local_modules = None, None, {}
    for ins in dis.get_instructions(code):
        op = ins.opname
        if op in _PASS_THROUGH:
            continue
        if op in ("LOAD_GLOBAL", "LOAD_NAME"):
            chain = resolve(ins.argval)[0]
        elif op in ("LOAD_FAST", "LOAD_DEREF", "LOAD_CLOSURE"):
            chain = local_modules.get(ins.argval)
        elif op in ("LOAD_ATTR", "LOAD_METHOD") and chain:
            chain = chain.rstrip(".") + "." + ins.argval
        elif op == "IMPORT_NAME":
            imported = ins.argval + "." if _top(ins.argval) in PACKAGES else None
            chain = imported
            if imported and ins.argval != _top(ins.argval):
                chain = _top(ins.argval) + "."  # `import a.b` binds a
        elif op == "IMPORT_FROM" and imported:
            chain = imported.rstrip(".") + "." + ins.argval
        elif op in _STORES and chain:
            local_modules[ins.argval] = chain
            chain = None
            continue
        else:
            chain = None
        if chain:
            report(chain)


# --------------------------------------------------------------------------- judging
def forbidden_for(name):
    """``{coursekit name: what the assignment asks instead}`` for the graded function (or
    check) ``name``: the rules of every assignment that grades it."""
    from . import registry

    try:
        assignments = registry.assignments()
        rules = {}
        for assignment, names in assignments.items():
            if name in names:
                rules.update(RULES.get(assignment, {}))
        return rules
    except Exception:  # noqa: BLE001 - no course to read: no rule applies
        return {}


def _uses(outcome):
    """The outcome's ``course_tools``, checked (from the sandbox, it is untrusted)."""
    tools = outcome.get("course_tools") if isinstance(outcome, dict) else None
    if not isinstance(tools, (list, tuple)):
        return []
    out = []
    for item in list(tools)[:LIMIT]:
        if (isinstance(item, (list, tuple)) and len(item) == 2
                and all(isinstance(x, str) and len(x) <= 200 for x in item)):
            out.append((item[0], item[1]))
    return out


def verdict(name, outcome):
    """The message that costs a case its points when the function graded as ``name``
    uses a course tool its assignment forbids (the outcome's ``course_tools``), else
    ``None``. Cheap when nothing is reported: one dictionary lookup."""
    uses = _uses(outcome)
    if not uses:
        return None
    rules = forbidden_for(name)
    for qualified, via in uses:
        tool = qualified.rpartition(".")[2]
        if _top(qualified) not in PACKAGES or tool not in rules:
            continue
        shown = f"coursekit.{tool}"
        if via == ITSELF:
            what = f"{name} is {shown} itself"
        elif via:
            what = f"{name} calls {shown} (through {via})"
        else:
            what = f"{name} calls {shown}"
        # the advice after "Likely mistake:", so that a report says it once for all cases
        return (f"{what} (0 points){_LIKELY}handing the exercise to the course's own "
                f"tool: {rules[tool]}; a graded function that does so earns nothing")
    return None
