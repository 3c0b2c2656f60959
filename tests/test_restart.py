"""A sidecar that crashes and comes back (issue 13): a request given up on is never spoken by the next sidecar, each
run has its own id (in `describe`, every event and every take id), and the stream says when a run began.
"""

from __future__ import annotations

import asyncio
import re
import signal
from pathlib import Path

import msgpack
import pytest

from bridge.client import BridgeClient, ClockSync
from bridge.config import AvatarConfig, SidecarConfig
from bridge.monitor import StreamStats
from bridge.protocol import PROTOCOL_VERSION, Event, FaceFrame, Words, decode_reply
from bridge.server import Sidecar
from bridge.sinks import Recorder
from tests.conftest import RunningSidecar, free_port_pair, restart_sidecar, start_sidecar, stop_sidecar
from tests.fake_voice import FakeVoice

RUN_ID = re.compile(r"[0-9a-f]{8}")


def test_a_request_that_timed_out_is_dropped_and_the_next_sidecar_is_a_new_run(tmp_path: Path) -> None:
    """SIGKILL the sidecar, let a `say` time out, start a sidecar on the same ports: only the next `say` is spoken,
    under the new run's id, and the client counts one restart."""
    first = start_sidecar(tmp_path)
    second: RunningSidecar | None = None
    try:
        with BridgeClient(first.control, first.stream, timeout=5.0) as client:
            client.subscribe()  # the SUB reconnects to the next sidecar by itself, as the DEALER does
            before = client.describe()
            take_before = client.say("Before the crash.")
            first.process.kill()
            first.process.wait(timeout=10)
            with pytest.raises(TimeoutError):
                client.say("Lost in the crash.")
            second = restart_sidecar(first)
            after = client.describe()
            take = client.say("Back again.")
            events: list[Event] = []
            spoken: list[str] = []
            for message, _ in client.stream(timeout=60):
                if isinstance(message, Event) and message.run == after["run"]:
                    events.append(message)
                    if message.type == "take_ended" and message.take == take:
                        break
                elif isinstance(message, Words) and message.take != take_before:
                    spoken += [word for word, _, _ in message.items]
            else:
                pytest.fail(f"the take {take} never ended:\n{second.log()}")
            assert second.log().count("take queued") == 1, second.log()
            assert [e.data["text"] for e in events if e.type == "take_started"] == ["Back again."]
            assert spoken == ["Back", "again"]
            assert RUN_ID.fullmatch(before["run"]) and RUN_ID.fullmatch(after["run"])
            assert before["run"] != after["run"]
            assert take_before == f"{before['run']}-t1" and take == f"{after['run']}-t1"
            assert client.run_id == after["run"] and client.restarts == 1
    finally:
        if second is not None:
            stop_sidecar(second)
        if first.process.poll() is None:
            first.process.kill()


def test_the_stream_begins_with_sidecar_started_and_every_event_carries_the_run() -> None:
    """A served sidecar's first messages are one `sidecar_started` per avatar (seq 0); describe, every event after
    and every take id carry the same run id."""
    control, stream = free_port_pair()
    config = SidecarConfig(avatars=[AvatarConfig("host"), AvatarConfig("guest")],
                           control=f"tcp://127.0.0.1:{control}", stream=f"tcp://127.0.0.1:{stream}")
    sidecar = Sidecar(config, lambda model, voice_config: FakeVoice(), workers=False)
    recorder = Recorder()
    sidecar.hub.add(recorder)
    replies = []

    async def requests() -> None:
        for avatar in ("host", "guest"):
            request = msgpack.packb({"op": "say", "id": 1, "text": "Hi there.", "avatar": avatar})
            replies.append(decode_reply(await sidecar.handle(request, "test")))
        replies.append(decode_reply(await sidecar.handle(msgpack.packb({"op": "describe"}), "test")))
        # Stopped the way serve is, after the lines began: the stop interrupts what still plays.
        asyncio.get_running_loop().call_later(1.5, signal.raise_signal, signal.SIGTERM)

    tasks = []

    def ready() -> None:
        tasks.append(asyncio.get_running_loop().create_task(requests()))

    asyncio.run(sidecar.run(ready))
    run = sidecar.run_id
    assert RUN_ID.fullmatch(run) and replies[-1]["run"] == run
    events = [m for m in recorder.messages if isinstance(m, Event)]
    assert recorder.messages[:2] == events[:2]
    assert [(e.avatar, e.seq, e.type, e.run, e.take, e.data) for e in events[:2]] == [
        (avatar, 0, "sidecar_started", run, None, {"protocol_version": PROTOCOL_VERSION, "avatars": ["host", "guest"]})
        for avatar in ("host", "guest")]
    assert {e.type for e in events} >= {"sidecar_started", "take_started"}
    assert all(e.run == run for e in events)
    assert all(e.take.startswith(f"{run}-t") for e in events if e.take is not None)
    assert all(reply["take"].startswith(f"{run}-t") for reply in replies[:2])


def test_the_monitor_counts_no_drops_across_a_restart() -> None:
    """The new run's face numbering may already be past the old run's last number when the monitor first sees it:
    a restart, not dropped frames."""
    stats = StreamStats(ClockSync(offset=0.0, rtt=0.0))
    for seq in range(4):
        stats.add(FaceFrame("host", seq, 0.0, b"", [], []), 0.0)
    stats.restarted("bbbb2222", ClockSync(offset=1.0, rtt=0.0))
    stats.add(FaceFrame("host", 50, 1.0, b"", [], []), 0.0)
    assert stats.kinds["face"].dropped == 0
    assert stats.sync.offset == 1.0 and stats.events == ["sidecar restarted: run bbbb2222"]
