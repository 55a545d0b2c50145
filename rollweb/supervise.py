"""`make run`'s process manager: every process of the Procfile under supervisor, in the foreground.

The Procfile is the one list of processes. This writes a supervisord configuration from it into
VAR_DIR and runs supervisord in the foreground: a process that dies (a crash, the kernel's
out-of-memory killer) is started again at once and the others keep running; Ctrl-C (SIGINT) or
SIGTERM stops them all, each with SIGTERM and then, after its grace period, SIGKILL for its
whole process group. Their output goes to supervisord's own standard output.

    python -m rollweb.supervise [Procfile]

`supervisorctl -c $VAR_DIR/supervisord.conf status` (or `pid worker`, `restart web`) talks to it.
"""

import configparser
import io
import os
import shlex
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# How each process is kept running. A process that exits within START_SECONDS of starting counts
# as a failed start; after START_RETRIES of those in a row supervisor gives up on it (and says
# so) rather than restarting it in a loop. A process that ran longer is restarted every time.
START_SECONDS = 3
START_RETRIES = 5
# How long a process has to stop after SIGTERM (a worker finishes the tasks it runs) before SIGKILL.
STOP_WAIT_SECONDS = 30


def procfile_processes(path):
    """[(name, command)] from a Procfile: `name: command` lines; blank lines and # comments skipped."""
    processes = []
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, command = line.partition(":")
        if not sep or not name.strip().isidentifier() or not command.strip():
            raise ValueError(f"{path}:{number}: expected `name: command`, not {line!r}")
        processes.append((name.strip(), command.strip()))
    if not processes:
        raise ValueError(f"{path} lists no process")
    return processes


def _escape(value):
    """supervisord expands %(name)s in its values: a literal % is written %%."""
    return str(value).replace("%", "%%")


def supervisor_config(processes, var_dir, directory=BASE_DIR):
    """The supervisord configuration (text) that runs `processes` and keeps them running."""
    var_dir = Path(var_dir)
    config = configparser.RawConfigParser()
    config["supervisord"] = {
        "nodaemon": "true",
        "logfile": _escape(var_dir / "supervisord.log"),  # and standard output, in the foreground
        "loglevel": "info",
        "pidfile": _escape(var_dir / "supervisord.pid"),
        "childlogdir": _escape(var_dir),
    }
    config["unix_http_server"] = {"file": _escape(var_dir / "supervisor.sock"), "chmod": "0700"}
    config["supervisorctl"] = {"serverurl": _escape(f"unix://{var_dir / 'supervisor.sock'}")}
    config["rpcinterface:supervisor"] = {
        "supervisor.rpcinterface_factory": "supervisor.rpcinterface:make_main_rpcinterface"
    }
    for name, command in processes:
        config[f"program:{name}"] = {
            # A shell expands the Procfile's ${VAR:-default}s, then becomes the process (exec),
            # so that supervisor's signals reach it directly.
            "command": _escape(shlex.join(["/bin/sh", "-c", f"exec {command}"])),
            "directory": _escape(directory),
            "autostart": "true",
            "autorestart": "true",
            "startsecs": str(START_SECONDS),
            "startretries": str(START_RETRIES),
            "stopsignal": "TERM",
            "stopwaitsecs": str(STOP_WAIT_SECONDS),
            # SIGTERM to the process alone (celery and gunicorn stop their own children
            # gracefully); SIGKILL, if it comes to that, to its whole process group.
            "stopasgroup": "false",
            "killasgroup": "true",
            "redirect_stderr": "true",
            "stdout_logfile": "/dev/stdout",
            "stdout_logfile_maxbytes": "0",
        }
    # One group: on Ctrl-C supervisord stops a group's processes together (groups one by one).
    config["group:rollweb"] = {"programs": ",".join(name for name, _ in processes)}
    text = io.StringIO()
    config.write(text)
    return text.getvalue()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    procfile = Path(argv[0]) if argv else BASE_DIR / "Procfile"
    var_dir = Path(os.environ.get("VAR_DIR") or BASE_DIR / "var")
    var_dir.mkdir(parents=True, exist_ok=True)
    conf = var_dir / "supervisord.conf"
    conf.write_text(supervisor_config(procfile_processes(procfile), var_dir))
    # The processes find gunicorn and celery where this Python is installed (the .venv).
    bin_dir = str(Path(sys.executable).parent)
    os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
    supervisord = Path(bin_dir) / "supervisord"
    os.execv(supervisord, [str(supervisord), "--nodaemon", "--configuration", str(conf)])


if __name__ == "__main__":
    main()
