"""Do GlovEgo's dependencies resolve to binary wheels on every supported Python? Names any that do not.

For each Python (3.10–3.13 must pass; 3.14 is reported) and each install the README documents
(`.[dev,export,mediapipe-legacy]` and `.[dev,export,mediapipe]`), pip resolves the requirements
from pyproject.toml with `--only-binary=:all: --dry-run --report` (no builds, nothing installed).
Each Python's own interpreter resolves where one is installed (pyenv or `python3.X` on PATH), so
environment markers and wheel tags are that Python's; otherwise `--python-version` stands in
(wheel tags are then exact, markers are the running Python's).

torch is checked apart: its registry wheels are the multi-GB CUDA builds and this registry serves
no separate metadata, so resolving it would download them. `pip index versions` with the target
Python lists the torch versions that have a wheel for it, without downloading, and the newest must
satisfy the project's torch requirement.

An unreachable registry is a failure that says so, never a pass. Exit 0: every required Python
resolves in both installs; 1: one does not (named); 2: the registry cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
REQUIRED = ("3.10", "3.11", "3.12", "3.13")
REPORTED = ("3.14",)
INSTALLS = {"legacy": ("dev", "export", "mediapipe-legacy"), "current": ("dev", "export", "mediapipe")}
SHOWN = ("numpy", "opencv-contrib-python", "mediapipe", "protobuf", "onnx", "onnxruntime", "transformers", "diffusers")
TIMEOUT_S = 1800  # one resolution; ~4 min on a quiet 2-core machine


@dataclass
class Outcome:
    python: str
    install: str
    ok: bool
    how: str  # "python3.12 (pyenv)" or "--python-version 3.14"
    seconds: float
    versions: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def project_requirements(extras: tuple[str, ...]) -> tuple[list[str], Requirement]:
    """pyproject's dependencies plus those extras' (torch apart), exactly as written there."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"]) + [r for extra in extras for r in project["optional-dependencies"][extra]]
    torch = next(Requirement(r) for r in lines if Requirement(r).name == "torch")
    return [r for r in lines if Requirement(r).name != "torch"], torch


def interpreter(version: str) -> list[str] | None:
    """A command running that Python's own pip, or None when it is not installed here."""
    candidates = []
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if pyenv.is_dir():
        candidates += sorted(pyenv.glob(f"{version}.*/bin/python{version}"), key=lambda p: Version(p.parts[-3]), reverse=True)
    if shutil.which(f"python{version}"):
        candidates.append(Path(shutil.which(f"python{version}")))  # type: ignore[arg-type]
    for exe in candidates:
        probe = subprocess.run([str(exe), "-m", "pip", "--version"], capture_output=True, text=True)
        if probe.returncode == 0 and f"(python {version})" in probe.stdout:
            return [str(exe), "-m", "pip"]
    return None


def pip_problems(stderr: str) -> list[str]:
    """The lines of pip's error output that name a package (no wheel, or a conflict)."""
    keep = []
    for line in stderr.splitlines():
        text = line.strip()
        if re.match(r"(ERROR: (Could not find a version|No matching distribution|Cannot install|ResolutionImpossible)|"
                    r"The conflict is caused by|\S+ \S+ depends on|The user requested)", text):
            keep.append(text)
    if not keep:
        errors = [line.strip() for line in stderr.splitlines() if line.startswith("ERROR")]
        keep = errors[-3:] or stderr.strip().splitlines()[-3:]
    return keep


def registry_unreachable(output: str) -> bool:
    return bool(re.search(r"(Failed to establish a new connection|Temporary failure in name resolution|"
                          r"Name or service not known|Network is unreachable|Max retries exceeded|ConnectTimeout|"
                          r"ReadTimeout|No route to host|Connection refused|connection error)", output))


def probe_registry(pip: list[str]) -> None:
    """Raise RegistryUnreachable if pip cannot talk to its index (quiet pip hides why it failed)."""
    done = subprocess.run([*pip, "index", "versions", "pip", "-vvv", "--disable-pip-version-check"],
                          capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    if done.returncode != 0 and registry_unreachable(output):
        found = [line.strip() for line in output.splitlines() if registry_unreachable(line)]
        raise RegistryUnreachable(found[0][:300] if found else "no answer")


def resolve(version: str, install: str, cache: Path) -> Outcome:
    requirements, _ = project_requirements(INSTALLS[install])
    own = interpreter(version)
    pip = own or [sys.executable, "-m", "pip"]
    how = f"{Path(own[0]).name} ({own[0]})" if own else f"--python-version {version}"
    with tempfile.TemporaryDirectory(prefix="glovego-wheels-") as tmp:
        reqs, report = Path(tmp) / "requirements.txt", Path(tmp) / "report.json"
        reqs.write_text("\n".join(requirements) + "\n")
        cmd = [*pip, "install", "--dry-run", "--ignore-installed", "--only-binary=:all:", "--quiet",
               "--disable-pip-version-check", "--cache-dir", str(cache), "--report", str(report), "-r", str(reqs)]
        if own is None:  # pip takes a foreign Python's tags only for a --target install (none happens here)
            cmd += ["--python-version", version, "--target", str(Path(tmp) / "target")]
        started = time.perf_counter()
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return Outcome(version, install, False, how, time.perf_counter() - started, problems=[f"pip did not finish in {TIMEOUT_S} s"])
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            probe_registry(pip)  # a failure because the registry went away is no verdict on wheels
            return Outcome(version, install, False, how, seconds, problems=pip_problems(done.stderr))
        installed = json.loads(report.read_text())["install"]
    versions = {item["metadata"]["name"].lower().replace("_", "-"): item["metadata"]["version"] for item in installed}
    built = [item["metadata"]["name"] for item in installed if not item["download_info"]["url"].endswith(".whl")]
    problems = [f"not a wheel: {name}" for name in built]
    return Outcome(version, install, not built, how, seconds, versions, problems)


def torch_wheel(version: str, torch: Requirement, own: list[str] | None) -> tuple[bool, str]:
    """Does the registry hold a torch wheel for this Python that satisfies the requirement?"""
    pip = own or [sys.executable, "-m", "pip"]
    cmd = [*pip, "index", "versions", "torch", "--disable-pip-version-check"]
    if own is None:
        cmd += ["--python-version", version, "--only-binary=:all:"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    match = re.search(r"Available versions: (.*)", done.stdout)
    if done.returncode != 0 or not match:
        probe_registry(pip)
        return False, "no torch wheel for this Python"
    ok = [v for v in (s.strip() for s in match.group(1).split(",")) if Version(v) in SpecifierSet(str(torch.specifier))]
    return bool(ok), f"torch {ok[0]}" if ok else f"no torch {torch.specifier} wheel"


class RegistryUnreachable(RuntimeError):
    pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", action="append", help="only these Pythons (default: 3.10–3.14)")
    parser.add_argument("--install", action="append", choices=sorted(INSTALLS), help="only these installs")
    parser.add_argument("--jobs", type=int, default=4, help="resolutions run at once")
    parser.add_argument("--cache-dir", type=Path, default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "glovego-wheel-check")
    args = parser.parse_args()
    pythons = args.python or [*REQUIRED, *REPORTED]
    installs = args.install or list(INSTALLS)
    _, torch = project_requirements(())
    outcomes: list[Outcome] = []

    def check(version: str, install: str) -> Outcome:
        if install == "legacy" and Version(version) >= Version("3.13") and "current" in installs:
            # The legacy extra is empty there (its markers), so this install is the current one less
            # mediapipe: the current one resolving proves it. Saves ~600 MB of downloads per Python.
            return Outcome(version, install, True, "implied by the current install (legacy extra empty on 3.13+)", 0.0)
        torch_ok, torch_text = torch_wheel(version, torch, interpreter(version))
        outcome = resolve(version, install, args.cache_dir)
        if not torch_ok:
            outcome.ok = False
            outcome.problems.append(torch_text)
        outcome.versions["torch"] = torch_text.removeprefix("torch ") if torch_ok else "none"
        return outcome

    started = time.perf_counter()
    try:
        probe_registry([sys.executable, "-m", "pip"])
        # pip spends most of a resolution waiting on the registry (~2 s a package): run them side by side.
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for outcome in pool.map(lambda job: check(*job), [(v, i) for v in pythons for i in installs]):
                outcomes.append(outcome)
                print(line(outcome), flush=True)
        for implied in (o for o in outcomes if o.how.startswith("implied")):
            current = next(o for o in outcomes if o.python == implied.python and o.install == "current")
            implied.ok, implied.problems = current.ok, list(current.problems)
    except RegistryUnreachable as exc:
        print(f"FAILED: the package registry cannot be reached, so nothing was checked ({exc})", flush=True)
        return 2
    failed = [o for o in outcomes if not o.ok and o.python in REQUIRED]
    noted = [o for o in outcomes if not o.ok and o.python not in REQUIRED]
    for o in failed + noted:
        print(f"{'FAILED' if o in failed else 'note'}: Python {o.python}, .[{','.join(INSTALLS[o.install])}]:")
        for problem in o.problems:
            print(f"    {problem}")
    print(f"wheel check ({time.perf_counter() - started:.0f} s): {len(outcomes) - len(failed) - len(noted)} resolved, {len(failed)} failed"
          + (f", {len(noted)} not yet possible on {', '.join(sorted({o.python for o in noted}))} (reported only)" if noted else ""))
    return 1 if failed else 0


def line(o: Outcome) -> str:
    if o.how.startswith("implied"):
        return f"=    Python {o.python} {o.install:<7} as current (its mediapipe aside): {o.how}"
    shown = ", ".join(f"{name} {o.versions[name]}" for name in (*SHOWN, "torch") if name in o.versions)
    if "mediapipe" not in o.versions and o.ok:
        shown += ", no mediapipe" + (" (the legacy extra is empty on 3.13+)" if o.install == "legacy" else "")
    state = "ok  " if o.ok else "FAIL"
    return f"{state} Python {o.python} {o.install:<7} {len(o.versions):3d} wheels {o.seconds:5.0f} s via {o.how}: {shown}"


if __name__ == "__main__":
    sys.exit(main())
