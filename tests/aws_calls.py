"""The AWS calls each Lambda function makes, derived from the code, and the IAM rights they need.

No list of calls is kept by hand. How it works: `Code` parses `app.py` and every
module of `chalicelib/` with `ast` and indexes their functions, classes (methods,
dataclass fields, what `__init__` and other methods assign to `self.x`), imports and
module-level assignments; `field_env` notes which environment variable each
`Settings` field reads (`referrals_table=env("REFERRALS_TABLE", ...)`). For one
function of the packaged template, `entry_points()` gives where Lambda enters the
code (for `app.app`, every `route` view and the registered middleware; for an event
function, its handler), and the `Walker` follows the code from there: at each call
it asks the `Interpreter` what the callee is, binds the arguments to its parameters
(positional, keyword, `**` spreads, defaults) in a new `Frame`, and walks into it;
a function already walked with the same kinds of arguments is not walked again. The
interpreter is deliberately small and over-approximating: a value is a list of the
alternatives it may be (both arms of `x if c else y`, every assignment to a name,
every `**` spread, at most 32 variants), and the only values it tells apart are the
ones that decide rights: `Client(service)` from any `client("dynamodb")` with a
literal service, string constants, `Field(Settings, name)` for a setting read
anywhere, instances carrying the frame of their `__init__` (so `self._table` in a
store is the setting `services.py` passed in), dict and list literals. A method
called on something it cannot resolve is followed into every class method of that
name (unless the name is a common one of `dict`, `str` and friends, in `COMMON`).
A call `<client>.<operation>(...)`, where the operation is one of botocore's for that
client's service (or a presign), becomes a `Call`; `Rights` turns it into IAM
(action, resource) pairs, per service: DynamoDB by `TableName` (`IndexName` adds
`/index/<name>`, transactions give a right per item kind, batches per table), S3 by
`Bucket` at object level `/*` (the `...Version` action when a `VersionId` is passed,
a presigned URL or POST as the operation it signs, Object Lock arguments and reads
of the lock as their own rights), SES by the sender's identity, Cognito by the pool.
A resource is a `Field`, followed from the setting to its environment variable to
the `Ref` the template wires into that function's environment, so rights are named
by the template's logical ids. `kms_rights()` adds the key rights that using an
encrypted table, bucket or queue implies; `platform_rights()` what Lambda does with
the role (its log group, reading its stream, its failure queue). `granted()` reads
the role's policy from the packaged template into the same symbols, and `covers()`
compares them. Whatever cannot be told is reported, never guessed: `unresolved`
lists calls whose table, bucket or operation stayed unknown, and `untraced_calls()`
lists every `.operation(...)` in the code (for the services the code makes clients
of) that no function's walk reached, so a call this analysis cannot follow fails
the tests loudly instead of going unseen.
"""

import ast
import os
import re
from dataclasses import dataclass, field

import botocore
import botocore.session

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRESIGN = {"generate_presigned_url", "generate_presigned_post"}
# Method names so common (dict, str, list, set, file) that an unresolved receiver is not guessed to be ours.
COMMON = {
    "get",
    "items",
    "keys",
    "values",
    "update",
    "append",
    "extend",
    "pop",
    "setdefault",
    "split",
    "join",
    "strip",
    "rstrip",
    "lstrip",
    "format",
    "encode",
    "decode",
    "startswith",
    "endswith",
    "lower",
    "upper",
    "replace",
    "copy",
    "read",
    "write",
    "close",
    "set",
    "add",
    "remove",
    "discard",
    "sort",
    "count",
    "index",
    "insert",
    "clear",
    "isoformat",
    "strftime",
    "astimezone",
    "total_seconds",
    "group",
    "match",
    "findall",
}
OBJECT_LOCK_READS = {"ObjectLockRetainUntilDate", "ObjectLockMode"}
# Error codes that mean "no such key": a function that looks for them tells a missing object apart.
MISSING_KEY_CODES = {"404", "NoSuchKey", "NotFound"}
_session = botocore.session.get_session()
AVAILABLE = set(_session.get_available_services())


def service_model(name):
    return _session.get_service_model(name)


def operations(service):
    """snake_case operation name -> the operation's own (IAM) name."""
    return {botocore.xform_name(op): op for op in service_model(service).operation_names}


def unsigned(service, operation):
    """True for an operation IAM never authorises: botocore sends it unsigned (`noAuth`), and the service
    authorises it by what it carries (Cognito's InitiateAuth by the app client, GetUser by the access token).
    A role cannot be granted it, so it needs no right."""
    model = service_model(service).operation_model(operations(service)[operation])
    return model.auth_type == "none" or list(model.auth or []) == ["smithy.api#noAuth"]


# -- values the interpreter tracks -------------------------------------------------------------------


class Unknown:
    def __repr__(self):
        return "?"


UNKNOWN = Unknown()


@dataclass(frozen=True)
class Client:
    service: str


@dataclass(frozen=True)
class Str:
    value: str


@dataclass(frozen=True)
class Field:
    cls: str
    name: str


@dataclass(frozen=True)
class ModuleV:
    name: str


@dataclass(eq=False)
class FuncV:
    info: "FuncInfo"
    bound: object = None


@dataclass(eq=False)
class ClassV:
    info: "ClassInfo"


@dataclass(eq=False)
class Instance:
    info: "ClassInfo"
    frame: "Frame" = None


@dataclass(eq=False)
class DictV:
    pairs: list  # [(key values, value values)]

    def get(self, key):
        found = []
        for keys, values in self.pairs:
            if any(isinstance(k, Str) and k.value == key for k in keys):
                found = values  # a later entry overrides an earlier one
        return found

    def has(self, key):
        return any(any(isinstance(k, Str) and k.value == key for k in keys) for keys, _ in self.pairs)


@dataclass(eq=False)
class ListV:
    items: list  # [values]


# -- the code ----------------------------------------------------------------------------------------


@dataclass(eq=False)
class FuncInfo:
    module: "Module"
    node: ast.AST
    cls: "ClassInfo" = None

    @property
    def name(self):
        return self.node.name

    def where(self):
        return f"{self.module.path}:{self.node.lineno} {self.cls.name + '.' if self.cls else ''}{self.name}"


@dataclass(eq=False)
class ClassInfo:
    module: "Module"
    node: ast.ClassDef
    methods: dict = field(default_factory=dict)
    fields: set = field(default_factory=set)
    self_assigns: dict = field(default_factory=dict)  # attr -> [(FuncInfo, expr)]

    @property
    def name(self):
        return self.node.name


@dataclass(eq=False)
class Module:
    name: str
    path: str
    tree: ast.Module
    defs: dict = field(default_factory=dict)
    classes: dict = field(default_factory=dict)
    imports: dict = field(default_factory=dict)
    assigns: dict = field(default_factory=dict)


def _imports(statements, package_of):
    found = {}
    for node in statements:
        if isinstance(node, ast.Import):
            for alias in node.names:
                found[alias.asname or alias.name.split(".")[0]] = (
                    "module",
                    alias.name if alias.asname else alias.name.split(".")[0],
                )
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module if node.level == 0 else package_of
            for alias in node.names:
                found[alias.asname or alias.name] = ("from", base, alias.name)
    return found


def _own_nodes(node):
    """The nodes of a function or module, without those of the functions and classes nested in it.

    Kept on the node: the analysis asks for a function's nodes once for every name it looks up in it
    (millions of nodes walked again), and a parsed tree never changes."""
    own = getattr(node, "_own_nodes", None)
    if own is None:
        own = []
        stack = list(ast.iter_child_nodes(node))
        while stack:
            child = stack.pop()
            own.append(child)
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                stack.extend(ast.iter_child_nodes(child))
        own = node._own_nodes = tuple(own)
    return own


def _local_bindings(node, package):
    """A function's imports, and for each name, in the order they appear, what binds it there: a nested
    `def` ("def"), an assignment's value ("value") or a loop's iterable ("iter").

    Kept on the node, as `_own_nodes` is: the analysis looks names up in a function tens of thousands of
    times, and reading its nodes again for each took most of its time."""
    found = getattr(node, "_local_bindings", None)
    if found is None:
        imports, bindings = {}, {}
        for sub in _own_nodes(node):
            if isinstance(sub, (ast.Import, ast.ImportFrom)):
                imports.update(_imports([sub], package))
            elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                bindings.setdefault(sub.name, []).append(("def", sub))
            elif isinstance(sub, ast.Assign):
                for target in sub.targets:
                    if isinstance(target, ast.Name):
                        bindings.setdefault(target.id, []).append(("value", sub.value))
            elif isinstance(sub, (ast.AnnAssign, ast.NamedExpr)) and isinstance(sub.target, ast.Name):
                if sub.value is not None:
                    bindings.setdefault(sub.target.id, []).append(("value", sub.value))
            elif isinstance(sub, (ast.For, ast.comprehension)):
                names = {t.id for t in ast.walk(sub.target) if isinstance(t, ast.Name)}
                for bound in sorted(names):
                    bindings.setdefault(bound, []).append(("iter", sub.iter))
        found = node._local_bindings = (imports, bindings)
    return found


class Code:
    def __init__(self, root=ROOT):
        self.root = root
        self.modules = {}
        paths = [os.path.join(root, "app.py")]
        for folder, _, files in os.walk(os.path.join(root, "chalicelib")):
            paths += [os.path.join(folder, f) for f in sorted(files) if f.endswith(".py")]
        for path in paths:
            relative = os.path.relpath(path, root)
            name = relative[:-3].replace(os.sep, ".").removesuffix(".__init__")
            with open(path, encoding="utf-8") as handle:
                tree = ast.parse(handle.read(), relative)
            self.modules[name] = self._index(Module(name, relative, tree))
        self.field_env = self._field_env()

    def _index(self, module):
        package = module.name.rpartition(".")[0] or module.name
        module.imports = _imports(module.tree.body, package)
        for node in module.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                module.defs[node.name] = FuncInfo(module, node)
            elif isinstance(node, ast.ClassDef):
                info = ClassInfo(module, node)
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        info.methods[item.name] = FuncInfo(module, item, info)
                    elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                        info.fields.add(item.target.id)
                for method in info.methods.values():
                    for sub in ast.walk(method.node):
                        if isinstance(sub, ast.Assign):
                            for target in sub.targets:
                                if (
                                    isinstance(target, ast.Attribute)
                                    and isinstance(target.value, ast.Name)
                                    and target.value.id == "self"
                                ):
                                    info.self_assigns.setdefault(target.attr, []).append((method, sub.value))
                module.classes[node.name] = info
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        module.assigns.setdefault(target.id, []).append(node.value)
        return module

    def _field_env(self):
        """For classes built with keywords (the Settings dataclass): field -> the environment variable it reads."""
        fielded = {c.name: c for m in self.modules.values() for c in m.classes.values() if c.fields}
        found = {}
        for module in self.modules.values():
            for node in ast.walk(module.tree):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in fielded:
                    for keyword in node.keywords:
                        names = [
                            c.value
                            for c in ast.walk(keyword.value)
                            if isinstance(c, ast.Constant)
                            and isinstance(c.value, str)
                            and re.fullmatch(r"[A-Z][A-Z0-9_]+", c.value)
                        ]
                        if keyword.arg and names:
                            found.setdefault(node.func.id, {})[keyword.arg] = names[0]
        return found

    def methods_named(self, name):
        return [c.methods[name] for m in self.modules.values() for c in m.classes.values() if name in c.methods]

    def lookup(self, module_name, name):
        """A module-level name of one of our modules, as values."""
        module = self.modules.get(module_name)
        if module is None:
            return [UNKNOWN]
        if name in module.defs:
            return [FuncV(module.defs[name])]
        if name in module.classes:
            return [ClassV(module.classes[name])]
        if name in module.imports:
            return self.imported(module.imports[name])
        if f"{module_name}.{name}" in self.modules:
            return [ModuleV(f"{module_name}.{name}")]
        return None

    def imported(self, spec):
        if spec[0] == "module":
            return [ModuleV(spec[1])] if spec[1] in self.modules else [UNKNOWN]
        _, base, name = spec
        if f"{base}.{name}" in self.modules:
            return [ModuleV(f"{base}.{name}")]
        found = self.lookup(base, name)
        return found if found is not None else [UNKNOWN]


# -- the interpreter ---------------------------------------------------------------------------------


@dataclass(eq=False)
class Frame:
    module: Module
    func: FuncInfo = None
    bindings: dict = field(default_factory=dict)
    parent: "Frame" = None
    depth: int = 0


@dataclass
class Call:
    """One AWS call as a Lambda function makes it: the client's service, the operation, its arguments."""

    function: str
    service: str
    operation: str
    node: ast.Call
    frame: Frame
    where: str


MAX_DEPTH = 30
MAX_VARIANTS = 32


class Interpreter:
    def __init__(self, code):
        self.code = code
        self._active = set()
        self.ops = {}

    def ops_of(self, service):
        if service not in self.ops:
            self.ops[service] = set(operations(service)) | (PRESIGN if service == "s3" else set())
        return self.ops[service]

    # values of expressions

    def resolve(self, node, frame):
        key = (id(node), id(frame))
        if key in self._active or frame.depth > MAX_DEPTH:
            return [UNKNOWN]
        self._active.add(key)
        try:
            return self._resolve(node, frame) or [UNKNOWN]
        finally:
            self._active.discard(key)

    def _resolve(self, node, frame):
        if isinstance(node, ast.Constant):
            return [Str(node.value)] if isinstance(node.value, str) else [UNKNOWN]
        if isinstance(node, ast.JoinedStr):
            first = node.values[0] if node.values else None
            return self.resolve(first.value, frame) if isinstance(first, ast.FormattedValue) else [UNKNOWN]
        if isinstance(node, ast.Name):
            return self.name(node.id, frame)
        if isinstance(node, ast.Attribute):
            return [found for value in self.resolve(node.value, frame) for found in self.attribute(value, node.attr)]
        if isinstance(node, ast.Call):
            return self.call(node, frame)
        if isinstance(node, ast.Dict):
            return self.dict_literal(node, frame)
        if isinstance(node, (ast.List, ast.Tuple)):
            return [ListV([self.resolve(e, frame) for e in node.elts if not isinstance(e, ast.Starred)])]
        if isinstance(node, ast.Subscript):
            found = []
            keys = self.resolve(node.slice, frame)
            for value in self.resolve(node.value, frame):
                if isinstance(value, DictV):
                    found += [v for k in keys if isinstance(k, Str) for v in value.get(k.value)]
                elif isinstance(value, ListV):
                    found += [v for item in value.items for v in item]
            return found
        if isinstance(node, ast.IfExp):
            return self.resolve(node.body, frame) + self.resolve(node.orelse, frame)
        if isinstance(node, ast.BoolOp):
            return [v for operand in node.values for v in self.resolve(operand, frame)]
        return [UNKNOWN]

    def dict_literal(self, node, frame):
        variants = [[]]
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:  # {**other}
                spread = [v for v in self.resolve(value, frame) if isinstance(v, DictV)] or [DictV([])]
                variants = [pairs + s.pairs for pairs in variants for s in spread][:MAX_VARIANTS]
            else:
                entry = (self.resolve(key, frame), self.resolve(value, frame))
                variants = [pairs + [entry] for pairs in variants]
        return [DictV(pairs) for pairs in variants]

    def name(self, name, frame):
        current = frame
        while current is not None:
            if name in current.bindings:
                return current.bindings[name]
            if current.func is not None:
                found = self._local(name, current)
                if found is not None:
                    return found
            current = current.parent
        found = self.code.lookup(frame.module.name, name)
        if found is not None:
            return found
        if name in frame.module.assigns:
            top = Frame(frame.module)
            return [v for value in frame.module.assigns[name] for v in self.resolve(value, top)]
        return [UNKNOWN]

    def _local(self, name, frame):
        node = frame.func.node
        imports, bindings = _local_bindings(node, frame.module.name.rpartition(".")[0] or frame.module.name)
        values, matched = [], False
        for kind, value in bindings.get(name, ()):
            if kind == "def":
                return [FuncV(FuncInfo(frame.module, value))]
            matched = True
            values += self.resolve(value, frame) if kind == "value" else self._iterated(value, frame)
        if name in imports:
            return self.code.imported(imports[name])
        if matched:
            return values
        args = node.args
        if name in [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]:
            return [UNKNOWN]  # a parameter this path did not bind
        return None

    def _iterated(self, iterable, frame):
        found = []
        for value in self.resolve(iterable, frame):
            if isinstance(value, ListV):
                found += [v for item in value.items for v in item]
        return found or [UNKNOWN]

    def attribute(self, value, attr):
        if isinstance(value, ModuleV):
            found = self.code.lookup(value.name, attr)
            return found if found is not None else [UNKNOWN]
        if isinstance(value, Instance):
            info = value.info
            if attr in info.methods:
                return [FuncV(info.methods[attr], value)]
            if attr in info.self_assigns:
                found = []
                for method, expr in info.self_assigns[attr]:
                    if method.name == "__init__" and value.frame is not None:
                        frame = value.frame
                    else:
                        frame = Frame(method.module, method, {"self": [value]})
                    found += self.resolve(expr, frame)
                return found
            if attr in info.fields:
                return [Field(info.name, attr)]
            return [UNKNOWN]
        if isinstance(value, Unknown):
            owners = [c for c, env in self.code.field_env.items() if attr in env]
            return [Field(owners[0], attr)] if owners else [UNKNOWN]
        return [UNKNOWN]

    def bind(self, info, call, caller, bound=None, parent=None):
        params = [a.arg for a in info.node.args.posonlyargs + info.node.args.args]
        bindings = {}
        if info.cls is not None and params and params[0] in ("self", "cls"):
            bindings[params[0]] = [bound] if bound is not None else [Instance(info.cls)]
            params = params[1:]
        for param, arg in zip(params, call.args, strict=False):  # a call may pass fewer
            if isinstance(arg, ast.Starred):
                break
            bindings[param] = self.resolve(arg, caller)
        names = set(params) | {a.arg for a in info.node.args.kwonlyargs}
        for keyword in call.keywords:
            if keyword.arg in names:
                bindings[keyword.arg] = self.resolve(keyword.value, caller)
            elif keyword.arg is None:
                for spread in self.resolve(keyword.value, caller):
                    if isinstance(spread, DictV):
                        for keys, values in spread.pairs:
                            for k in keys:
                                if isinstance(k, Str) and k.value in names:
                                    bindings[k.value] = values
        defaults = info.node.args.defaults
        for param, default in zip(params[len(params) - len(defaults) :], defaults, strict=True):
            bindings.setdefault(param, self.resolve(default, Frame(info.module)))
        return Frame(info.module, info, bindings, parent, caller.depth + 1)

    def call(self, node, frame):
        client = self.client_made(node, frame)
        if client is not None:
            return [client]
        found = []
        for callee in self.resolve(node.func, frame):
            if isinstance(callee, FuncV):
                inner = self.bind(callee.info, node, frame, callee.bound)
                for sub in _own_nodes(callee.info.node):
                    if isinstance(sub, ast.Return) and sub.value is not None:
                        found += self.resolve(sub.value, inner)
            elif isinstance(callee, ClassV):
                instance = Instance(callee.info)
                init = callee.info.methods.get("__init__")
                if init is not None:
                    instance.frame = self.bind(init, node, frame, instance)
                found.append(instance)
        return found or [UNKNOWN]

    def client_made(self, node, frame):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if name != "client" or not node.args:
            return None
        service = [v.value for v in self.resolve(node.args[0], frame) if isinstance(v, Str)]
        return Client(service[0]) if service and service[0] in AVAILABLE else None


def _signature(values, depth=0):
    parts = []
    for value in values:
        if isinstance(value, (Client, Str, Field, ModuleV)):
            parts.append(repr(value))
        elif isinstance(value, Instance):
            inner = (
                ()
                if value.frame is None or depth > 2
                else tuple(
                    (k, _signature(v, depth + 1)) for k, v in sorted(value.frame.bindings.items()) if k != "self"
                )
            )
            parts.append(("instance", value.info.name, inner))
        elif isinstance(value, DictV) and depth < 3:
            parts.append(("dict", tuple((_signature(k, depth + 1), _signature(v, depth + 1)) for k, v in value.pairs)))
        elif isinstance(value, ListV) and depth < 3:
            parts.append(("list", tuple(_signature(i, depth + 1) for i in value.items)))
        elif isinstance(value, FuncV):
            parts.append(("func", value.info.where()))
        else:
            parts.append(type(value).__name__)
    return tuple(sorted(map(repr, parts)))


class Walker:
    """Follows one Lambda function through the code and collects its AWS calls."""

    def __init__(self, code, function):
        self.code = code
        self.function = function
        self.interpreter = Interpreter(code)
        self.calls = []
        self.reached = []
        self._seen = set()

    def walk(self, info, frame):
        key = (id(info.node), tuple((k, _signature(v)) for k, v in sorted(frame.bindings.items())))
        if key in self._seen or frame.depth > MAX_DEPTH:
            return
        self._seen.add(key)
        self.reached.append(info)
        for node in ast.walk(info.node):
            if isinstance(node, ast.Call):
                self.visit_call(node, frame, info)

    def visit_call(self, node, frame, info):
        resolve = self.interpreter.resolve
        func = node.func
        targets = []
        if self._paginated(node, frame, info):
            return
        if isinstance(func, ast.Attribute):
            receivers = resolve(func.value, frame)
            for receiver in receivers:
                if isinstance(receiver, Client) and func.attr in self.interpreter.ops_of(receiver.service):
                    self.calls.append(
                        Call(
                            self.function, receiver.service, func.attr, node, frame, f"{info.module.path}:{node.lineno}"
                        )
                    )
                else:
                    targets += self.interpreter.attribute(receiver, func.attr)
            if all(isinstance(r, Unknown) for r in receivers) and func.attr not in COMMON:
                targets += [FuncV(m) for m in self.code.methods_named(func.attr)]
        else:
            targets = resolve(func, frame)
        for target in targets:
            if isinstance(target, FuncV):
                self.walk(target.info, self.interpreter.bind(target.info, node, frame, target.bound))
            elif isinstance(target, ClassV) and "__init__" in target.info.methods:
                init = target.info.methods["__init__"]
                self.walk(init, self.interpreter.bind(init, node, frame, Instance(target.info)))

    def _paginated(self, node, frame, info):
        """`<client>.get_paginator("query").paginate(...)`: the operation named, with paginate's arguments."""
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr == "paginate" and isinstance(func.value, ast.Call)):
            return False
        getter = func.value.func
        if not (isinstance(getter, ast.Attribute) and getter.attr == "get_paginator" and func.value.args):
            return False
        names = [v.value for v in self.interpreter.resolve(func.value.args[0], frame) if isinstance(v, Str)]
        found = False
        for receiver in self.interpreter.resolve(getter.value, frame):
            if isinstance(receiver, Client):
                for name in names:
                    if name in self.interpreter.ops_of(receiver.service):
                        where = f"{info.module.path}:{node.lineno}"
                        self.calls.append(Call(self.function, receiver.service, name, node, frame, where))
                        found = True
        return found


def entry_points(code, handler):
    """The app.py functions a Lambda handler runs: `app.app` runs the routes and the middleware."""
    app = code.modules["app"]
    if handler != "app.app":
        return [app.defs[handler.split(".", 1)[1]]]
    found = []
    for info in app.defs.values():
        for decorator in info.node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            name = (
                call.func.attr
                if call and isinstance(call.func, ast.Attribute)
                else call.func.id
                if call and isinstance(call.func, ast.Name)
                else None
            )
            if name == "route":  # @app.route(...) or the project's guarded @route(...)
                found.append(info)
                break
    top = Frame(app)
    interpreter = Interpreter(code)
    for node in ast.walk(app.tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "register_middleware"
        ):
            for value in interpreter.resolve(node.args[0], top):
                if isinstance(value, FuncV):
                    found.append(value.info)
    return found


def calls_of(code, function, handler):
    walker = Walker(code, function)
    for info in entry_points(code, handler):
        walker.walk(info, Frame(info.module, info, {}, None, 0))
    return walker.calls


def untraced_calls(code, traced):
    """AWS-looking calls in the code (an operation name of a service the code makes clients for) not traced."""
    services = set()
    for module in code.modules.values():
        for node in ast.walk(module.tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", None)) == "client"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value in AVAILABLE
            ):
                services.add(node.args[0].value)
    # An operation IAM never authorises needs no right, whichever function makes it: not following it hides nothing.
    names = set().union(*({op for op in operations(s) if not unsigned(s, op)} for s in services)) | (
        PRESIGN if "s3" in services else set()
    )
    seen = {id(call.node) for call in traced}
    missing = []
    for module in code.modules.values():
        for node in ast.walk(module.tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in names
                and id(node) not in seen
            ):
                missing.append(f"{module.path}:{node.lineno} .{node.func.attr}(...)")
    return services, missing


# -- from calls to IAM rights ------------------------------------------------------------------------


def kwargs_variants(interpreter, node, frame):
    """The keyword arguments of a call, one dict per alternative the code can pass (`**` spreads)."""
    variants = [{}]
    for keyword in node.keywords:
        if keyword.arg is None:
            spread = [v for v in interpreter.resolve(keyword.value, frame) if isinstance(v, DictV)]
            if spread:
                variants = [{**d, **_as_kwargs(s)} for d in variants for s in spread][:MAX_VARIANTS]
    explicit = {k.arg: interpreter.resolve(k.value, frame) for k in node.keywords if k.arg}
    return [{**d, **explicit} for d in variants]


def _as_kwargs(value):
    found = {}
    for keys, values in value.pairs:
        for key in keys:
            if isinstance(key, Str):
                found[key.value] = values
    return found


def _dicts(values):
    return [v for v in values if isinstance(v, DictV)]


class Rights:
    """Maps the calls of one function to (action, resource) pairs; resources are the template's logical ids."""

    def __init__(self, code, template, function):
        self.code = code
        self.template = template
        self.function = function
        self.environment = template["Resources"][function]["Properties"].get("Environment", {}).get("Variables", {})
        self.unresolved = []

    def resource(self, value, call):
        if isinstance(value, Field):
            env = self.code.field_env.get(value.cls, {}).get(value.name)
            wired = self.environment.get(env) if env else None
            if isinstance(wired, dict) and "Ref" in wired:
                name = wired["Ref"]
                return name if name in self.template["Resources"] else f"param:{name}"
            self.unresolved.append(
                f"{call.where}: setting {value.name} ({env}) is not wired in {self.function}'s "
                "environment to a template resource"
            )
            return None
        return None

    def resources(self, values, call, what):
        found = {r for r in (self.resource(v, call) for v in values) if r}
        if not found:
            self.unresolved.append(f"{call.where}: cannot tell which {what} {call.service}.{call.operation} uses")
        return found

    def of(self, call, interpreter):
        handler = getattr(self, "_" + call.service.replace("-", "_"), None)
        rights = set()
        for kwargs in kwargs_variants(interpreter, call.node, call.frame):
            if handler is not None:
                rights |= handler(call, kwargs, interpreter)
            else:
                self.unresolved.append(f"{call.where}: no mapping for {call.service} calls yet")
        return rights

    def _dynamodb(self, call, kwargs, interpreter):
        op = operations("dynamodb")[call.operation]
        found = set()
        if call.operation in ("transact_write_items", "transact_get_items"):
            names = {
                "Put": "PutItem",
                "Update": "UpdateItem",
                "Delete": "DeleteItem",
                "ConditionCheck": "ConditionCheckItem",
                "Get": "GetItem",
            }
            for items in kwargs.get("TransactItems", []):
                for item in items.items if isinstance(items, ListV) else []:
                    for entry in _dicts(item):
                        for keys, values in entry.pairs:
                            for key in keys:
                                if isinstance(key, Str) and key.value in names:
                                    tables = [t for d in _dicts(values) for t in d.get("TableName")]
                                    for table in self.resources(tables, call, "table"):
                                        found.add((f"dynamodb:{names[key.value]}", table))
            if not found:
                self.unresolved.append(f"{call.where}: cannot tell what {call.operation} writes")
            return found
        if call.operation in ("batch_write_item", "batch_get_item"):
            tables = [k for d in _dicts(kwargs.get("RequestItems", [])) for keys, _ in d.pairs for k in keys]
            return {(f"dynamodb:{op}", t) for t in self.resources(tables, call, "table")}
        tables = self.resources(kwargs.get("TableName", []), call, "table")
        if "IndexName" in kwargs:
            indexes = [v.value for v in kwargs["IndexName"] if isinstance(v, Str)] or ["*"]
            return {(f"dynamodb:{op}", f"{t}/index/{i}") for t in tables for i in indexes}
        return {(f"dynamodb:{op}", t) for t in tables}

    _BUCKET_LEVEL = {
        "list_objects_v2": "ListBucket",
        "list_objects": "ListBucket",
        "head_bucket": "ListBucket",
        "list_object_versions": "ListBucketVersions",
    }
    _OBJECT = {
        "head_object": "GetObject",
        "get_object": "GetObject",
        "put_object": "PutObject",
        "delete_object": "DeleteObject",
        "delete_objects": "DeleteObject",
    }

    def _s3(self, call, kwargs, interpreter):
        operation = call.operation
        if operation == "generate_presigned_post":
            operation = "put_object"
        elif operation == "generate_presigned_url":
            methods = kwargs.get("ClientMethod") or (
                interpreter.resolve(call.node.args[0], call.frame) if call.node.args else []
            )
            params = kwargs.get("Params") or (
                interpreter.resolve(call.node.args[1], call.frame) if len(call.node.args) > 1 else []
            )
            found = set()
            for method in [m.value for m in methods if isinstance(m, Str)] or ["?"]:
                for variant in [_as_kwargs(d) for d in _dicts(params)] or [{}]:
                    found |= self._s3_operation(call, method, variant)
            return found
        return self._s3_operation(call, operation, kwargs)

    def _s3_operation(self, call, operation, kwargs):
        versioned = "VersionId" in kwargs
        if operation in self._BUCKET_LEVEL:
            return {
                (f"s3:{self._BUCKET_LEVEL[operation]}", b)
                for b in self.resources(kwargs.get("Bucket", []), call, "bucket")
            }
        found = set()
        if operation == "copy_object":
            sources = kwargs.get("CopySource", [])
            source_buckets = [b for d in _dicts(sources) for b in d.get("Bucket")] + [
                s for s in sources if not isinstance(s, DictV)
            ]
            read = "GetObjectVersion" if any(d.has("VersionId") for d in _dicts(sources)) else "GetObject"
            found |= {(f"s3:{read}", f"{b}/*") for b in self.resources(source_buckets, call, "source bucket")}
            actions = ["PutObject"]
        elif operation in self._OBJECT:
            action = self._OBJECT[operation]
            if versioned and action in ("GetObject", "DeleteObject"):
                action += "Version"
            actions = [action]
        elif operation == "?":
            self.unresolved.append(f"{call.where}: cannot tell which operation the URL is signed for")
            return set()
        else:
            actions = [operations("s3")[operation]]
        if "ObjectLockMode" in kwargs or "ObjectLockRetainUntilDate" in kwargs:
            actions.append("PutObjectRetention")
        if "ObjectLockLegalHoldStatus" in kwargs:
            actions.append("PutObjectLegalHold")
        if "BypassGovernanceRetention" in kwargs:
            actions.append("BypassGovernanceRetention")
        if operation in ("head_object", "get_object") and self._reads_lock(call):
            actions.append("GetObjectRetention")  # S3 shows retention only to holders of this right
        buckets = self.resources(kwargs.get("Bucket", []), call, "bucket")
        if operation in ("head_object", "get_object") and self._handles_missing_key(call):
            # Without ListBucket S3 answers a missing key with 403 AccessDenied, never 404/NoSuchKey:
            # code that tells "not there" apart needs the right on the bucket itself.
            found |= {("s3:ListBucket", b) for b in buckets}
        return found | {(f"s3:{a}", f"{b}/*") for a in actions for b in buckets}

    def _reads_lock(self, call):
        return self._function_mentions(call, OBJECT_LOCK_READS)

    def _handles_missing_key(self, call):
        return self._function_mentions(call, MISSING_KEY_CODES)

    @staticmethod
    def _function_mentions(call, constants):
        function = call.frame.func.node if call.frame.func else None
        return function is not None and any(
            isinstance(n, ast.Constant) and n.value in constants for n in ast.walk(function)
        )

    def _sesv2(self, call, kwargs, interpreter):
        op = operations("sesv2")[call.operation]
        if call.operation == "send_email":
            senders = self.resources(kwargs.get("FromEmailAddress", []), call, "sender")
            found = {(f"ses:{op}", f"identity:{s.removeprefix('param:')}") for s in senders}
            if "ConfigurationSetName" in kwargs:  # SES checks the right on the configuration set too
                sets = self.resources(kwargs["ConfigurationSetName"], call, "configuration set")
                found |= {(f"ses:{op}", f"configuration-set:{s.removeprefix('param:')}") for s in sets}
            return found
        self.unresolved.append(f"{call.where}: no resource mapping for sesv2 {call.operation} yet")
        return {(f"ses:{op}", "?")}

    def _cognito_idp(self, call, kwargs, interpreter):
        if unsigned("cognito-idp", call.operation):  # sign-in itself: authorised by the client, session or token
            return set()
        op = operations("cognito-idp")[call.operation]
        return {(f"cognito-idp:{op}", p) for p in self.resources(kwargs.get("UserPoolId", []), call, "user pool")}


# -- what the template's own wiring needs -------------------------------------------------------------


def encrypted_with(template, logical):
    """The logical id of the KMS key a table, bucket or queue is encrypted with, or None."""
    spec = template["Resources"].get(logical, {})
    props = spec.get("Properties", {})
    keys = []
    if spec.get("Type") == "AWS::DynamoDB::Table":
        keys = [props.get("SSESpecification", {}).get("KMSMasterKeyId")]
    elif spec.get("Type") == "AWS::S3::Bucket":
        keys = [
            r.get("ServerSideEncryptionByDefault", {}).get("KMSMasterKeyID")
            for r in props.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
        ]
    elif spec.get("Type") == "AWS::SQS::Queue":
        keys = [props.get("KmsMasterKeyId")]
    for key in keys:
        if isinstance(key, dict):
            if "Ref" in key:
                return key["Ref"]
            if "Fn::GetAtt" in key:
                return key["Fn::GetAtt"][0]
    return None


_READS = {"s3:GetObject", "s3:GetObjectVersion"}
_WRITES = {"s3:PutObject"}


def kms_rights(template, rights):
    """kms:Decrypt and kms:GenerateDataKey on the key, through the service that uses it, as the rights need."""
    found = set()
    for action, resource in rights:
        service = action.split(":")[0]
        logical = resource.split("/")[0]
        key = encrypted_with(template, logical)
        if key is None:
            continue
        if service == "dynamodb":
            found.add(("kms:Decrypt", f"{key}@dynamodb"))  # DynamoDB decrypts the table key as the caller
        elif service == "s3" and action in _READS:
            found.add(("kms:Decrypt", f"{key}@s3"))
        elif service == "s3" and action in _WRITES:
            found.add(("kms:GenerateDataKey", f"{key}@s3"))
        elif action == "sqs:SendMessage":
            found |= {("kms:GenerateDataKey", f"{key}@sqs"), ("kms:Decrypt", f"{key}@sqs")}
    return found


def platform_rights(template, function):
    """What Lambda itself does with the function's role: its logs, its event source, its failure destination."""
    props = template["Resources"][function]["Properties"]
    found = set()
    group = props.get("LoggingConfig", {}).get("LogGroup", {})
    group = group.get("Ref") if isinstance(group, dict) else None
    found |= {("logs:CreateLogStream", group or "?"), ("logs:PutLogEvents", group or "?")}
    for event in props.get("Events", {}).values():
        source = event.get("Properties", {})
        if event.get("Type") == "DynamoDB":
            table = source["Stream"]["Fn::GetAtt"][0]
            found |= {
                (f"dynamodb:{a}", f"{table}/stream") for a in ("DescribeStream", "GetRecords", "GetShardIterator")
            }
            found.add(("dynamodb:ListStreams", f"{table}/stream/*"))
            if encrypted_with(template, table):
                found.add(("kms:Decrypt", f"{encrypted_with(template, table)}@dynamodb"))
        destination = source.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        if isinstance(destination, dict) and "Fn::GetAtt" in destination:
            queue = destination["Fn::GetAtt"][0]
            found.add(("sqs:SendMessage", queue))
    return found | kms_rights(template, found)


# -- what the template grants --------------------------------------------------------------------------

_SUB_ATTR = re.compile(r"\$\{([A-Za-z0-9]+)\.(Arn|StreamArn)\}")


def normalise(resource):
    """A policy's resource as a symbol: a logical id, `Table/index/x`, `Bucket/*`, `Table/stream`..."""
    if resource == "*":
        return "*"
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        logical, attribute = resource["Fn::GetAtt"]
        return {"Arn": logical, "StreamArn": f"{logical}/stream"}.get(attribute, f"{logical}.{attribute}")
    if isinstance(resource, dict) and "Ref" in resource:
        return resource["Ref"]
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        text, variables = (resource["Fn::Sub"], {}) if isinstance(resource["Fn::Sub"], str) else resource["Fn::Sub"]
        if ":configuration-set/" in text:
            return "configuration-set:" + text.rsplit("configuration-set/", 1)[1].strip("${}")
        if ":identity/" in text:
            name = text.rsplit("identity/", 1)[1].strip("${}")
            if name in variables:  # the sender's domain, split from the address parameter
                refs = re.findall(r"'Ref': '([A-Za-z0-9]+)'", repr(variables[name]))
                name = refs[0] if refs else name
            return f"identity:{name}"
        match = _SUB_ATTR.fullmatch(text.split("/", 1)[0])
        if match:
            logical, attribute = match.groups()
            base = logical if attribute == "Arn" else f"{logical}/stream"
            rest = text.split("/", 1)[1] if "/" in text else ""
            return f"{base}/{rest}" if rest else base
    return repr(resource)


def granted(template, function):
    """(action, resource) pairs the function's role allows, with KMS rights as `Key@service`; and the statements."""
    role = template["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    statements = [
        s
        for policy in template["Resources"][role]["Properties"].get("Policies", [])
        for s in policy["PolicyDocument"]["Statement"]
    ]
    found = set()
    for statement in statements:
        assert statement["Effect"] == "Allow", statement
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        via = statement.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService", [])
        via = [
            v["Fn::Sub"].split(".")[0] if isinstance(v, dict) else v.split(".")[0]
            for v in (via if isinstance(via, list) else [via])
        ]
        for action in actions:
            for resource in resources:
                symbol = normalise(resource)
                if action.startswith("kms:"):
                    found |= {(action, f"{symbol}@{service}") for service in via} if via else {(action, symbol)}
                else:
                    found.add((action, symbol))
    return found, statements


def lambda_functions(template):
    """Logical id -> handler, for every function of the packaged template."""
    return {
        name: spec["Properties"]["Handler"]
        for name, spec in template["Resources"].items()
        if spec.get("Type") == "AWS::Serverless::Function"
    }


def needed(code, template, function):
    """(rights, calls, unresolved) for one function: what its code and its wiring need."""
    handler = lambda_functions(template)[function]
    calls = calls_of(code, function, handler)
    mapper = Rights(code, template, function)
    interpreter = Interpreter(code)
    rights = set()
    for call in calls:
        rights |= mapper.of(call, interpreter)
    rights |= kms_rights(template, rights)
    rights |= platform_rights(template, function)
    return rights, calls, sorted(set(mapper.unresolved))


def covers(granted_rights, right):
    action, resource = right
    return any(
        a == action and (r == resource or (r.endswith("*") and resource.startswith(r[:-1]))) for a, r in granted_rights
    )
