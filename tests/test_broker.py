"""The default broker (rollweb/broker.py): no message lost, none read half written, none fatal.

Readers here are kombu channels in this process and Celery worker processes (tests/brokerload.py);
the broker is a folder of the test's own.
"""

import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from kombu import Connection

from rollweb.broker import Channel, set_aside_count

from . import brokerload
from .services import wait_until

EMPTY = b""
TRUNCATED = b'{"body": "W1sxXSwge30sIHsiY2FsbGJhY2tzIjogbnVs'


def connection(root):
    found = brokerload.folders(root)
    for path in found.values():
        path.mkdir(parents=True, exist_ok=True)
    options = {"data_folder_in": str(found["queue"]), "data_folder_out": str(found["queue"]),
               "control_folder": str(found["control"]), "polling_interval": 0.01}
    return Connection("filesystem://", transport=brokerload.TRANSPORTS["rollweb"], transport_options=options)


@pytest.fixture
def name():
    """A queue name of the test's own: kombu keeps the bindings it made in a class attribute, so a
    queue bound in another folder earlier in this process would not be bound in this one."""
    return f"work-{uuid.uuid4().hex[:8]}"


def in_flight(root):
    folder = brokerload.folders(root)["queue"] / "in-flight"
    return sorted(path.name for path in folder.rglob("*.msg")) if folder.exists() else []


def test_the_default_broker_is_this_transport():
    assert settings.CELERY_BROKER_TRANSPORT == "rollweb.broker:Transport"
    assert settings.CELERY_BROKER_URL == "filesystem://"


def test_unreadable_messages_are_set_aside_with_a_log_line_and_reading_goes_on(tmp_path, name, caplog):
    with connection(tmp_path) as conn:
        queue = conn.SimpleQueue(name)
        queue.put({"n": 1})
        planted = {
            f"1_empty.{name}.msg": EMPTY,
            f"2_truncated.{name}.msg": TRUNCATED,
            f"3_not-a-message.{name}.msg": b'{"hello": "world"}',
            f"4_binary.{name}.msg": bytes(range(256)),
        }
        for name, data in planted.items():
            brokerload.plant(tmp_path, name, data)
        queue.put({"n": 2})
        received = []
        for _ in range(2):
            message = queue.get(timeout=2)
            received.append(message.payload)
            message.ack()
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.3)
        queue.close()
    assert received == [{"n": 1}, {"n": 2}]
    bad = brokerload.folders(tmp_path)["queue"] / "bad"
    assert {path.name: path.read_bytes() for path in bad.iterdir()} == planted  # kept as found, byte for byte
    assert set_aside_count(brokerload.folders(tmp_path)["queue"]) == 4
    lines = [record.getMessage() for record in caplog.records if record.name == "rollweb.broker"]
    assert len(lines) == 4 and all(line.startswith("Set aside an unreadable message") for line in lines)
    assert any("empty file" in line for line in lines)


def test_a_message_is_deleted_when_acknowledged_and_put_back_when_not(tmp_path, name):
    with connection(tmp_path) as conn:
        queue = conn.SimpleQueue(name)
        for n in range(3):
            queue.put({"n": n})
        first = queue.get(timeout=2)
        second = queue.get(timeout=2)
        assert len(in_flight(tmp_path)) == 2  # claimed, not yet done
        first.ack()
        assert len(in_flight(tmp_path)) == 1
        second.reject(requeue=True)
        assert in_flight(tmp_path) == []
        third = queue.get(timeout=2)  # held, unacknowledged, when the reader closes
        assert third.payload == {"n": 2}
        queue.close()
    with connection(tmp_path) as conn:
        queue = conn.SimpleQueue(name)
        again = sorted(queue.get(timeout=2).payload["n"] for _ in range(2))
        queue.close()
    assert again == [1, 2]


def test_a_message_planted_empty_and_one_cut_short_do_not_stop_a_worker(tmp_path):
    """The crash of issue 19: kombu's own transport stops a worker on either file."""
    brokerload.plant(tmp_path, "00000000000000000001_empty.celery.msg", EMPTY)
    brokerload.plant(tmp_path, "00000000000000000002_truncated.celery.msg", TRUNCATED)
    outcome = brokerload.run(tmp_path, "rollweb", producers=1, per_producer=5, consumers=1, drain_seconds=30)
    assert outcome.crashes == 0 and outcome.consumer_exits == [0]
    assert outcome.missing == 0 and outcome.duplicates == 0
    assert outcome.set_aside == 2
    log = (tmp_path / "consumer0.log").read_text()
    assert log.count("Set aside an unreadable message") == 2
    assert "empty file" in log and "JSONDecodeError" in log


def test_four_writers_and_two_readers_deliver_every_task_once(tmp_path):
    """4 processes each send 1,000 small tasks while 2 worker processes read them."""
    outcome = brokerload.run(tmp_path, "rollweb", producers=4, per_producer=1000, consumers=2, drain_seconds=60)
    print(outcome.summary())
    assert outcome.crashes == 0 and outcome.consumer_exits == [0, 0]
    assert outcome.corrupt == 0 and outcome.unknown == 0 and outcome.set_aside == 0
    assert outcome.missing == 0 and outcome.duplicates == 0
    assert all(count == 1 for count in outcome.delivered.values())
    assert outcome.left_in_queue == 0 and in_flight(tmp_path) == []


def test_tasks_held_by_a_killed_worker_are_delivered_again(tmp_path):
    """kill -9 a worker that has taken tasks without finishing them: the next one runs them."""
    hold = tmp_path / "hold"
    hold.touch()
    brokerload.make_app(tmp_path, "rollweb")
    env = {**os.environ, "BROKERLOAD_DIR": str(tmp_path), "BROKERLOAD_TRANSPORT": "rollweb",
           "PYTHONPATH": str(brokerload.REPO)}
    subprocess.run([sys.executable, "-m", "tests.brokerload", "produce", "0", "3", str(hold)], cwd=brokerload.REPO,
                   env=env, check=True)
    first = brokerload.Consumer(tmp_path, "rollweb", "first").start()
    wait_until(lambda: "started" in _consumed(tmp_path), 60, "the first task to start")
    held = len(in_flight(tmp_path))
    assert held >= 1
    first.kill()
    hold.unlink()
    second = brokerload.Consumer(tmp_path, "rollweb", "second").start()
    wait_until(lambda: _consumed(tmp_path).count(" ok") == 3, 60, "every task to finish")
    assert second.stop() == 0
    lines = _consumed(tmp_path).splitlines()
    assert sorted(line for line in lines if line.endswith(" ok")) == ["0 0 ok", "0 1 ok", "0 2 ok"]
    assert lines.count("0 0 started") == 2  # the task the killed worker was running ran again
    assert in_flight(tmp_path) == [] and brokerload.queue_files(tmp_path) == 0
    put_back = re.search(r"Put (\d+) message\(s\) back in the queue", (tmp_path / "second.log").read_text())
    assert put_back and int(put_back.group(1)) >= held


def _consumed(root):
    return "".join(path.read_text() for path in Path(root).glob("consumed-*.txt"))


def _bind_many(root, worker, start):
    while time.time() < start:
        time.sleep(0.001)
    with connection(root) as conn:
        channel = conn.default_channel
        channel.exchange_declare("shared", "direct")
        for n in range(30):
            channel.queue_bind(f"q{worker}-{n}", exchange="shared", routing_key=f"q{worker}-{n}")


def test_exchange_tables_stay_whole_when_many_processes_bind_at_once(tmp_path):
    connection(tmp_path).close()
    start = time.time() + 0.5
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_bind_many, args=(tmp_path, worker, start)) for worker in range(6)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(30)
    assert [process.exitcode for process in processes] == [0] * 6
    table = json.loads((brokerload.folders(tmp_path)["control"] / "shared.exchange").read_text())
    assert sorted(entry[2] for entry in table) == sorted(f"q{w}-{n}" for w in range(6) for n in range(30))


def _hold_one(root, name, ready):
    with connection(root) as conn:
        conn.SimpleQueue(name).get(timeout=5)
        ready.set()
        time.sleep(60)


def test_a_reader_takes_back_the_messages_of_a_dead_reader_only(tmp_path, name):
    with connection(tmp_path) as conn:
        queue = conn.SimpleQueue(name)
        queue.put({"n": 1})
        context = multiprocessing.get_context("fork")
        ready = context.Event()
        holder = context.Process(target=_hold_one, args=(tmp_path, name, ready))
        holder.start()
        assert ready.wait(10)
        channel = queue.channel
        assert isinstance(channel, Channel)
        assert channel.recover() == 0  # its reader lives: the message stays with it
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.3)
        os.kill(holder.pid, signal.SIGKILL)
        holder.join()
        assert channel.recover() == 1
        message = queue.get(timeout=2)
        assert message.payload == {"n": 1}
        message.ack()
        queue.close()
    assert in_flight(tmp_path) == []


def test_queues_of_every_kind_share_the_folder_and_keep_their_own_messages(tmp_path, name):
    """The queues of rollweb/queue.py are `<CELERY_QUEUE>.<kind>`: names with dots, one folder."""
    kinds = ("ingest", "analysis", "render", "erase")
    with connection(tmp_path) as conn:
        queues = {kind: conn.SimpleQueue(f"{name}.{kind}") for kind in kinds}
        for kind, queue in queues.items():
            for n in range(kinds.index(kind) + 1):
                queue.put({"kind": kind, "n": n})
        assert {kind: queue.qsize() for kind, queue in queues.items()} == {"ingest": 1, "analysis": 2, "render": 3, "erase": 4}
        taken = [queues["render"].get(timeout=2) for _ in range(3)]
        assert [(m.payload["kind"], m.payload["n"]) for m in taken] == [("render", 0), ("render", 1), ("render", 2)]
        taken[0].ack()
        held = queues["analysis"].get(timeout=2)  # unacknowledged when the reader closes
        assert held.payload == {"kind": "analysis", "n": 0}
        for queue in queues.values():
            queue.close()
    with connection(tmp_path) as conn:
        queues = {kind: conn.SimpleQueue(f"{name}.{kind}") for kind in kinds}
        # What the closed reader held went back to its own queue, and nothing else moved.
        assert {kind: queue.qsize() for kind, queue in queues.items()} == {"ingest": 1, "analysis": 2, "render": 2, "erase": 4}
        assert queues["ingest"].get(timeout=2).payload == {"kind": "ingest", "n": 0}
        for queue in queues.values():
            queue.close()
