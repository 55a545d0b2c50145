"""`make run`'s process set: the Procfile is the one list, supervisor keeps each process running."""

import configparser

import pytest

from rollweb import supervise


def test_the_procfile_lists_the_web_server_the_worker_and_beat():
    names = [name for name, _ in supervise.procfile_processes(supervise.BASE_DIR / "Procfile")]
    assert names == ["web", "worker", "beat"]


def test_every_process_is_restarted_when_it_dies_and_stopped_with_the_rest(tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text("# comment\n\nweb: gunicorn x --bind ${HOST:-127.0.0.1}:${PORT:-8000}\nworker: celery -A x worker --x 50%\n")
    config = configparser.RawConfigParser()
    config.read_string(supervise.supervisor_config(supervise.procfile_processes(procfile), tmp_path))
    assert config["group:rollweb"]["programs"] == "web,worker"
    for name in ("web", "worker"):
        program = config[f"program:{name}"]
        assert program["autorestart"] == "true" and program["autostart"] == "true"
        assert program["killasgroup"] == "true" and program["stopasgroup"] == "false"
    assert config["program:web"]["command"] == "/bin/sh -c 'exec gunicorn x --bind ${HOST:-127.0.0.1}:${PORT:-8000}'"
    assert config["program:worker"]["command"].endswith("--x 50%%'")  # supervisord expands %(...)s
    assert config["supervisord"]["nodaemon"] == "true"


@pytest.mark.parametrize("text", ["", "# only a comment\n", "web gunicorn\n", "not a name: x\n"])
def test_a_wrong_procfile_is_refused_naming_the_line(tmp_path, text):
    procfile = tmp_path / "Procfile"
    procfile.write_text(text)
    with pytest.raises(ValueError, match=str(procfile)):
        supervise.procfile_processes(procfile)
