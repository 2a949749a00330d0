#!/usr/bin/env python3
# The layer rule is enforced by the build (meson.build, "The layer rule"):
# this test proves it with the compiler. For every library target under src/
# it takes that target's real compile command from compile_commands.json and
# asks the preprocessor which layers' headers it can find (__has_include of a
# real header of each layer, the same lookup an #include does). A library
# must find exactly its own layer and those the table lets it use; one that
# could reach a higher or sibling layer fails here, even if no file does so
# yet. For each target it also includes one forbidden header for real and
# expects "No such file or directory" (clang: "file not found"), as a
# newcomer's mistake would get.
#
# Usage: layer_rule_test.py SOURCE_ROOT BUILD_ROOT LAYER=SEEN,SEEN... ...
import json
import os
import shlex
import subprocess
import sys
import tempfile

source_root, build_root = sys.argv[1], sys.argv[2]
rule = {}
for arg in sys.argv[3:]:
    layer, seen = arg.split("=", 1)
    rule[layer] = set(seen.split(","))


def probe_header(layer):
    """A real header of `layer` as code includes it, or None (no such directory yet)."""
    directory = os.path.join(source_root, "include/smtpsec" if layer == "smtpsec" else "src/" + layer)
    if not os.path.isdir(directory):
        return None
    for dirpath, _, files in sorted(os.walk(directory)):
        headers = sorted(f for f in files if f.endswith(".h"))
        if headers:
            return os.path.relpath(os.path.join(dirpath, headers[0]), os.path.dirname(directory))
    return None


layers = sorted(set().union(*rule.values()) | set(rule))
probes = {layer: probe_header(layer) for layer in layers}
probes = {layer: header for layer, header in probes.items() if header}


def preprocess_command(entry, source):
    """The entry's compile command, preprocessing `source` to stdout instead."""
    words = shlex.split(entry["command"])
    if words[0] == "ccache":
        words = words[1:]
    out, skip = [], False
    for word in words:
        if skip:
            skip = False
            continue
        if word in ("-o", "-MQ", "-MF", "-MT"):
            skip = True
            continue
        if word in ("-c", "-MD", "-MMD") or word == entry["file"]:
            continue
        out.append(word)
    return out + ["-E", "-P", source, "-o", "-"]


def layer_of(entry):
    path = os.path.relpath(os.path.normpath(os.path.join(entry["directory"], entry["file"])), source_root)
    parts = path.split(os.sep)
    return parts[1] if len(parts) > 2 and parts[0] == "src" else None


# One compile command per target (the object directory names the target).
targets = {}
with open(os.path.join(build_root, "compile_commands.json")) as f:
    for entry in json.load(f):
        layer = layer_of(entry)
        if layer is None:
            continue
        target = os.path.dirname(entry["output"])
        targets.setdefault(target, (layer, entry))

failures = []
checked = 0
with tempfile.TemporaryDirectory() as tmp:
    probe_file = os.path.join(tmp, "probe.cc")
    with open(probe_file, "w") as f:
        for layer, header in sorted(probes.items()):
            f.write(f'#if __has_include("{header}")\nlayer_visible {layer}\n#endif\n')
    for target, (layer, entry) in sorted(targets.items()):
        if layer not in rule:
            failures.append(f"{target}: src/{layer} has no row in meson.build's layer table")
            continue
        run = subprocess.run(preprocess_command(entry, probe_file), cwd=entry["directory"],
                             capture_output=True, text=True)
        if run.returncode != 0:
            failures.append(f"{target}: the probe did not preprocess:\n{run.stderr}")
            continue
        visible = {line.split()[1] for line in run.stdout.splitlines() if line.startswith("layer_visible ")}
        allowed = {name for name in rule[layer] if name in probes}
        for name in sorted(visible - allowed):
            failures.append(f"{target} (layer {layer}) can include {name}/ headers; the layer rule forbids it")
        for name in sorted(allowed - visible):
            failures.append(f"{target} (layer {layer}) cannot find {name}/ headers it may use")
        forbidden = sorted(set(probes) - allowed)
        if forbidden:
            include_file = os.path.join(tmp, "include.cc")
            with open(include_file, "w") as f:
                f.write(f'#include "{probes[forbidden[0]]}"\n')
            run = subprocess.run(preprocess_command(entry, include_file), cwd=entry["directory"],
                                 capture_output=True, text=True)
            not_found = "No such file or directory" in run.stderr or "file not found" in run.stderr  # gcc, clang
            if run.returncode == 0 or not not_found:
                failures.append(f'{target} (layer {layer}): #include "{probes[forbidden[0]]}" did not fail '
                                f"as not found (exit {run.returncode}):\n{run.stderr}")
        checked += 1
        print(f"{target}: layer {layer} sees {' '.join(sorted(visible))}")

if checked == 0:
    failures.append("no library target found in compile_commands.json")
for failure in failures:
    print("FAIL: " + failure)
print(f"{checked} targets checked, {len(failures)} failures")
sys.exit(1 if failures else 0)
