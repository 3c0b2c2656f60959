"""Say a line and print what the stream carries for it: the words with their times, then a summary.

    .venv/bin/python examples/listen.py "Hi everyone, welcome to the winter showcase!"

Start the sidecar first (`make run`, or `.venv/bin/avatar-bridge serve`). The same few calls are all an engine
integration needs: subscribe, sync the clock, say, and read audio, face and pose frames by their pts.
"""

from __future__ import annotations

import argparse
from collections import Counter

from bridge.client import BridgeClient


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("text", help="what she says")
    parser.add_argument("--control", default="tcp://127.0.0.1:5555", help="the sidecar's control endpoint")
    parser.add_argument("--emotion", help="neutral, happy, excited, sad, surprised, angry or thinking")
    args = parser.parse_args()

    with BridgeClient(args.control) as client:
        client.subscribe(avatar="host")
        clock = client.sync_clock()  # sidecar pts = local monotonic time + offset
        take = client.say(args.text, emotion=args.emotion)
        kinds: Counter[str] = Counter()
        audio_s = 0.0
        for message, _received in client.stream(timeout=10):
            kinds[message.KIND] += 1
            if message.KIND == "audio" and message.take == take:
                audio_s += message.duration
            elif message.KIND == "words" and message.take == take:
                for word, start, end in message.items:
                    print(f"{start:6.2f}–{end:5.2f} s  {word}")
            elif message.KIND == "event" and message.take == take and message.type in ("take_ended", "interrupted"):
                break
        print(f"take {take}: {audio_s:.2f} s of audio; messages {dict(kinds)}; "
              f"clock offset {clock.offset * 1000:.2f} ms (rtt {clock.rtt * 1000:.2f} ms)")


if __name__ == "__main__":
    main()
