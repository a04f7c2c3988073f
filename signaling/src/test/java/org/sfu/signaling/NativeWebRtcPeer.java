package org.sfu.signaling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.onvoid.webrtc.CreateSessionDescriptionObserver;
import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCAnswerOptions;
import dev.onvoid.webrtc.RTCBundlePolicy;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCRtcpMuxPolicy;
import dev.onvoid.webrtc.RTCRtpSender;
import dev.onvoid.webrtc.RTCRtpTransceiver;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.RTCSignalingState;
import dev.onvoid.webrtc.RTCStats;
import dev.onvoid.webrtc.RTCStatsReport;
import dev.onvoid.webrtc.RTCStatsType;
import dev.onvoid.webrtc.SetSessionDescriptionObserver;
import dev.onvoid.webrtc.media.MediaStreamTrack;
import dev.onvoid.webrtc.media.audio.AudioOptions;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;
import dev.onvoid.webrtc.media.video.VideoTrack;
import dev.onvoid.webrtc.media.video.VideoTrackSink;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ServerHandshake;

/**
 * A call participant that is not a browser: libwebrtc through webrtc-java (the engine under org.webrtc on Android,
 * GoogleWebRTC on iOS, react-native-webrtc and flutter_webrtc), with a headless audio device module (the machine
 * has no sound card), a synthetic camera and microphone, and signaling written the way the API document's Android
 * snippet does it: a Java-WebSocket {@code WebSocketClient} whose {@code onMessage} hands each JSON message to
 * {@code handleSignalingMessage}; {@code onIceCandidate} sends a {@code candidate}; an {@code offer} is applied and
 * answered; the call starts with the client's own offer once {@code client_id} arrives. Everything else the server
 * sends (its documented additions) is ignored, as a client written from the API document would.
 *
 * <p>Threads: signaling messages are applied one after another on one thread, so that an answer is never applied
 * before the offer it answers; libwebrtc calls the observer on its own signaling thread, and the observer only sends
 * or queues work for that one thread.
 */
final class NativeWebRtcPeer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long OPERATION_SECONDS = 10;

    /** What a test asserts on, from getStats() and the remote video sink. */
    record Stats(long framesRendered, long framesDecoded, long audioPacketsReceived, double audioEnergyPlayedOut,
                 long audioPacketsSent, long videoFramesSent, String remoteAddress, long remotePort,
                 RTCPeerConnectionState state) {
    }

    private final List<String> errors = new CopyOnWriteArrayList<>();
    private final AtomicLong framesRendered = new AtomicLong();
    /** Counts every decoded frame of every remote video track; each frame is a copy the sink must release. */
    private final VideoTrackSink frameCounter = frame -> {
        framesRendered.incrementAndGet();
        frame.release();
    };
    private final List<VideoTrack> remoteVideoTracks = new CopyOnWriteArrayList<>();
    private final ExecutorService signalingThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "native-peer-signaling");
        t.setDaemon(true);
        return t;
    });
    /** Candidates that arrived before the remote description they belong to; touched on the signaling thread only. */
    private final List<RTCIceCandidate> earlyCandidates = new ArrayList<>();
    /** Set on the microphone's thread once the audio send stream has started (see {@link #microphoneMayPush}). */
    private boolean audioSendStreamStarted;
    private long nextSendStreamCheck;

    private HeadlessAudioDeviceModule audioDevice;
    private PeerConnectionFactory factory;
    private SyntheticCamera camera;
    private SyntheticMicrophone microphone;
    private VideoTrack videoTrack;
    private AudioTrack audioTrack;
    private RTCPeerConnection peerConnection;
    private SignalingSocket socket;
    private volatile String clientId;

    private NativeWebRtcPeer() {
    }

    /**
     * Creates the peer connection with a camera and a microphone track and joins the call on
     * wss://127.0.0.1:port/ws. A native library that does not load fails here: the test fails, it never skips.
     */
    static NativeWebRtcPeer join(int port) throws Exception {
        NativeWebRtcPeer peer = new NativeWebRtcPeer();
        try {
            peer.start(new URI("wss://127.0.0.1:" + port + "/ws"));
            return peer;
        } catch (Exception | Error e) {
            peer.close();
            throw e;
        }
    }

    private void start(URI server) throws Exception {
        // webrtc-java's default module opens PulseAudio devices; the headless one runs the same audio pipeline
        // (playout is pulled every 10 ms, decoded audio is mixed) without a sound card.
        audioDevice = new HeadlessAudioDeviceModule();
        factory = new PeerConnectionFactory(audioDevice);

        RTCConfiguration configuration = new RTCConfiguration();
        // As the demo page: no STUN or TURN server, the server is reachable on its own candidate.
        configuration.iceServers = List.of();
        // The server requires BUNDLE and rtcp-mux (docs/PROTOCOL.md): one transport, one port.
        configuration.bundlePolicy = RTCBundlePolicy.MAX_BUNDLE;
        configuration.rtcpMuxPolicy = RTCRtcpMuxPolicy.REQUIRE;
        // Loopback only. libwebrtc skips the loopback interface when it enumerates adapters and would bind its
        // sockets to this machine's other addresses, whose connectivity checks the test server ignores (it talks
        // only to 127.0.0.0/8). Without adapter enumeration it binds one socket to the any-address, so its checks
        // to the server's only candidate, 127.0.0.1, leave from 127.0.0.1 and the server learns that address as
        // peer-reflexive. (The candidates it signals show the machine's default address instead, learnt by
        // connect()ing a UDP socket, which sends nothing; the server ignores them.) No STUN or TURN (nothing to
        // ask), no TCP (the server's candidate is UDP). Every packet therefore goes to 127.0.0.1.
        configuration.portAllocatorConfig.setDisableAdapterEnumeration(true).setDisableTcp(true)
                .setDisableStun(true).setDisableRelay(true);
        peerConnection = factory.createPeerConnection(configuration, new Observer());
        if (peerConnection == null) {
            throw new IllegalStateException("libwebrtc refused to create a peer connection");
        }

        camera = new SyntheticCamera();
        videoTrack = factory.createVideoTrack("native-camera", camera.source());
        microphone = new SyntheticMicrophone(this::microphoneMayPush);
        audioTrack = factory.createAudioTrack("native-microphone", microphone.source());
        // getUserMedia's stream, in the document's "add local stream" step: both tracks in one stream.
        peerConnection.addTrack(audioTrack, List.of("native-stream"));
        peerConnection.addTrack(videoTrack, List.of("native-stream"));
        camera.start();
        microphone.start();

        socket = new SignalingSocket(server);
        if (!socket.connectBlocking(OPERATION_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the WebSocket to " + server + " did not open");
        }
    }

    /** The WebSocket, as in the API document's Android snippet: every message goes to handleSignalingMessage. */
    private final class SignalingSocket extends WebSocketClient {
        SignalingSocket(URI server) throws Exception {
            super(server);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, new TrustManager[] {new TrustTheTestServer()}, null);
            setSocketFactory(tls.getSocketFactory());
        }

        @Override
        public void onOpen(ServerHandshake handshake) {
        }

        @Override
        public void onMessage(String message) {
            onSignalingThread("handling " + abbreviate(message), () -> handleSignalingMessage(JSON.readTree(message)));
        }

        @Override
        public void onClose(int code, String reason, boolean remote) {
        }

        @Override
        public void onError(Exception e) {
            errors.add("WebSocket: " + e);
        }
    }

    private void handleSignalingMessage(JsonNode message) throws Exception {
        JsonNode data = message.path("data");
        switch (message.path("type").asText()) {
            case "client_id" -> {
                clientId = data.asText();
                startCall();
            }
            case "offer" -> handleOffer(data.path("sdp").asText());
            case "answer" -> handleAnswer(data.path("sdp").asText());
            case "candidate" -> {
                RTCIceCandidate candidate = new RTCIceCandidate(data.path("sdpMid").asText(),
                        data.path("sdpMLineIndex").asInt(), data.path("candidate").asText());
                if (peerConnection.getRemoteDescription() == null) {
                    earlyCandidates.add(candidate);
                } else {
                    peerConnection.addIceCandidate(candidate);
                }
            }
            // The server's own report of a message it could not act on: kept, so that a test can show it.
            case "error" -> errors.add("server: " + data);
            default -> {
                // ice_servers, room, participant_joined, ...: additions a client written from the document ignores.
            }
        }
    }

    /** The document's startCall: offer, and send the offer. Also used when libwebrtc needs a new negotiation. */
    private void startCall() throws Exception {
        if (clientId == null || peerConnection.getSignalingState() != RTCSignalingState.STABLE) {
            return;
        }
        RTCSessionDescription offer = create(true);
        setLocal(offer);
        send("offer", description(offer));
    }

    /** The document's handleOffer: apply the offer, answer, send the answer. */
    private void handleOffer(String sdp) throws Exception {
        if (peerConnection.getSignalingState() == RTCSignalingState.HAVE_LOCAL_OFFER) {
            // Both offered at once: the server's offer wins (docs/PROTOCOL.md). Browsers roll back implicitly;
            // libwebrtc's native API wants the rollback said. The server then drops the offer it held, and
            // libwebrtc asks for a new negotiation if ours had anything the server's offer did not.
            setLocal(new RTCSessionDescription(RTCSdpType.ROLLBACK, ""));
        }
        setRemote(new RTCSessionDescription(RTCSdpType.OFFER, sdp));
        RTCSessionDescription answer = create(false);
        setLocal(answer);
        send("answer", description(answer));
    }

    private void handleAnswer(String sdp) throws Exception {
        if (peerConnection.getSignalingState() != RTCSignalingState.HAVE_LOCAL_OFFER) {
            return; // The answer to an offer we rolled back: nothing to apply it to.
        }
        setRemote(new RTCSessionDescription(RTCSdpType.ANSWER, sdp));
    }

    private final class Observer implements PeerConnectionObserver {
        /** The document's onicecandidate: each local candidate goes to the server as it is found. */
        @Override
        public void onIceCandidate(RTCIceCandidate candidate) {
            ObjectNode data = JSON.createObjectNode();
            data.put("candidate", candidate.sdp);
            data.put("sdpMLineIndex", candidate.sdpMLineIndex);
            data.put("sdpMid", candidate.sdpMid);
            try {
                send("candidate", data);
            } catch (Exception e) {
                errors.add("sending a candidate: " + e);
            }
        }

        /** The document's ontrack: every remote video is "displayed", here by counting its frames. */
        @Override
        public void onTrack(RTCRtpTransceiver transceiver) {
            try {
                MediaStreamTrack track = transceiver.getReceiver().getTrack();
                if (track instanceof VideoTrack video) {
                    video.addSink(frameCounter);
                    remoteVideoTracks.add(video);
                }
            } catch (RuntimeException e) {
                errors.add("ontrack: " + e); // Kept off libwebrtc's thread: an exception there aborts the JVM.
            }
        }

        @Override
        public void onRenegotiationNeeded() {
            onSignalingThread("renegotiating", NativeWebRtcPeer.this::startCall);
        }
    }

    private interface SignalingStep {
        void run() throws Exception;
    }

    /**
     * Queues a step for the signaling thread. Never throws: libwebrtc calls the observer on its own threads, and an
     * exception left on one of them aborts the JVM (seen here when a callback came during close).
     */
    private void onSignalingThread(String what, SignalingStep step) {
        try {
            signalingThread.execute(() -> {
                try {
                    step.run();
                } catch (Exception e) {
                    errors.add(what + ": " + e);
                }
            });
        } catch (RejectedExecutionException e) {
            // Closing: there is nothing more to negotiate.
        }
    }

    private void send(String type, JsonNode data) throws Exception {
        ObjectNode message = JSON.createObjectNode();
        message.put("type", type);
        message.set("data", data);
        socket.send(JSON.writeValueAsString(message));
    }

    private static JsonNode description(RTCSessionDescription description) {
        ObjectNode data = JSON.createObjectNode();
        data.put("type", description.sdpType == RTCSdpType.OFFER ? "offer" : "answer");
        data.put("sdp", description.sdp);
        return data;
    }

    private RTCSessionDescription create(boolean offer) throws Exception {
        CompletableFuture<RTCSessionDescription> created = new CompletableFuture<>();
        CreateSessionDescriptionObserver observer = new CreateSessionDescriptionObserver() {
            @Override
            public void onSuccess(RTCSessionDescription description) {
                created.complete(description);
            }

            @Override
            public void onFailure(String error) {
                created.completeExceptionally(new IllegalStateException((offer ? "createOffer: " : "createAnswer: ")
                        + error));
            }
        };
        if (offer) {
            peerConnection.createOffer(new RTCOfferOptions(), observer);
        } else {
            peerConnection.createAnswer(new RTCAnswerOptions(), observer);
        }
        return created.get(OPERATION_SECONDS, TimeUnit.SECONDS);
    }

    private void setLocal(RTCSessionDescription description) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        peerConnection.setLocalDescription(description, new Completion(done, "setLocalDescription"));
        done.get(OPERATION_SECONDS, TimeUnit.SECONDS);
    }

    private void setRemote(RTCSessionDescription description) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        peerConnection.setRemoteDescription(description, new Completion(done, "setRemoteDescription"));
        done.get(OPERATION_SECONDS, TimeUnit.SECONDS);
        for (RTCIceCandidate candidate : earlyCandidates) {
            peerConnection.addIceCandidate(candidate);
        }
        earlyCandidates.clear();
    }

    /**
     * Whether the synthetic microphone may push its next 10 ms; asked on the microphone's thread only.
     *
     * <p>Once the transport is up, libwebrtc starts the audio send stream and with it the audio module's recording,
     * and webrtc-java 0.14.0's headless module then runs a capture thread that, every 10 ms, pulls audio from the
     * voice engine's transport (which hands out the playout mix: the remote audio, not a microphone) and feeds it to
     * every audio send stream. With the synthetic microphone feeding the same stream, two threads enter
     * AudioSendStream::SendAudioData at once and the library aborts the JVM on its race check (audio_send_stream.cc
     * line 368, seen here within seconds). A phone has one microphone: the synthetic one waits until the send stream
     * has started (its first packets are sent), then stops the module's capture before each push (a no-op once
     * stopped, so it also stays stopped if libwebrtc ever restarts it).
     */
    private boolean microphoneMayPush() {
        if (!audioSendStreamStarted) {
            if (System.nanoTime() < nextSendStreamCheck) {
                return false;
            }
            nextSendStreamCheck = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
            try {
                audioSendStreamStarted = stats().audioPacketsSent() > 0;
            } catch (Exception e) {
                return false; // Closing, or stats not ready: try again on a later tick.
            }
            if (!audioSendStreamStarted) {
                return false;
            }
        }
        audioDevice.stopRecording();
        return true;
    }

    private record Completion(CompletableFuture<Void> done, String operation) implements SetSessionDescriptionObserver {
        @Override
        public void onSuccess() {
            done.complete(null);
        }

        @Override
        public void onFailure(String error) {
            done.completeExceptionally(new IllegalStateException(operation + ": " + error));
        }
    }

    String clientId() {
        return clientId;
    }

    /** Everything that went wrong: failed operations, WebSocket errors, the server's error messages. */
    List<String> errors() {
        return List.copyOf(errors);
    }

    /** The peer connection's statistics now (inbound-rtp, outbound-rtp, the selected candidate pair). */
    Stats stats() throws Exception {
        CompletableFuture<RTCStatsReport> delivered = new CompletableFuture<>();
        peerConnection.getStats(delivered::complete);
        Map<String, RTCStats> report = delivered.get(OPERATION_SECONDS, TimeUnit.SECONDS).getStats();
        long framesDecoded = 0;
        long audioPacketsReceived = 0;
        double audioEnergy = 0;
        long audioPacketsSent = 0;
        long videoFramesSent = 0;
        String selectedPair = null;
        for (RTCStats s : report.values()) {
            Map<String, Object> a = s.getAttributes();
            boolean video = "video".equals(a.get("kind"));
            if (s.getType() == RTCStatsType.INBOUND_RTP) {
                if (video) {
                    framesDecoded += number(a, "framesDecoded");
                } else {
                    audioPacketsReceived += number(a, "packetsReceived");
                    // Measured on the samples the audio module's playout pulls: the remote audio was played out.
                    audioEnergy += a.get("totalAudioEnergy") instanceof Number n ? n.doubleValue() : 0;
                }
            } else if (s.getType() == RTCStatsType.OUTBOUND_RTP) {
                if (video) {
                    videoFramesSent += number(a, "framesSent");
                } else {
                    audioPacketsSent += number(a, "packetsSent");
                }
            } else if (s.getType() == RTCStatsType.TRANSPORT && a.get("selectedCandidatePairId") != null) {
                selectedPair = String.valueOf(a.get("selectedCandidatePairId"));
            }
        }
        String remoteAddress = null;
        long remotePort = -1;
        RTCStats pair = selectedPair == null ? null : report.get(selectedPair);
        RTCStats remote = pair == null ? null : report.get(String.valueOf(pair.getAttributes().get("remoteCandidateId")));
        if (remote != null) {
            remoteAddress = String.valueOf(remote.getAttributes().get("address"));
            remotePort = number(remote.getAttributes(), "port");
        }
        return new Stats(framesRendered.get(), framesDecoded, audioPacketsReceived, audioEnergy, audioPacketsSent,
                videoFramesSent, remoteAddress, remotePort, peerConnection.getConnectionState());
    }

    /** Polls the statistics until the condition holds; fails with the last statistics and errors seen. */
    Stats awaitStats(Duration timeout, String what, Predicate<Stats> condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Stats last = stats();
        while (!condition.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("native peer: timed out waiting for " + what + "; last stats: " + last
                        + "; errors: " + errors);
            }
            Thread.sleep(250);
            last = stats();
        }
        return last;
    }

    private static long number(Map<String, Object> attributes, String name) {
        return attributes.get(name) instanceof Number n ? n.longValue() : 0;
    }

    private static String abbreviate(String message) {
        return message.length() > 200 ? message.substring(0, 200) + "..." : message;
    }

    /**
     * Hangs up and frees the native objects, in the order libwebrtc needs: nothing may push into or render from a
     * track whose peer connection is gone, tracks go before their sources, the factory before its audio module.
     */
    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.closeBlocking();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        signalingThread.shutdownNow();
        try {
            signalingThread.awaitTermination(OPERATION_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (camera != null) {
            camera.close();
        }
        if (microphone != null) {
            microphone.close();
        }
        for (VideoTrack remote : remoteVideoTracks) {
            remote.removeSink(frameCounter);
        }
        if (peerConnection != null) {
            // webrtc-java's close() never releases the peer connection itself, so its senders would keep our
            // tracks alive and disposing them would fail: take the tracks off the senders first.
            for (RTCRtpSender sender : peerConnection.getSenders()) {
                peerConnection.removeTrack(sender);
            }
            peerConnection.close();
        }
        if (videoTrack != null) {
            videoTrack.dispose();
        }
        if (audioTrack != null) {
            audioTrack.dispose();
        }
        if (camera != null) {
            camera.source().dispose();
        }
        if (microphone != null) {
            microphone.source().dispose();
        }
        if (factory != null) {
            factory.dispose();
        }
        if (audioDevice != null) {
            audioDevice.dispose();
        }
    }
}
