#!/usr/bin/env python3
"""The layering rule, checked: every `#include "x/..."` in src/ and apps/ must name a module the
including file may use.

A module is a folder src/<m> with a CMakeLists.txt that declares it with
`parley_module(<m> SOURCES ... DEPS ...)` (cmake/parley.cmake). A file of module m may include
  - m itself and the modules in m's DEPS (its declared dependencies, direct ones only);
  - for the sources of a test, benchmark or fuzz target of m (parley_test, parley_bench,
    parley_fuzz in the same CMakeLists): also the DEPS that target declares, and theirs;
  - for other files under m's tests/ folder (shared test helpers): the DEPS of any test target
    of m, and theirs.
apps/ may include every module (it links them all). tests/ is not checked.

Usage: check_includes.py SOURCE_DIR        exit 0 when every include is allowed, 1 otherwise
       check_includes.py --self-test       checks the checker on a small tree with violations
"""
import pathlib
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
TARGET_FUNCS = ("parley_module", "parley_test", "parley_bench", "parley_fuzz")
KEYWORDS = {"SOURCES", "DEPS", "LIBS", "PUBLIC_LIBS", "LABELS", "TIMEOUT"}


def cmake_calls(text, name):
    """Yields the argument tokens of every call `name(...)`, comments stripped."""
    text = re.sub(r"#[^\n]*", "", text)
    for m in re.finditer(r"\b" + name + r"\s*\(", text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        yield text[m.end():i - 1].split()


def expand(tokens, variables):
    out = []
    for t in tokens:
        v = re.fullmatch(r"\$\{(\w+)\}", t)
        out.extend(variables.get(v.group(1), []) if v else [t])
    return out


def parse_target(tokens, variables):
    """(name, {keyword: [values]}) of a parley_* call."""
    args, key = {}, None
    for t in expand(tokens[1:], variables):
        if t in KEYWORDS:
            key = t
            args.setdefault(key, [])
        elif key:
            args[key].append(t)
    return tokens[0], args


def read_modules(src):
    """{module: {"deps": set, "targets": [(sources, deps)]}} from src/*/CMakeLists.txt."""
    modules = {}
    for cml in sorted(src.glob("*/CMakeLists.txt")):
        text = cml.read_text()
        variables = {}
        for tokens in cmake_calls(text, "set"):
            if tokens:
                variables[tokens[0]] = tokens[1:]
        for tokens in cmake_calls(text, "parley_module"):
            name, args = parse_target(tokens, variables)
            modules[name] = {"dir": cml.parent, "deps": set(args.get("DEPS", [])),
                             "sources": set(args.get("SOURCES", [])), "targets": []}
        for func in TARGET_FUNCS[1:]:
            for tokens in cmake_calls(text, func):
                _, args = parse_target(tokens, variables)
                for m in modules.values():
                    if m["dir"] == cml.parent:
                        m["targets"].append((set(args.get("SOURCES", [])),
                                             set(args.get("DEPS", []))))
    return modules


def closure(names, modules):
    seen, todo = set(), list(names)
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        todo.extend(modules.get(n, {}).get("deps", ()))
    return seen


def allowed_for(path, name, modules):
    m = modules[name]
    rel = path.relative_to(m["dir"]).as_posix()
    allowed = {name} | m["deps"]
    in_tests = rel.startswith("tests/")
    for sources, deps in m["targets"]:
        if rel in sources or (in_tests and not path.suffix == ".cc"):
            allowed |= closure(deps | {name}, modules)
    return allowed


def check(root):
    src, problems = root / "src", []
    modules = read_modules(src)
    if not modules:
        return ["no parley_module() found under " + str(src)]
    for name, m in sorted(modules.items()):
        for path in sorted(m["dir"].rglob("*")):
            if path.suffix not in (".h", ".cc") or not path.is_file():
                continue
            allowed = allowed_for(path, name, modules)
            for inc in INCLUDE.findall(path.read_text(errors="replace")):
                head = inc.split("/")[0]
                if "/" in inc and head in modules and head not in allowed:
                    problems.append(
                        f"{path.relative_to(root)}: includes \"{inc}\", but module {name} "
                        f"may include only {', '.join(sorted(allowed))} "
                        f"(DEPS in src/{name}/CMakeLists.txt)")
    for path in sorted((root / "apps").rglob("*")):
        if path.suffix not in (".h", ".cc") or not path.is_file():
            continue
        for inc in INCLUDE.findall(path.read_text(errors="replace")):
            head = inc.split("/")[0]
            if "/" in inc and (src / head).is_dir() and head not in modules:
                problems.append(f"{path.relative_to(root)}: includes \"{inc}\" of src/{head}, "
                                "which declares no module")
    return problems


def self_test():
    """A tiny tree: low <- mid <- top; mid includes top (upwards) and its test includes a module
    its target does not declare. Both must be reported, and nothing else."""
    with tempfile.TemporaryDirectory() as d:
        root = pathlib.Path(d)
        files = {
            "src/low/CMakeLists.txt": "parley_module(low SOURCES low.cc)\n",
            "src/low/low.h": "#pragma once\n",
            "src/low/low.cc": '#include "low/low.h"\n',
            "src/mid/CMakeLists.txt":
                "set(MID_DEPS low)  # a variable, as bench uses\n"
                "parley_module(mid SOURCES mid.cc DEPS ${MID_DEPS})\n"
                "parley_test(mid_test SOURCES tests/mid_test.cc DEPS mid)\n",
            "src/mid/mid.cc": '#include "low/low.h"\n#include "top/top.h"\n',
            "src/mid/tests/mid_test.cc": '#include "mid/mid.h"\n#include "low/low.h"\n'
                                         '#include "top/top.h"\n',
            "src/top/CMakeLists.txt":
                "parley_module(top SOURCES top.cc DEPS mid)\n"
                "parley_test(top_test SOURCES tests/top_test.cc DEPS top)\n",
            "src/top/top.cc": '#include "mid/mid.h"\n#include "low/low.h"\n',
            "src/top/tests/top_test.cc": '#include "low/low.h"\n',
            "apps/app.cc": '#include "top/top.h"\n#include "command.h"\n',
        }
        for rel, text in files.items():
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
        problems = check(root)
        want = ['src/mid/mid.cc: includes "top/top.h"',
                'src/mid/tests/mid_test.cc: includes "top/top.h"',
                'src/top/top.cc: includes "low/low.h"']
        got = [p.split(", but")[0] for p in problems]
        if got != want:
            print("self-test FAILED: expected", want, "got", problems)
            return 1
        print("self-test ok:", len(problems), "violations found as expected")
        return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    root = pathlib.Path(sys.argv[1]).resolve()
    problems = check(root)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} include(s) break the layering: add the module to DEPS only if "
              "the dependency belongs in the layering (docs/ARCHITECTURE.md)")
        return 1
    print("layering ok: every #include \"x/...\" in src/ and apps/ is allowed by DEPS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
