#!/usr/bin/python3
"""A call participant on aiortc, a WebRTC stack that is not libwebrtc, for the server's interop tests.

Written the way an app developer would from the API document (shared/SIGNALING-API.md): connect to the WebSocket,
take the client_id, send an offer (role "caller") or only answer the server's offers (role "answer-only"), exchange
candidates. It sends a synthetic camera (moving bars) and microphone (a 400 Hz tone), consumes every remote track,
and every 500 ms prints one JSON line of what it sees on stdout, for AiortcPeer.java to assert on. Diagnostics go to
stderr.

Runs on Debian's packages only: /usr/bin/python3 with python3-aiortc (1.4) and python3-websockets.
Stops on SIGTERM, SIGINT or when stdin closes (the test process went away), so keep stdin open: a pipe or a
terminal, not /dev/null. Example: /usr/bin/python3 aiortc_peer.py --port 8000 --room r1 --role answer-only
"""
import argparse
import asyncio
import fractions
import json
import math
import signal
import ssl
import sys
import time
import traceback
from array import array

import aioice.ice
import websockets
from aiortc import (MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription,
                    VideoStreamTrack)
from aiortc.mediastreams import MediaStreamError
from aiortc.sdp import candidate_from_sdp
from av import AudioFrame, VideoFrame

# Test traffic stays on loopback, and the test server talks ICE only with 127.0.0.0/8. aioice leaves 127.0.0.1 out
# when it lists this machine's addresses and would check from the others, which the server ignores; so its only host
# candidate is 127.0.0.1 (what Chromium's --allow-loopback-in-peer-connection and libwebrtc's disabled adapter
# enumeration do for the other test peers).
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

# aioice switches its ICE role when a role conflict is resolved against it (RFC 8445 §7.3.1.1, a 487 response or a
# conflicting request). Count the switches, so that one that is switched back between two reports is seen too.
role_switches = 0
_switch_role = aioice.ice.Connection.switch_role


def _counting_switch_role(connection, ice_controlling):
    global role_switches
    role_switches += 1
    log(f"ICE role switched to {'controlling' if ice_controlling else 'controlled'}")
    _switch_role(connection, ice_controlling)


aioice.ice.Connection.switch_role = _counting_switch_role


def log(text):
    print(f"{time.strftime('%H:%M:%S')} aiortc-peer: {text}", file=sys.stderr, flush=True)


class MovingBars(VideoStreamTrack):
    """A 320x240 camera whose picture changes every frame, so that the encoder sends real inter frames."""

    def __init__(self):
        super().__init__()
        self.frames_sent = 0

    async def recv(self):
        pts, time_base = await self.next_timestamp()  # paces at 30 fps
        frame = VideoFrame(width=320, height=240, format="yuv420p")
        shift = 4 * self.frames_sent
        luma, cb, cr = frame.planes
        row = bytes(((x + shift) * 2) & 0xFF for x in range(luma.line_size))
        luma.update(row * luma.height)
        cb.update(bytes([(64 + shift) & 0xFF]) * cb.buffer_size)
        cr.update(bytes([128]) * cr.buffer_size)
        frame.pts, frame.time_base = pts, time_base
        self.frames_sent += 1
        return frame


class Tone(MediaStreamTrack):
    """A 400 Hz tone, 20 ms frames of 48 kHz mono: sound, not silence, so that a receiver can see energy in it."""

    kind = "audio"
    RATE = 48000
    SAMPLES = 960  # 20 ms; exactly 8 periods of 400 Hz, so every frame is the same

    def __init__(self):
        super().__init__()
        self.frames_sent = 0
        self._start = None
        self._pcm = array("h", (int(6000 * math.sin(2 * math.pi * 400 * i / self.RATE))
                                for i in range(self.SAMPLES))).tobytes()

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        pts = self.frames_sent * self.SAMPLES
        if self._start is None:
            self._start = time.time()
        else:  # pace like a microphone: one frame every 20 ms
            await asyncio.sleep(self._start + pts / self.RATE - time.time())
        frame = AudioFrame(format="s16", layout="mono", samples=self.SAMPLES)
        frame.planes[0].update(self._pcm)
        frame.pts, frame.sample_rate, frame.time_base = pts, self.RATE, fractions.Fraction(1, self.RATE)
        self.frames_sent += 1
        return frame


class Peer:
    def __init__(self, args):
        self.args = args
        # No STUN or TURN server: the server is reachable on its own candidate. Explicitly empty, because aiortc's
        # default (iceServers=None) is Google's public STUN server, which a test must never contact.
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.camera, self.microphone = MovingBars(), Tone()
        self.pc.addTrack(self.microphone)
        self.pc.addTrack(self.camera)
        self.pc.on("track", self.on_track)
        self.ws = None
        self.client_id = None
        self.video_by_track, self.audio_by_track = {}, {}
        self.stream_of_track = {}  # remote track id -> its a=msid stream id (the participant's client id)
        self.errors, self.local_errors = [], []
        self.offers_received = self.offers_ignored = self.answers_sent = 0
        self.offers_sent = self.answers_received = 0
        self.ice_controlling_at_start = None

    # --- signaling, as in the API document ---

    async def run(self):
        url = f"wss://127.0.0.1:{self.args.port}/ws?room={self.args.room}"
        # The test server's certificate is self-signed: accept it (the document's "development certificates").
        tls = ssl.create_default_context()
        tls.check_hostname = False
        tls.verify_mode = ssl.CERT_NONE
        async with websockets.connect(url, ssl=tls, max_size=1 << 20) as ws:
            self.ws = ws
            log(f"connected to {url}")
            # One message at a time, in order: an answer is never applied before the offer it answers.
            async for raw in ws:
                await self.handle(json.loads(raw))
        log("the server closed the WebSocket")

    async def send(self, kind, data):
        await self.ws.send(json.dumps({"type": kind, "data": data}))

    async def handle(self, message):
        kind, data = message.get("type"), message.get("data")
        if kind == "client_id":
            self.client_id = data
            log(f"client id {data}")
            if self.args.role == "caller":
                await self.call()
        elif kind == "offer":
            await self.on_offer(data)
        elif kind == "answer":
            await self.on_answer(data)
        elif kind == "candidate":
            await self.on_candidate(data)
        elif kind == "error":
            # An addition to the document (docs/PROTOCOL.md): the connection stays open; keep it for the test.
            self.errors.append({"code": data.get("code"), "message": data.get("message")})
            log(f"server error: {data}")
        # Anything else (ice_servers, room, participant_joined, session, ...) is an addition a client may ignore.

    async def call(self):
        await self.pc.setLocalDescription(await self.pc.createOffer())
        self.note_ice_role()
        # aiortc gathers before setLocalDescription returns: the offer carries all its candidates, none trickle.
        await self.send("offer", {"type": "offer", "sdp": self.pc.localDescription.sdp})
        self.offers_sent += 1
        log("offer sent")

    async def on_answer(self, data):
        self.answers_received += 1
        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=data["sdp"], type="answer"))
            self.learn_streams(data["sdp"])
            log("answer applied")
        except Exception as e:  # noqa: BLE001 -- a refused answer is a finding to report, not a crash
            self.refused("answer", e)

    async def on_offer(self, data):
        self.offers_received += 1
        if self.offers_ignored < self.args.ignore_offers:
            # A client that never answers, to show that the server notices (--ignore-offers).
            self.offers_ignored += 1
            log(f"offer {self.offers_received} ignored on purpose")
            return
        # The server offers first to an answer-only client, and re-offers to everyone whenever another participant's
        # tracks come or go: a renegotiation, handled like any offer (the document's handleOffer).
        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=data["sdp"], type="offer"))
            self.note_ice_role()
            self.learn_streams(data["sdp"])
            await self.pc.setLocalDescription(await self.pc.createAnswer())
        except Exception as e:  # noqa: BLE001 -- aiortc refusing the server's offer is what the tests look for
            self.refused(f"offer {self.offers_received}", e)
            return
        await self.send("answer", {"type": "answer", "sdp": self.pc.localDescription.sdp})
        self.answers_sent += 1
        log(f"offer {self.offers_received} answered")

    async def on_candidate(self, data):
        # The server's candidates are in its descriptions too; aiortc drops the ones that come after
        # a=end-of-candidates, so adding them is harmless, and trickle-only servers would need it.
        if not data or not data.get("candidate"):
            return
        try:
            candidate = candidate_from_sdp(data["candidate"].split(":", 1)[1])
            candidate.sdpMid, candidate.sdpMLineIndex = data.get("sdpMid"), data.get("sdpMLineIndex")
            await self.pc.addIceCandidate(candidate)
        except Exception as e:  # noqa: BLE001
            self.local_errors.append(f"candidate {data.get('candidate')!r}: {e!r}")

    def refused(self, what, error):
        self.local_errors.append(f"{what}: {type(error).__name__}: {error}")
        log(f"{what} refused by aiortc: {error!r}\n{traceback.format_exc()}")

    # --- media ---

    def on_track(self, track):
        # aiortc 1.4's track event has no streams; the stream (a=msid) is read from the description (learn_streams).
        counts = self.video_by_track if track.kind == "video" else self.audio_by_track
        counts.setdefault(track.id, 0)
        log(f"remote {track.kind} track {track.id}")
        asyncio.ensure_future(self.consume(track, counts))

    @staticmethod
    async def consume(track, counts):
        # A video frame out of recv() has been decoded; an audio frame, decoded from Opus.
        try:
            while True:
                await track.recv()
                counts[track.id] += 1
        except MediaStreamError:
            pass

    def learn_streams(self, sdp):
        """a=msid:<stream id> <track id>: per docs/PROTOCOL.md the stream id is the participant's client id."""
        for line in sdp.splitlines():
            if line.startswith("a=msid:"):
                parts = line[len("a=msid:"):].split()
                if len(parts) == 2:
                    self.stream_of_track[parts[1]] = parts[0]

    def by_stream(self, by_track):
        out = {}
        for track_id, n in by_track.items():
            stream = self.stream_of_track.get(track_id)
            if stream is not None:
                out[stream] = out.get(stream, 0) + n
        return out

    # --- ICE role ---

    def ice_controlling(self):
        """The role of the one (bundled) ICE transport, or None before a description set it."""
        transceivers = self.pc.getTransceivers()
        if not transceivers or transceivers[0].sender.transport is None:
            return None
        return transceivers[0].sender.transport.transport.role == "controlling"

    def note_ice_role(self):
        # aiortc sets the role once, with the first description: controlling if it offered, otherwise controlled
        # unless the offerer is ICE-lite (RFC 8445 §6.1.1). Only a role conflict can change it afterwards.
        if self.ice_controlling_at_start is None:
            self.ice_controlling_at_start = self.ice_controlling()
            log(f"ICE role at start: {'controlling' if self.ice_controlling_at_start else 'controlled'}")

    # --- what the test reads ---

    def stats(self):
        return {
            "clientId": self.client_id,
            "role": self.args.role,
            "signalingState": self.pc.signalingState,
            "iceConnectionState": self.pc.iceConnectionState,
            "connectionState": self.pc.connectionState,
            "videoFramesDecoded": sum(self.video_by_track.values()),
            "audioFramesReceived": sum(self.audio_by_track.values()),
            "videoFramesByTrack": dict(self.video_by_track),
            "audioFramesByTrack": dict(self.audio_by_track),
            "videoFramesByStream": self.by_stream(self.video_by_track),
            "audioFramesByStream": self.by_stream(self.audio_by_track),
            "videoFramesSent": self.camera.frames_sent,
            "audioFramesSent": self.microphone.frames_sent,
            "iceControllingAtStart": self.ice_controlling_at_start,
            "iceControllingNow": self.ice_controlling(),
            "iceRoleSwitches": role_switches,
            "errors": list(self.errors),
            "localErrors": list(self.local_errors),
            "offersSent": self.offers_sent,
            "answersReceived": self.answers_received,
            "offersReceived": self.offers_received,
            "offersIgnored": self.offers_ignored,
            "answersSent": self.answers_sent,
        }

    async def report(self):
        while True:
            print(json.dumps(self.stats()), flush=True)
            await asyncio.sleep(0.5)


async def stdin_closed():
    """Returns when stdin reaches end of file: the process that started this one is gone or wants it to stop."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while await reader.read(4096):
        pass


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="the server's HTTPS/WebSocket port on 127.0.0.1")
    parser.add_argument("--room", default="default")
    parser.add_argument("--role", choices=["caller", "answer-only"], default="caller")
    parser.add_argument("--ignore-offers", type=int, default=0, metavar="N",
                        help="drop the first N offers from the server without answering")
    args = parser.parse_args()

    peer = Peer(args)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    failed = False

    async def signaling():
        # A server that closes the WebSocket ends signaling, not the report: the test still reads what happened.
        nonlocal failed
        try:
            await peer.run()
        except Exception as e:  # noqa: BLE001 -- cannot connect, or a bug here: say so and stop
            log(f"signaling failed: {e!r}\n{traceback.format_exc()}")
            failed = True
            stop.set()

    async def until_stdin_closed():
        await stdin_closed()
        stop.set()

    tasks = [asyncio.ensure_future(t) for t in (signaling(), peer.report(), until_stdin_closed())]
    await stop.wait()
    print(json.dumps(peer.stats()), flush=True)
    for t in tasks:
        t.cancel()
    await peer.pc.close()
    log("closed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
