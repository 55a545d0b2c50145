"""The default broker: kombu's filesystem transport, safe with several writers and readers.

kombu's own transport creates a message file under its final name and then writes it, while a
reader takes any file it finds: a reader can take one that is still empty or half written, and a
message it cannot decode stops the worker (kombu issue #1551). It also deletes a message as soon
as it is read, so a worker killed before finishing loses what it held. Here, in the same folders:

- a message is written in `incoming/` and renamed into the queue folder once complete, so a
  reader sees a whole message or none;
- a reader claims a message by renaming it into an `in-flight/` folder of its own (one rename
  wins), deletes it when the task is acknowledged, and puts it back when the task is rejected or
  the worker stops;
- each reader holds a lock on its in-flight folder while it lives; the kernel releases the lock
  when the process dies however it dies, and the next reader that looks puts that folder's
  messages back in the queue (delivered again, as Redis and RabbitMQ do with unacknowledged ones);
- a file that is not a message (empty, cut short, not JSON) is moved to `bad/` with a log line and
  never handed on; `set_aside_count()` tells the operators' page how many there are;
- exchange tables are replaced whole (written, then renamed) under a lock.

A process crash cannot lose or corrupt a message. Files are not fsync'ed: after a power cut the
last messages may be missing, and the sweeper queues their work again from the database.
"""

import fcntl
import logging
import os
import shutil
import socket
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from queue import Empty

from kombu.exceptions import ChannelError
from kombu.transport import filesystem, virtual
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)

INCOMING, IN_FLIGHT, BAD = "incoming", "in-flight", "bad"
LOCK = "lock"
# How often a reader looks for messages held by readers that died.
RECOVER_EVERY_SECONDS = 5.0
# A file left in incoming/ this long belongs to a writer that died mid-write.
STALE_INCOMING_SECONDS = 3600

# In-flight folders whose lock this process holds: a process never takes its own messages back
# (a POSIX lock does not stop the process that holds it from locking the file again).
_owned = {}


def message_name(queue):
    """Names sort in the order they were written; the queue is what follows the first dot."""
    return f"{time.time_ns():020d}_{uuid.uuid4().hex}.{queue}.msg"


def _in_queue(name, queue):
    return name.partition(".")[2] == f"{queue}.msg"


def _subfolder(parent, name):
    path = os.path.join(parent, name)
    os.makedirs(path, exist_ok=True)
    return path


def _lock_if_free(path):
    """An open descriptor holding the lock at `path`, or None while its owner lives."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return None
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def set_aside_folder(data_folder):
    return Path(data_folder) / BAD


def set_aside_count(data_folder):
    """How many unreadable messages have been set aside under `data_folder`."""
    try:
        return sum(1 for entry in os.scandir(set_aside_folder(data_folder)) if entry.is_file())
    except FileNotFoundError:
        return 0


class Channel(filesystem.Channel):
    """kombu's filesystem channel with atomic writes, claimed reads and acknowledgements."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._held = {}  # delivery tag -> the claimed file
        self._no_ack = set()  # queues consumed without acknowledgements
        self._in_flight = None
        self._in_flight_lock = None
        self._recover_after = 0.0

    # -- writing ---------------------------------------------------------------------------

    def _put(self, queue, payload, **kwargs):
        name = message_name(queue)
        temporary = os.path.join(_subfolder(self.data_folder_out, INCOMING), name)
        try:
            with open(temporary, "wb") as file:
                file.write(dumps(payload).encode("utf-8"))
            os.replace(temporary, os.path.join(self.data_folder_out, name))
        except OSError as exc:
            with _quietly():
                os.remove(temporary)
            raise ChannelError(f"Cannot add message {name!r} to {self.data_folder_out}") from exc

    # -- reading ---------------------------------------------------------------------------

    def _get(self, queue):
        if time.monotonic() >= self._recover_after:
            self._recover_after = time.monotonic() + RECOVER_EVERY_SECONDS
            self.recover()
        for name in sorted(os.listdir(self.data_folder_in)):
            if not _in_queue(name, queue):
                continue
            claimed = os.path.join(self._claim_folder(), name)
            try:
                os.rename(os.path.join(self.data_folder_in, name), claimed)
            except FileNotFoundError:
                continue  # another reader took it first
            except OSError as exc:
                raise ChannelError(f"Cannot take message {name!r} from {self.data_folder_in}") from exc
            payload = self._read(claimed)
            if payload is None:
                continue
            if queue in self._no_ack:
                os.remove(claimed)
            else:
                self._held[payload["properties"]["delivery_tag"]] = claimed
            return payload
        raise Empty()

    def _read(self, path):
        """The message in `path`, or None after setting the file aside."""
        try:
            with open(path, "rb") as file:
                raw = file.read()
        except OSError as exc:
            raise ChannelError(f"Cannot read message {path!r}") from exc
        if not raw:
            return self._set_aside(path, "empty file")
        try:
            payload = loads(raw.decode("utf-8"))
            self._check(payload)
        except Exception as exc:  # anything kombu cannot make a message of is set aside
            return self._set_aside(path, f"not a message ({exc.__class__.__name__}: {exc})"[:300])
        return payload

    def _check(self, payload):
        """Raise unless kombu can deliver `payload` and put it back in its queue."""
        info = self.Message(payload, channel=self).delivery_info
        if not isinstance(info, dict) or not {"exchange", "routing_key"} <= info.keys():
            raise ValueError("no delivery_info naming its exchange and routing key")

    def _set_aside(self, path, reason):
        target = os.path.join(_subfolder(self.data_folder_in, BAD), os.path.basename(path))
        os.replace(path, target)
        logger.error("Set aside an unreadable message: %s, moved to %s. Nothing else is affected.", reason, target)
        return None

    # -- acknowledging -----------------------------------------------------------------------

    def basic_consume(self, queue, no_ack, *args, **kwargs):
        if no_ack:
            self._no_ack.add(queue)
        return super().basic_consume(queue, no_ack, *args, **kwargs)

    def basic_ack(self, delivery_tag, multiple=False):
        super().basic_ack(delivery_tag, multiple)
        self._forget(delivery_tag)

    def basic_reject(self, delivery_tag, requeue=False):
        super().basic_reject(delivery_tag, requeue=requeue)
        self._forget(delivery_tag)

    def _restore(self, message):
        """Put an unacknowledged message back (rejected with requeue, or the channel closes)."""
        super()._restore(message)
        self._forget(message.delivery_tag)

    def _forget(self, delivery_tag):
        claimed = self._held.pop(delivery_tag, None)
        if claimed is not None:
            with _quietly():
                os.remove(claimed)

    def close(self):
        super().close()  # puts back what was not acknowledged
        if self._in_flight_lock is not None:
            if not [name for name in os.listdir(self._in_flight) if name != LOCK]:
                shutil.rmtree(self._in_flight, ignore_errors=True)
            _owned.pop(self._in_flight, None)
            os.close(self._in_flight_lock)
            self._in_flight_lock = None

    # -- messages held by readers that died ----------------------------------------------------

    def _claim_folder(self):
        """This channel's in-flight folder, made (locked, then renamed into place) on first use."""
        if self._in_flight is None:
            name = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            staging = os.path.join(_subfolder(self.data_folder_in, INCOMING), name)
            os.makedirs(staging)
            fd = os.open(os.path.join(staging, LOCK), os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            folder = os.path.join(_subfolder(self.data_folder_in, IN_FLIGHT), name)
            os.rename(staging, folder)
            self._in_flight, self._in_flight_lock = folder, fd
            _owned[folder] = os.getpid()
        return self._in_flight

    def recover(self):
        """Put back in the queue the messages of every in-flight folder whose reader died.
        Returns how many."""
        restored = 0
        root = _subfolder(self.data_folder_in, IN_FLIGHT)
        for name in os.listdir(root):
            folder = os.path.join(root, name)
            if _owned.get(folder) == os.getpid():
                continue
            fd = _lock_if_free(os.path.join(folder, LOCK))
            if fd is None:
                continue
            try:
                restored += self._put_back(folder, name)
            finally:
                os.close(fd)
        self._clear_stale_incoming()
        return restored

    def _put_back(self, folder, owner):
        restored = 0
        with _quietly():
            for name in os.listdir(folder):
                if name != LOCK:
                    with _quietly():
                        os.replace(os.path.join(folder, name), os.path.join(self.data_folder_in, name))
                        restored += 1
            shutil.rmtree(folder, ignore_errors=True)
        if restored:
            logger.warning("Put %d message(s) back in the queue: their reader (%s) stopped before finishing.", restored, owner)
        return restored

    def _clear_stale_incoming(self):
        cutoff = time.time() - STALE_INCOMING_SECONDS
        incoming = _subfolder(self.data_folder_out, INCOMING)
        for entry in os.scandir(incoming):
            with _quietly():
                if entry.stat(follow_symlinks=False).st_mtime >= cutoff:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.remove(entry.path)

    # -- exchange tables -----------------------------------------------------------------------

    def get_table(self, exchange):
        file = self._exchange_file(exchange)
        try:
            raw = file.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ChannelError(f"Cannot open {file}") from exc
        try:
            return [filesystem.exchange_queue_t(*entry) for entry in loads(raw.decode("utf-8"))]
        except (ValueError, TypeError) as exc:
            raise ChannelError(f"Cannot read the exchange table {file}") from exc

    @contextmanager
    def _table(self, exchange):
        """The exchange's table, to change in place; written back whole when it changed."""
        file = self._exchange_file(exchange)
        self.control_folder.mkdir(parents=True, exist_ok=True)
        with open(f"{file}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            table = self.get_table(exchange)
            before = list(table)
            yield table
            if table != before:
                temporary = f"{file}.{uuid.uuid4().hex}.tmp"
                Path(temporary).write_text(dumps(table))
                os.replace(temporary, file)

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        entry = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        with self._table(exchange) as table:
            if entry not in table:
                table.insert(0, entry)

    def _delete(self, queue, exchange, routing_key, pattern, *args, **kwargs):
        # The virtual channel's own _delete (purge the queue); kombu's filesystem version
        # rewrites the exchange table in place, which a reader may see half written.
        virtual.Channel._delete(self, queue, exchange, routing_key, pattern, *args, **kwargs)
        entry = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        with self._table(exchange) as table:
            if entry in table:
                table.remove(entry)


@contextmanager
def _quietly():
    """Another process got there first (the file or folder is gone): nothing to do."""
    try:
        yield
    except FileNotFoundError:
        pass


class Transport(filesystem.Transport):
    Channel = Channel
