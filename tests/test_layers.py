"""The layout's rules (DESIGN.md, "Layout"), read from the source with `ast`.

Every module of the project's packages is parsed; its imports are collected at module level and
inside functions, resolved to project modules, and checked against the rules below. A failure
names the file and line of each offending import, module or function.
"""

import ast
import io
import tokenize
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("rollweb", "consent", "suggestions")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
# Feature packages of `suggestions`, lowest first: each may import those below it, never one above
# (sharing above edits: a link may show a saved edit).
FEATURES = {"library": 0, "people": 1, "feed": 2, "edits": 3, "sharing": 4}
# Above every feature: they may import any of them, and no feature may import them. `erasure` and
# `export` answer consent's registries for the whole app (one person's data spans every feature).
ABOVE_FEATURES = ("api", "tasks", "admin", "apps", "urls", "erasure", "export")
# A feature's pages sit above every feature too (a page may show what several features hold).
PAGES = ("views", "urls", "forms")
# rollweb/: these compose the site and may import apps; every other module is the kernel.
COMPOSITION = ("settings", "celery", "wsgi", "urls", "views", "admin", "operators", "templatetags")
APPS = ("consent", "suggestions")


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    path: str  # its file, relative to the repository
    line: int
    target: str  # the imported module (a project module resolved to its file's module)
    in_function: bool
    reason: bool  # a comment on its lines or the line above, or on an import right before it

    def where(self):
        return f"{self.path}:{self.line}"


def _module_name(path):
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules():
    """{module name: file} of every module of the project's packages, migrations left out."""
    found = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


def _is_package(name):
    path = modules().get(name)
    return path is not None and path.name == "__init__.py"


def _comment_lines(source):
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            lines.add(token.start[0])
    return lines


@cache
def _reexports(package):
    """{name: defining module} for names a package's __init__ imports from its own modules."""
    path = modules().get(package)
    if path is None or path.name != "__init__.py":
        return {}
    names = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{package}.{node.module}"
    return names


def _targets(node, module):
    """The project modules an import statement reaches."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    package = module if _is_package(module) else module.rpartition(".")[0]
    if node.level:
        base = package
        for _ in range(node.level - 1):
            base = base.rpartition(".")[0]
        base = f"{base}.{node.module}" if node.module else base
    else:
        base = node.module
    targets = []
    for alias in node.names:
        full = f"{base}.{alias.name}"
        if full in modules():
            targets.append(full)
        else:
            targets.append(_reexports(base).get(alias.name, base))
    return targets


class _Collector(ast.NodeVisitor):
    def __init__(self, module, path, comments):
        self.module, self.path, self.comments = module, path, comments
        self.depth = 0
        self.imports = []
        self.explained = set()

    def _function(self, node):
        self.depth += 1
        for inner in ast.walk(node):
            for block in ("body", "orelse", "finalbody"):
                self._explained_blocks(getattr(inner, block, []))
        self.generic_visit(node)
        self.depth -= 1

    def _explained_blocks(self, body):
        """Imports that follow an explained import without other statements between share its reason."""
        explained = False
        for statement in body if isinstance(body, list) else []:
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                explained = explained or self._commented(statement)
                if explained:
                    self.explained.add(id(statement))
            else:
                explained = False

    def _commented(self, node):
        return bool(set(range(node.lineno - 1, (node.end_lineno or node.lineno) + 1)) & self.comments)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def _import(self, node):
        reason = self._commented(node) or id(node) in self.explained
        for target in dict.fromkeys(_targets(node, self.module)):
            self.imports.append(Import(self.module, self.path, node.lineno, target, self.depth > 0, reason))

    visit_Import = visit_ImportFrom = _import


@cache
def parsed(name):
    path = modules()[name]
    source = path.read_text()
    return source, ast.parse(source, filename=str(path))


@cache
def imports():
    found = []
    for name, path in modules().items():
        source, tree = parsed(name)
        collector = _Collector(name, str(path.relative_to(REPO)), _comment_lines(source))
        collector.visit(tree)
        found.extend(collector.imports)
    return found


def _under(name, prefix):
    return name == prefix or name.startswith(prefix + ".")


def _project(name):
    return any(_under(name, package) for package in PACKAGES)


def feature_of(name):
    """The feature a module belongs to: its package under suggestions/ (its pages excepted), or
    its models module."""
    parts = name.split(".")
    if parts[-1] in PAGES:
        return None
    if len(parts) >= 2 and parts[0] == "suggestions":
        if parts[1] in FEATURES:
            return parts[1]
        if parts[1] == "models" and len(parts) >= 3 and parts[2] in FEATURES:
            return parts[2]
    return None


def _report(found):
    return f"{len(found)} found:\n" + "\n".join(sorted(found))


# -- the rules ----------------------------------------------------------------------------------


def consent_violations():
    return [
        f"{i.where()}: consent imports {i.target}"
        for i in imports()
        if _under(i.source, "consent") and _under(i.target, "suggestions")
    ]


def analysis_violations():
    return [
        f"{i.where()}: analysis imports {i.target}"
        for i in imports()
        if _under(i.source, "suggestions.analysis")
        and (
            (_project(i.target) and not _under(i.target, "suggestions.analysis"))
            or _under(i.target, "django")
            or _under(i.target, "celery")
        )
    ]


GENERATORS_MAY_IMPORT = ("suggestions.generators", "suggestions.analysis", "consent.scopes")


def generators_violations():
    return [
        f"{i.where()}: generators import {i.target}"
        for i in imports()
        if _under(i.source, "suggestions.generators")
        and (
            (_project(i.target) and not any(_under(i.target, allowed) for allowed in GENERATORS_MAY_IMPORT))
            or _under(i.target, "django.db")
            or _under(i.target, "celery")
        )
    ]


def feature_violations():
    found = []
    for i in imports():
        source, target = feature_of(i.source), feature_of(i.target)
        if source is None:
            continue
        if target is not None and target != source and FEATURES[target] >= FEATURES[source]:
            found.append(f"{i.where()}: {source} imports {target} ({i.target}), which is not below it")
        if any(_under(i.target, f"suggestions.{top}") for top in ABOVE_FEATURES):
            found.append(f"{i.where()}: {source} imports {i.target}, which sits above every feature")
    return found


def _kernel(name):
    if not _under(name, "rollweb") or name == "rollweb":
        return False
    return name.split(".")[1] not in COMPOSITION


def kernel_violations():
    return [
        f"{i.where()}: the kernel module {i.source} imports the app module {i.target}"
        for i in imports()
        if _kernel(i.source) and any(_under(i.target, app) for app in APPS)
    ]


def function_import_violations():
    return [
        f"{i.where()}: an import inside a function ({i.target}) without a comment saying why"
        for i in imports()
        if i.in_function and not i.reason
    ]


def import_cycles():
    """Strongly connected groups of project modules (Tarjan), counting imports inside functions."""
    graph = {name: set() for name in modules()}
    lines = {}
    for i in imports():
        if i.target in graph and i.target != i.source:
            graph[i.source].add(i.target)
            lines.setdefault((i.source, i.target), i.where())
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    found = []
    for group in groups:
        members = set(group)
        edges = sorted(lines[(a, b)] + f" ({a} -> {b})" for a in group for b in graph[a] if b in members)
        found.append(f"a cycle of {len(group)} modules: {', '.join(group)}\n    " + "\n    ".join(edges))
    return found


def _size_checked(name):
    return name != "rollweb.settings"


def oversize_modules():
    found = []
    for name, path in modules().items():
        count = len(parsed(name)[0].splitlines())
        if _size_checked(name) and count > MAX_MODULE_LINES:
            found.append(f"{path.relative_to(REPO)}:1: {count} lines (at most {MAX_MODULE_LINES})")
    return found


def oversize_functions():
    found = []
    for name, path in modules().items():
        if not _size_checked(name):
            continue
        for node in ast.walk(parsed(name)[1]):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                count = node.end_lineno - node.lineno + 1
                if count > MAX_FUNCTION_LINES:
                    found.append(
                        f"{path.relative_to(REPO)}:{node.lineno}: {node.name} has {count} lines "
                        f"(at most {MAX_FUNCTION_LINES})"
                    )
    return found


# -- the tests ----------------------------------------------------------------------------------


def test_the_walk_sees_every_package_and_imports_inside_functions():
    assert {"rollweb.settings", "consent.services", "suggestions.analysis"} <= set(modules())
    assert any(i.in_function for i in imports())


def test_consent_imports_nothing_of_suggestions():
    assert not consent_violations(), _report(consent_violations())


def test_analysis_is_pure():
    assert not analysis_violations(), _report(analysis_violations())


def test_generators_touch_no_database_celery_or_feature():
    assert not generators_violations(), _report(generators_violations())


def test_features_import_only_features_below_them():
    assert not feature_violations(), _report(feature_violations())


def test_the_kernel_imports_no_app():
    assert not kernel_violations(), _report(kernel_violations())


def test_no_two_modules_import_each_other():
    assert not import_cycles(), _report(import_cycles())


def test_imports_inside_functions_say_why():
    assert not function_import_violations(), _report(function_import_violations())


def test_modules_are_small():
    assert not oversize_modules(), _report(oversize_modules())


def test_functions_are_small():
    assert not oversize_functions(), _report(oversize_functions())
