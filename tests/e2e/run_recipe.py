"""Runs the shell steps of a recipe on this machine, without Docker or a CI
service, so the commands a recipe shows are the commands that are tested.

  run_recipe.py dockerfile DOCKERFILE --stage NAME --root ROOT --context DIR
  run_recipe.py workflow WORKFLOW --job NAME --workspace DIR --artifacts DIR
                --root ROOT [--set KEY=VALUE]...

In both, absolute paths under /wheelhouse, /src, /opt, /tmp and /home are
moved under ROOT (so /wheelhouse is ROOT/wheelhouse in every stage, as the
runtime stage's bind mount of the builder's /wheelhouse makes it).

dockerfile: runs one stage's WORKDIR, ENV, COPY, RUN and CMD instructions
with /bin/sh -c, in this process's environment plus the stage's ENV;
`--mount=` options are dropped. `COPY --from=STAGE` copies nothing: its
destination must already be under ROOT (the caller provides it).

workflow: runs one job's steps in order, each `run:` as `bash -e SCRIPT`
(GitHub's default shell) in the workspace, with GITHUB_ENV and GITHUB_PATH
honoured. actions/checkout uses the workspace as it is;
actions/upload-artifact and actions/download-artifact copy to and from
ARTIFACTS/NAME. ${{ }} expressions: matrix.*, github.* (from --set) and
env.*; anything else is an error.

Both skip the machine setup that needs the network or a package manager
(lines starting with apt-get, curl, wget or cmake, which build or install
tools this machine already has) and say so; every other step runs, and
the first one that fails stops the run with its exit status.
"""
import argparse
import fnmatch
import glob
import json
import os
import re
import shutil
import subprocess
import sys

SETUP = re.compile(r"^\s*(apt-get|curl|wget|cmake)\b", re.M)
MAPPED = re.compile(r"(?<![\w.$}/-])/(wheelhouse|src|opt|tmp|home)(?=[/\s:;\"']|$)", re.M)


def fail(msg, status=1):
    print(f"run_recipe: {msg}", file=sys.stderr)
    sys.exit(status)


def expand_vars(text, env):
    return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""), text)


def copy_into(src, dest):
    """Copies a file into the folder dest, or a folder's contents into dest."""
    os.makedirs(dest, exist_ok=True)
    if os.path.isdir(src):
        shutil.copytree(src, dest, symlinks=True, dirs_exist_ok=True)
    else:
        shutil.copy2(src, dest)


# --- Dockerfile ------------------------------------------------------------

def dockerfile_instructions(path):
    """[(stage, keyword, args)] with continuation lines joined."""
    out, stage, args, joined = [], None, {}, ""
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.lstrip().startswith("#"):
            continue
        if line.endswith("\\"):
            joined += line[:-1] + " "
            continue
        joined += line
        text, joined = joined.strip(), ""
        if not text:
            continue
        keyword, _, rest = text.partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "ARG" and stage is None:
            name, _, value = rest.partition("=")
            args[name] = value
            continue
        if keyword == "FROM":
            words = expand_vars(rest, args).split()
            stage = words[2] if len(words) >= 3 and words[1].upper() == "AS" else words[0]
        out.append((stage, keyword, rest))
    return out


def run_dockerfile(a):
    root, env, cwd = os.path.abspath(a.root), dict(os.environ), None
    mapped = lambda text: MAPPED.sub(lambda m: root + m.group(0), text)
    found = False
    for stage, keyword, rest in dockerfile_instructions(a.file):
        if stage != a.stage:
            continue
        found = True
        if keyword == "WORKDIR":
            cwd = mapped(rest)
            os.makedirs(cwd, exist_ok=True)
        elif keyword == "ENV":
            for pair in rest.split():
                name, _, value = pair.partition("=")
                env[name] = expand_vars(mapped(value), env)
        elif keyword == "COPY":
            words = rest.split()
            if words[0].startswith("--from="):
                dest = mapped(words[-1])
                if not os.path.exists(dest):
                    fail(f"COPY {rest}: {dest} is not provided")
                print(f"[{stage}] COPY {rest}: provided at {dest}", flush=True)
                continue
            src, dest = words[0], mapped(words[1])
            src_path = os.path.join(a.context, src)
            if os.path.isdir(src_path):
                copy_into(src_path, dest)
            else:
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                shutil.copy2(src_path, dest)
            print(f"[{stage}] COPY {rest}", flush=True)
        elif keyword == "RUN":
            command = re.sub(r"^(--mount=\S+\s+)+", "", rest)
            if SETUP.search(command.replace("&&", "\n")):
                print(f"[{stage}] skipped (machine setup): RUN {command[:70]}...", flush=True)
                continue
            command = mapped(command)
            print(f"[{stage}] RUN {command}", flush=True)
            rc = subprocess.run(["/bin/sh", "-c", command], cwd=cwd, env=env).returncode
            if rc != 0:
                fail(f"[{stage}] RUN failed (exit {rc}): {command}", rc)
        elif keyword == "CMD":
            argv = json.loads(rest)
            print(f"[{stage}] CMD {argv}", flush=True)
            rc = subprocess.run(argv, cwd=cwd, env=env).returncode
            if rc != 0:
                fail(f"[{stage}] CMD failed (exit {rc})", rc)
        elif keyword in ("FROM", "USER"):
            print(f"[{stage}] {keyword} {rest}", flush=True)
        else:
            fail(f"[{stage}] {keyword}: not supported by this runner")
    if not found:
        fail(f"{a.file}: no stage {a.stage}")


# --- GitHub Actions workflow -------------------------------------------------

def substitute(text, ctx):
    def one(m):
        expr = m.group(1).strip()
        if expr not in ctx:
            fail(f"unsupported expression ${{{{ {expr} }}}}", 2)
        return ctx[expr]
    return re.sub(r"\$\{\{(.*?)\}\}", one, str(text))


def upload(spec, ws, store):
    name = spec["name"]
    paths = [p for p in spec["path"].split("\n") if p.strip()]
    matches = [m for p in paths for m in sorted(glob.glob(os.path.join(ws, p.strip())))]
    if not matches and spec.get("if-no-files-found", "warn") == "error":
        fail(f"upload-artifact {name}: no files match {paths}")
    for m in matches:
        copy_into(m, os.path.join(store, name))
    print(f"  uploaded {len(matches)} path(s) as {name}", flush=True)


def download(spec, ws, store):
    dest = os.path.join(ws, spec.get("path", "."))
    if "name" in spec:
        src = os.path.join(store, spec["name"])
        if not os.path.isdir(src):
            fail(f"download-artifact: no artifact {spec['name']}")
        copy_into(src, dest)
        return
    names = sorted(n for n in os.listdir(store) if fnmatch.fnmatch(n, spec["pattern"]))
    if not names:
        fail(f"download-artifact: no artifact matches {spec['pattern']}")
    for n in names:
        copy_into(os.path.join(store, n), os.path.join(dest, n))
    print(f"  downloaded {names}", flush=True)


def run_workflow(a):
    import yaml
    doc = yaml.safe_load(open(a.file, encoding="utf-8"))
    job = doc["jobs"].get(a.job) or fail(f"{a.file}: no job {a.job}")
    ws, store, root = os.path.abspath(a.workspace), os.path.abspath(a.artifacts), os.path.abspath(a.root)
    mapped = lambda text: MAPPED.sub(lambda m: root + m.group(0), text)
    temp = os.path.join(root, "runner-temp")
    os.makedirs(temp, exist_ok=True)
    ctx = dict(kv.split("=", 1) for kv in a.set)
    env = dict(os.environ)
    for scope in (doc.get("env") or {}, job.get("env") or {}):
        for k, v in scope.items():
            env[k] = ctx[f"env.{k}"] = substitute(v, ctx)
    env_file, path_file = os.path.join(temp, "github_env"), os.path.join(temp, "github_path")
    for n, step in enumerate(job["steps"], 1):
        label = step.get("name") or step.get("uses") or f"step {n}"
        cond = step.get("if")
        if cond not in (None, "always()"):
            fail(f"{label}: unsupported if: {cond}", 2)
        spec = {k: mapped(substitute(v, ctx)) for k, v in (step.get("with") or {}).items()}
        uses = step.get("uses", "")
        if uses.startswith("actions/checkout"):
            print(f"[{a.job}] {label}: the workspace as given", flush=True)
        elif uses.startswith("actions/upload-artifact"):
            print(f"[{a.job}] {label}", flush=True)
            upload(spec, ws, store)
        elif uses.startswith("actions/download-artifact"):
            print(f"[{a.job}] {label}", flush=True)
            download(spec, ws, store)
        elif uses:
            fail(f"{label}: action {uses} is not supported by this runner", 2)
        else:
            script = mapped(substitute(step["run"], ctx))
            if SETUP.search(script):
                print(f"[{a.job}] skipped (machine setup): {label}", flush=True)
                continue
            print(f"[{a.job}] run: {label}", flush=True)
            for f in (env_file, path_file):
                open(f, "w").close()
            script_file = os.path.join(temp, f"step-{n}.sh")
            with open(script_file, "w") as f:
                f.write(script)
            step_env = dict(env, GITHUB_ENV=env_file, GITHUB_PATH=path_file, GITHUB_WORKSPACE=ws)
            rc = subprocess.run(["bash", "--noprofile", "--norc", "-e", script_file], cwd=ws, env=step_env).returncode
            if rc != 0:
                fail(f"[{a.job}] {label}: exit {rc}", rc)
            for line in open(env_file):
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    env[k] = v
            for line in open(path_file):
                if line.strip():
                    env["PATH"] = line.strip() + ":" + env["PATH"]


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="kind", required=True)
    d = sub.add_parser("dockerfile")
    d.add_argument("file")
    d.add_argument("--stage", required=True)
    d.add_argument("--root", required=True)
    d.add_argument("--context", required=True)
    w = sub.add_parser("workflow")
    w.add_argument("file")
    w.add_argument("--job", required=True)
    w.add_argument("--workspace", required=True)
    w.add_argument("--artifacts", required=True)
    w.add_argument("--root", required=True)
    w.add_argument("--set", action="append", default=[])
    a = ap.parse_args()
    run_dockerfile(a) if a.kind == "dockerfile" else run_workflow(a)


if __name__ == "__main__":
    main()
