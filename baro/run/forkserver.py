"""Start kernels by forking one process that has already imported what they import.

A report's kernel spends most of its start importing pandas, SciPy,
matplotlib, seaborn and baro (about 2 CPU-seconds), and ``baro run`` starts
one kernel per worker. Instead, ``baro run`` starts one *fork server*
(``python -m baro.run.forkserver FD NOTEBOOK...``) beside its workers: it
imports ipykernel and what the NOTEBOOKs import, once, then forks a kernel
for each worker that asks. A forked kernel is an ordinary ipykernel,
started from the kernel spec's command line in its own session, with the
worker's working folder, environment and log file; the worker's kernel
manager drives it as it would a kernel it had launched itself
(:func:`provisioner_class`). What its imports left behind (the state
after the notebook's import cell) is what the worker's warm-kernel reset
restores before each report anyway.

The server only forks for the interpreter and flags it runs with itself;
any other command line, or a server that is gone, and the worker launches
its kernel the ordinary way. The server ends when its stdin closes (or on
SIGTERM / SIGINT) and kills the kernels it forked that still run; each
kernel also ends by itself if the server disappears (ipykernel's parent
poller).

Requests travel on a Unix socket (``SOCK_SEQPACKET``: one message per
request) that ``baro run`` binds and hands to the server as an inherited
file descriptor: a JSON request (``argv``, ``cwd``, ``env``) with the
kernel's stdout and stderr as passed descriptors, answered by
``{"pid": N}`` or ``{"error": "..."}``.

Linux only (it needs ``fork`` and descriptor passing);
``BARO_KERNEL_FORK=0`` turns it off.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

#: Environment variable that tells a worker where the fork server listens.
SOCKET_ENV = "BARO_FORKSERVER"

#: The kernel module of the kernel spec's command line (``-m ipykernel_launcher``).
KERNEL_MODULE = "ipykernel_launcher"

#: Longest wait of a worker for its kernel: the server imports first.
REQUEST_TIMEOUT = 300.0


def enabled() -> bool:
    """Whether kernels may be forked here (Linux-like, and not turned off)."""
    return (
        os.environ.get("BARO_KERNEL_FORK", "1") != "0"
        and hasattr(os, "fork")
        and hasattr(socket, "send_fds")
        and hasattr(socket, "SOCK_SEQPACKET")
    )


def kernel_argv(name: str = "baro") -> list[str] | None:
    """The command line of kernel spec ``name``, read from its kernel.json (None if not found)."""
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("kernels"):
        spec = Path(folder) / name / "kernel.json"
        if spec.is_file():
            try:
                argv = json.loads(spec.read_text(encoding="utf-8"))["argv"]
            except (OSError, ValueError, KeyError):
                return None
            return [str(a) for a in argv]
    return None


def interpreter(argv: list[str]) -> list[str] | None:
    """The interpreter and its flags in a kernel command line, if it runs ``-m ipykernel_launcher``.

    >>> interpreter(["/venv/bin/python", "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "c.json"])
    ['/venv/bin/python', '-Xfrozen_modules=off']
    >>> interpreter(["R", "--slave"]) is None
    True
    """
    for i in range(len(argv) - 1):
        if argv[i] == "-m" and argv[i + 1] == KERNEL_MODULE:
            return argv[:i]
    return None


# ---------------------------------------------------------------- server side


def kill_groups(pids: "set[int] | list[int]", pause: float = 0.2) -> None:
    """Stop the process groups ``pids`` (kernels lead their own): SIGTERM, then SIGKILL to those still there.

    Waits ``pause`` after each signal, and only while a group is left.
    """
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = set()
        for pid in pids:
            try:
                os.killpg(pid, sig)
                alive.add(pid)
            except (ProcessLookupError, PermissionError):
                pass
        if not alive:
            return
        pids = alive
        time.sleep(pause)


def _run_kernel(request: dict[str, Any], fds: list[int]) -> int:
    """In the forked child: become the kernel the request's command line asks for."""
    import atexit

    os.setsid()  # its own session and process group, as jupyter_client's launcher does
    for sig in (signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(fds[0], 1)
    os.dup2(fds[1] if len(fds) > 1 else fds[0], 2)
    for fd in fds:
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ.pop(SOCKET_ENV, None)
    os.environ["JPY_PARENT_PID"] = str(os.getppid())  # ends with the server
    argv = request["argv"]
    sys.argv = [KERNEL_MODULE, *argv[len(interpreter(argv) or []) + 2:]]
    sys.path[0] = request["cwd"]  # as ``python -m`` started there would have it
    code = 0
    try:
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - reported in the kernel's log, as a crash would be
        import traceback

        traceback.print_exc()
        code = 1
    try:
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
    return code


def _preload(notebooks: list[Path]) -> None:
    """Import ipykernel and what ``notebooks`` import (a failure is the kernel's to report)."""
    import gc

    from baro.run.worker import kernel_imports

    gc.disable()  # imports make objects that live on: collecting during them is wasted (a tenth of their time)
    try:
        import ipykernel.ipkernel  # noqa: F401
        import ipykernel.kernelapp  # noqa: F401
    except Exception:  # noqa: BLE001
        pass
    for line in kernel_imports(notebooks).splitlines():
        try:
            exec(line, {})  # noqa: S102 - the notebooks' own import statements
        except Exception:  # noqa: BLE001
            pass
    gc.collect()
    gc.freeze()  # kept out of every collection, in the server and its kernels
    gc.enable()


def _command(argv: list[str]) -> list[str]:
    """An interpreter command line with its program as an absolute path (links kept: a
    virtual environment's python is a link to the base interpreter, with other packages)."""
    import shutil

    return [os.path.abspath(shutil.which(argv[0]) or argv[0]), *argv[1:]]


def serve(listener: socket.socket, notebooks: list[Path]) -> int:
    """Fork a kernel for each request on ``listener`` until stdin closes."""
    import select

    children: set[int] = set()

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # ended kernels are reaped by the system
    # what a kernel sets before its imports (matplotlib reads it when imported)
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    own = [sys.executable, *sys.orig_argv[1:sys.orig_argv.index("-m")]] if "-m" in sys.orig_argv else None
    try:
        _preload(notebooks)
        while True:
            ready, _, _ = select.select([listener, sys.stdin], [], [])
            if sys.stdin in ready and not os.read(sys.stdin.fileno(), 4096):
                return 0
            if listener not in ready:
                continue
            conn, _ = listener.accept()
            with conn:
                message, fds, _, _ = socket.recv_fds(conn, 1 << 20, 4)
                try:
                    request = json.loads(message)
                    wanted = interpreter(request["argv"])
                    if wanted is None or own is None or _command(wanted) != _command(own):
                        raise ValueError(f"not this server's interpreter: {request['argv'][:4]}")
                    if len(fds) < 1:
                        raise ValueError("no output descriptor")
                except (ValueError, KeyError, TypeError) as exc:
                    for fd in fds:
                        os.close(fd)
                    conn.sendall(json.dumps({"error": str(exc)}).encode())
                    continue
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:  # the kernel
                    code = 1
                    try:
                        listener.close()
                        conn.close()
                        code = _run_kernel(request, fds)
                    finally:
                        os._exit(code)
                for fd in fds:
                    os.close(fd)
                children.add(pid)
                conn.sendall(json.dumps({"pid": pid}).encode())
    except SystemExit:
        return 0
    finally:
        kill_groups(children)


def main(argv: list[str] | None = None) -> int:
    """``python -m baro.run.forkserver FD [NOTEBOOK...]``: serve on the inherited socket FD."""
    args = sys.argv[1:] if argv is None else list(argv)
    listener = socket.socket(fileno=int(args[0]))
    return serve(listener, [Path(a) for a in args[1:]])


# ---------------------------------------------------------------- worker side


def request_kernel(path: str, argv: list[str], cwd: str, env: dict[str, str], fds: list[int]) -> int:
    """Ask the server at ``path`` to fork a kernel; its pid. Raises OSError if it cannot."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as conn:
        conn.settimeout(REQUEST_TIMEOUT)
        conn.connect(path)
        message = json.dumps({"argv": argv, "cwd": cwd, "env": env}).encode()
        socket.send_fds(conn, [message], fds)
        reply = conn.recv(1 << 16)
    if not reply:
        raise OSError("the kernel fork server ended")
    answer = json.loads(reply)
    if "pid" not in answer:
        raise OSError(answer.get("error", "the kernel fork server refused"))
    return int(answer["pid"])


class ForkedProcess:
    """What jupyter_client needs of a ``Popen`` for a kernel that is not our child.

    Its end is seen through a pidfd (or, without one, by probing the pid):
    the fork server, its parent, reaps it.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None
        self._fd: int | None = None
        try:
            self._fd = os.pidfd_open(pid)
        except ProcessLookupError:
            self.returncode = 0
        except (AttributeError, OSError):
            pass

    def poll(self) -> int | None:
        if self.returncode is not None:
            return self.returncode
        if self._fd is not None:
            import select

            if not select.select([self._fd], [], [], 0)[0]:
                return None
        else:
            try:
                os.kill(self.pid, 0)
                return None
            except ProcessLookupError:
                pass
            except PermissionError:
                return None
        self.returncode = 0  # its status went to the server
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                import subprocess

                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.02)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def provisioner_class() -> type:
    """A jupyter_client provisioner that asks the fork server for its kernel.

    It is the local provisioner (same connection file, ports, signals to
    the kernel's process group) except for the launch: the kernel is forked
    by the server named in ``$BARO_FORKSERVER``; if there is none, or it
    cannot, the kernel is launched as usual.
    """
    from jupyter_client.provisioning import LocalProvisioner

    class ForkedProvisioner(LocalProvisioner):
        async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
            path = os.environ.get(SOCKET_ENV)
            out, err = kwargs.get("stdout"), kwargs.get("stderr")
            fds = [f.fileno() if hasattr(f, "fileno") else f for f in (out, err) if f is not None]
            if path and len(fds) == 2:
                try:
                    pid = request_kernel(
                        path, list(cmd), str(kwargs.get("cwd") or os.getcwd()),
                        dict(kwargs.get("env") or os.environ), fds,
                    )
                except (OSError, ValueError):
                    pass
                else:
                    self.process = ForkedProcess(pid)
                    self.pid = self.pgid = pid
                    self.cwd = kwargs.get("cwd", Path.cwd())
                    return self.connection_info
            return await super().launch_kernel(cmd, **kwargs)

    return ForkedProvisioner


if __name__ == "__main__":  # pragma: no cover
    code = main()
    # its kernels are gone: skip tearing down pandas, SciPy and matplotlib
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
