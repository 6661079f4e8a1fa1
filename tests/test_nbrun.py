"""crm_training.nbrun: papermill runs whose kernel client polls in short slices."""
import asyncio
import datetime
from queue import Empty

import pytest
from jupyter_client.channels import AsyncZMQSocketChannel

from crm_training import nbrun


class _Clock:
    """A monotonic clock that moves only when a poll 'waits': the tests never depend on how
    fast the machine is."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now


class _MissedWakeUp:
    """A socket whose message is waiting but whose poll is never woken: a poll with a timeout
    finds it only when the timeout ends (what the stalled cells showed)."""

    def __init__(self, clock, waiting=True):
        self.clock, self.waiting, self.polls = clock, waiting, []

    async def poll(self, timeout_ms):
        self.polls.append(timeout_ms)
        self.clock.now += max(timeout_ms / 1000, 1e-6)  # the whole slice passes
        if timeout_ms == 0:
            return 0  # the notification arrives later ... and is lost
        return int(self.waiting)


class _Channel:
    def __init__(self, socket):
        self.socket = socket

    async def _recv(self):  # sent a second ago, as a reply waiting unseen would be
        sent = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1)
        return {"msg_type": "execute_reply", "header": {"date": sent}}


@pytest.fixture
def clock(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(nbrun, "time", clock)
    monkeypatch.setattr(nbrun, "SLICE", 0.01)
    return clock


def test_a_missed_wake_up_costs_one_slice_not_the_cell_timeout(clock):
    before = nbrun.recovered
    channel = _Channel(_MissedWakeUp(clock))
    reply = asyncio.run(nbrun._sliced_get_msg(channel, timeout=300))
    assert reply["msg_type"] == "execute_reply"
    assert channel.socket.polls == [0, 10]  # one 10 ms slice, never a 300 s poll
    assert nbrun.recovered == before + 1


def test_slices_until_the_deadline_then_empty(clock):
    channel = _Channel(_MissedWakeUp(clock, waiting=False))
    start = clock.now
    with pytest.raises(Empty):
        asyncio.run(nbrun._sliced_get_msg(channel, timeout=0.05))
    slices = [ms for ms in channel.socket.polls if ms]
    # 50 ms in slices of at most 10 ms (the last one what is left), then Empty
    assert len(slices) == 5 and max(slices) == 10 and sum(slices) >= 49
    assert clock.now - start == pytest.approx(0.05, abs=1e-4)


def test_patch_applies_inside_the_block_only_and_nests():
    original = AsyncZMQSocketChannel.get_msg
    with nbrun.sliced_polling():
        with nbrun.sliced_polling():
            assert AsyncZMQSocketChannel.get_msg is nbrun._sliced_get_msg
        assert AsyncZMQSocketChannel.get_msg is nbrun._sliced_get_msg
    assert AsyncZMQSocketChannel.get_msg is original
