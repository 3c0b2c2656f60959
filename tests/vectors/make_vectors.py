"""Write the golden vectors: one msgpack file per message shape with its decoded JSON twin.

Every client (Python, C++, C#, JavaScript) decodes each NAME.msgpack and compares it with NAME.json, where
binary fields appear as {"$bytes": "<hex>"}. Run `python tests/vectors/make_vectors.py` after a protocol
change and commit the result; tests/test_protocol.py fails when the files and the schema disagree.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import msgpack

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bridge.protocol import (  # noqa: E402
    PROTOCOL_VERSION,
    AudioChunk,
    AudioInRequest,
    ChatRequest,
    DanceRequest,
    DescribeRequest,
    Event,
    FaceFrame,
    GestureRequest,
    InterruptRequest,
    KioskRequest,
    LookAtRequest,
    Phonemes,
    PingRequest,
    PoseFrame,
    PuppetRequest,
    QueueRequest,
    RequestError,
    SayRequest,
    ShowRequest,
    Skeleton,
    VideoInRequest,
    Words,
    encode_request,
    encode_stream,
    error_reply,
    face_weights_to_bytes,
    ok_reply,
    pose_rotations_to_bytes,
)

HERE = Path(__file__).resolve().parent
#: The run id of the sidecar that sent the events (protocol.new_run_id draws one per start).
RUN = "3f9a1c2e"


def _turn(axis: str, degrees: float) -> tuple[float, ...]:
    """A quaternion (x, y, z, w) turning `degrees` about Unity's X, Y or Z axis."""
    half = math.radians(degrees) / 2
    return (*(math.sin(half) if a == axis else 0.0 for a in "XYZ"), math.cos(half))


#: A small humanoid: the spine to the head and a left arm (HumanBodyBones names, parents first, Unity axes).
BODY_JOINTS = ["Hips", "Spine", "Chest", "Neck", "Head", "LeftUpperArm", "LeftLowerArm"]
BODY_PARENTS = [-1, 0, 1, 2, 3, 2, 5]
BODY_OFFSETS = [[0.0, 0.0, 0.0], [0.0, 0.1, 0.0], [0.0, 0.12, 0.0], [0.0, 0.33, 0.0], [0.0, 0.1, 0.02],
                [-0.155, 0.225, -0.005], [-0.28, 0.0, 0.0]]
#: Its pose: the spine turned left, the head nodding, the arm down and the elbow bent; Hips and Neck at rest.
REST = (0.0, 0.0, 0.0, 1.0)
BODY_ROTATIONS = [REST, _turn("Y", 10.0), REST, REST, _turn("X", 15.0), _turn("Z", 60.0), _turn("Y", -45.0)]


def vectors() -> dict[str, bytes]:
    """The canonical messages, encoded as the sidecar and its clients encode them."""
    weights = [round(i / 51, 6) for i in range(52)]
    pcm = b"".join(int(v).to_bytes(2, "little", signed=True) for v in (0, 1000, -1000, 32767, -32767, 12, -12, 0))
    return {
        "stream_audio": encode_stream(AudioChunk("host", "t7", 41, 1234.5625, 22050, pcm)),
        "stream_phonemes": encode_stream(Phonemes("host", "t7", [["_", "sil", 0.0, 0.058], ["h", "aa", 0.058, 0.081],
                                                                 ["ˈa", "aa", 0.081, 0.151], ["b", "PP", 0.151, 0.2]])),
        "stream_words": encode_stream(Words("host", "t7", [["Hi", 0.058, 0.232], ["everyone", 0.302, 0.813]])),
        "stream_face": encode_stream(FaceFrame("host", 9001, 1234.6, face_weights_to_bytes(weights),
                                               [0.1, -0.05, 0.02], [0.05, -0.02, 0.04, -0.02])),
        "stream_pose": encode_stream(PoseFrame("host", 9001, 1234.6, [0.0, 0.95, 0.0],
                                               pose_rotations_to_bytes(BODY_ROTATIONS))),
        "stream_skeleton": encode_stream(Skeleton("host", BODY_JOINTS, BODY_PARENTS, BODY_OFFSETS)),
        "stream_event_take_started": encode_stream(Event("host", 3, 1234.5625, "take_started", "t7",
                                                         {"text": "Hi everyone!", "emotion": "happy"}, RUN)),
        "stream_event_interrupted": encode_stream(Event("host", 4, 1235.0, "interrupted", "t7", run=RUN)),
        "request_say": encode_request(SayRequest(text="Hi everyone!", emotion="happy"), 1),
        "request_say_tags": encode_request(
            SayRequest(text="[happy] Hi everyone! [sad:0.6] I lost <wipe_tears> my keys."), 5),
        "request_say_literal": encode_request(SayRequest(text="Press [Enter] when 3 < 5.", literal=True), 6),
        "request_look_at_name": encode_request(LookAtRequest(target="camera", avatar="host"), 7),
        "request_look_at_point": encode_request(LookAtRequest(target=[0.3, -0.45, 0.5]), 8),
        "request_interrupt": encode_request(InterruptRequest(avatar="host"), "abc"),
        "request_ping": encode_request(PingRequest(t_client=10.25), 2),
        "request_describe": encode_request(DescribeRequest(), 3),
        "request_chat": encode_request(ChatRequest(user="mika", text="How much is the beanie?", priority="paid"), 5),
        "request_queue": encode_request(QueueRequest(action="approve", message="q12"), 6),
        "request_show": encode_request(ShowRequest(action="jump", segment="beanie"), 7),
        "reply_chat": ok_reply(5, avatar="host", status="answering", queue_id="q12", take="t8",
                               text="[excited] Great pick! <present_product> You can get the Snowflake Knit Beanie "
                                    "for $24.", engine="retrieval",
                               products=[{"id": "snowflake-beanie", "name": "Snowflake Knit Beanie", "price": 24.0,
                                          "currency": "USD", "stock_link": "https://shop.example.com/p/beanie"}]),
        "stream_event_chat": encode_stream(Event("host", 5, 1236.0, "chat", "t8", {
            "queue_id": "q12", "user": "mika", "text": "[excited] Great pick!", "engine": "retrieval",
            "also_asked_by": ["ana"], "products": []}, RUN)),
        "stream_event_fallback": encode_stream(Event("host", 6, 1236.5, "fallback", "t9", {
            "reason": "timeout", "detail": "no first sentence after 2.00 s", "engine": "retrieval",
            "partial": False, "after_s": 2.0}, RUN)),
        "request_gesture": encode_request(GestureRequest(name="heart_hands", at_word=3), 9),
        "request_dance": encode_request(DanceRequest(music="/srv/music/theme.ogg", style="hype"), 10),
        "reply_gesture": ok_reply(9, avatar="host", name="heart_hands", take="t7", start_pts=1235.45,
                                  stroke_pts=1236.25),
        "reply_dance": ok_reply(10, avatar="host", take="t12"),
        "stream_event_gesture": encode_stream(Event("host", 7, 1236.25, "gesture", "t7", {
            "name": "heart_hands", "start_pts": 1235.45, "end_pts": 1237.95}, RUN)),
        "stream_event_dance": encode_stream(Event("host", 8, 1240.0, "dance", "t12", {
            "music": "/srv/music/theme.ogg", "tempo": 120.2, "beats": 96, "downbeats": 24, "clear": True,
            "style": "hype", "moves": ["arm_pump", "overhead_clap"], "duration": 48.0}, RUN)),
        "stream_event_warning": encode_stream(Event("host", 9, 1240.0, "warning", "t13", {
            "code": "no_clear_beat", "message": "no clear beat (pulse clarity 0.07 < 0.3); dancing a gentle sway "
                                                "instead"}, RUN)),
        "stream_event_sidecar_started": encode_stream(Event("host", 0, 1230.0, "sidecar_started", None, {
            "protocol_version": PROTOCOL_VERSION, "avatars": ["host", "guest"]}, RUN)),
        "reply_say": ok_reply(1, take="t7", avatar="host"),
        "reply_ping": ok_reply(2, t_client=10.25, t_server=1234.5),
        "reply_look_at": ok_reply(8, avatar="host", point=[0.3, -0.45, 0.5], pts=1234.6),
        "reply_error_tag": error_reply(5, RequestError("bad_tag", "text: malformed tag at character 3: '[happy' is "
                                                        "not [emotion], [emotion:0..1] or <gesture> (send the text as "
                                                        "literal to speak brackets)", "text")),
        # 2 ms of a stereo 16 kHz s16le stream: 32 frames of (left, right).
        "request_audio_in": encode_request(AudioInRequest(
            stream="mic-1", seq=41, sample_rate=16000, channels=2, format="s16le", avatar="host",
            pcm=b"".join(int(v).to_bytes(2, "little", signed=True) for i in range(32)
                         for v in (round(8000 * math.sin(i / 5)), round(-4000 * math.sin(i / 5)))), end=False), 11),
        "reply_audio_in": ok_reply(11, avatar="host", take="t9", stream="mic-1", pts=1234.74, dropped_s=0.0,
                                   duplicate=False),
        "reply_error_audio_in": error_reply(12, RequestError(
            "bad_length", "pcm has 127 bytes: not a whole number of 4-byte frames (2 channels of s16le)", "pcm")),
        # Camera in: a performer on camera 0 drives the face only, at 80 %; a kiosk reads the engine's own camera.
        "request_puppet": encode_request(PuppetRequest(action="start", source="0", face=True, body=False, blend=0.8,
                                                       avatar="host"), 13),
        "reply_puppet": ok_reply(13, avatar="host", pts=1241.5, source="0"),
        "request_kiosk": encode_request(KioskRequest(action="start", source="client", greeting="Hi there!",
                                                     avatar="host"), 14),
        "reply_kiosk": ok_reply(14, avatar="host", source="client"),
        # A 4 x 2 raw frame: the top row red, green, blue, white; the bottom row black, grey, dark, light.
        "request_video_in": encode_request(VideoInRequest(
            image=bytes([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 128, 128, 128, 32, 32, 32,
                         224, 224, 224]), seq=120, format="rgb24", width=4, height=2, t=1241.48), 15),
        "reply_video_in": ok_reply(15, dropped=2, bad_frames=0),
        "reply_error_video_in": error_reply(16, RequestError(
            "bad_length", "image has 23 bytes; an rgb24 frame of 4 x 2 has 24 (width * height * 3)", "image")),
        "stream_event_camera": encode_stream(Event("host", 10, 1241.5, "camera", None, {
            "state": "started", "source": "0"}, RUN)),
        "stream_event_puppet": encode_stream(Event("host", 11, 1241.5, "puppet", None, {
            "state": "on", "face": True, "body": False, "blend": 0.8}, RUN)),
        "stream_event_visitor_arrived": encode_stream(Event("host", 12, 1250.25, "visitor_arrived", None, {
            "id": "v1", "t": 1250.2, "distance_m": 1.35, "position": [0.21, -0.05, 1.35]}, RUN)),
        "reply_error": error_reply(4, RequestError("too_long", "text has 5001 characters; the limit is 5000",
                                                    "text")),
    }


def to_json(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    return value


def main() -> None:
    for name, raw in vectors().items():
        (HERE / f"{name}.msgpack").write_bytes(raw)
        decoded = msgpack.unpackb(raw, raw=False)
        (HERE / f"{name}.json").write_text(json.dumps(to_json(decoded), indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(vectors())} vectors to {HERE}")


if __name__ == "__main__":
    main()
