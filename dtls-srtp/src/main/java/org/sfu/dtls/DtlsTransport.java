package org.sfu.dtls;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DTLSServerProtocol;
import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.DatagramTransport;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.bouncycastle.tls.TlsTimeoutException;
import org.sfu.srtp.SrtpKeyMaterial;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One participant's DTLS association over an already-connected ICE path (RFC 5764, RFC 6347), producing the
 * SRTP keys.
 *
 * <p>Where the bytes go: the ICE layer hands every datagram whose first byte is 20–63 (RFC 7983) to
 * {@link #receive}, which copies it into a bounded queue. During the handshake, Bouncy Castle's blocking
 * {@code accept}/{@code connect} reads that queue on an executor thread. After the handshake no thread is
 * parked here: each arriving datagram schedules a short task on the same executor that lets Bouncy Castle
 * process the queued records, which is how a retransmitted peer flight makes us resend our lost final flight
 * (RFC 6347 §4.2.4) and how close_notify or a fatal alert reach {@link #onClosed}. Outgoing records go to the
 * {@link DatagramSender} from whichever thread Bouncy Castle runs on.
 *
 * <p>Application data (SCTP for data channels) is not supported: it is counted and dropped.
 */
public final class DtlsTransport implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DtlsTransport.class);

    /** Largest record datagram handed to Bouncy Castle; datagrams go over ICE, so keep under a 1,200-byte path. */
    static final int SEND_LIMIT = 1150;
    /** Largest datagram accepted from the network (an Ethernet MTU). */
    static final int RECEIVE_LIMIT = 1500;
    /** Datagrams waiting for Bouncy Castle; a handshake flight is a handful, so this only bounds floods. */
    static final int QUEUE_CAPACITY = 64;
    /** How long each post-handshake read may wait for a further datagram before handing the thread back. */
    private static final int DRAIN_WAIT_MILLIS = 1;

    public enum Role { SERVER, CLIENT }

    /** Sends one datagram on the ICE path (the selected pair). Must not block for long. */
    @FunctionalInterface
    public interface DatagramSender {
        void send(byte[] buf, int offset, int length) throws IOException;
    }

    private final Role role;
    private final DatagramSender sender;
    private final HandshakeState state;
    private final QueueTransport transport = new QueueTransport();
    private final CompletableFuture<SrtpKeyMaterial> handshake = new CompletableFuture<>();

    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicBoolean closedReported = new AtomicBoolean();
    private final AtomicBoolean callbackRun = new AtomicBoolean();
    /** Serialises Bouncy Castle record processing after the handshake with {@link #close()}. */
    private final ReentrantLock recordLock = new ReentrantLock();

    private volatile Executor executor;
    /** Non-null once the handshake has completed. */
    private volatile DTLSTransport connection;
    private volatile boolean peerClosed;
    private volatile Runnable onClosed;

    private final AtomicLong datagramsReceived = new AtomicLong();
    private final AtomicLong datagramsSent = new AtomicLong();
    private final AtomicLong droppedQueueFull = new AtomicLong();
    private final AtomicLong droppedTooLarge = new AtomicLong();
    private final AtomicLong droppedAfterClose = new AtomicLong();
    private final AtomicLong applicationDataDropped = new AtomicLong();

    public DtlsTransport(Role role, DtlsCertificate localCertificate, Fingerprint remoteFingerprint,
                         DatagramSender sender) {
        this.role = Objects.requireNonNull(role, "role");
        this.sender = Objects.requireNonNull(sender, "sender");
        this.state = new HandshakeState(Objects.requireNonNull(localCertificate, "localCertificate"),
                Objects.requireNonNull(remoteFingerprint, "remoteFingerprint"), this::alertReceived);
    }

    public Role role() {
        return role;
    }

    /**
     * Feeds one datagram received from the network (first byte 20..63). Copies the bytes; never blocks;
     * callable from any thread. Drops it when the queue is full or the transport is closed.
     */
    public void receive(byte[] buf, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, buf.length);
        if (closed.get()) {
            droppedAfterClose.incrementAndGet();
            return;
        }
        if (length > RECEIVE_LIMIT) {
            droppedTooLarge.incrementAndGet();
            return;
        }
        datagramsReceived.incrementAndGet();
        byte[] copy = new byte[length];
        System.arraycopy(buf, offset, copy, 0, length);
        if (!transport.queue.offer(copy)) {
            droppedQueueFull.incrementAndGet();
            return;
        }
        if (connection != null) {
            scheduleDrain();
        }
    }

    /**
     * Runs the handshake on {@code executor} (Bouncy Castle's accept/connect block, so never on an event
     * loop); the same executor later runs the short post-handshake record processing. Completes with the keys,
     * or exceptionally with a {@link DtlsHandshakeException} on a fingerprint mismatch (the session must end),
     * timeout (10 s), fatal alert, missing SRTP profile, or {@link #close()}. Calling it again returns the same
     * future.
     */
    public CompletableFuture<SrtpKeyMaterial> start(Executor executor) {
        Objects.requireNonNull(executor, "executor");
        if (!started.compareAndSet(false, true)) {
            return handshake;
        }
        this.executor = executor;
        try {
            executor.execute(this::handshake);
        } catch (RejectedExecutionException e) {
            handshake.completeExceptionally(
                    new DtlsHandshakeException(DtlsHandshakeException.Reason.FAILED, "executor rejected the handshake", e));
        }
        return handshake;
    }

    /**
     * Called once, on an executor thread, when the peer ends the association after the handshake (close_notify
     * or a fatal alert). By then this transport is closed. Runs at once if that has already happened.
     */
    public void onClosed(Runnable callback) {
        this.onClosed = Objects.requireNonNull(callback, "callback");
        if (closedReported.get()) {
            runOnClosed();
        }
    }

    /** Sends close_notify if connected, then releases the queue and wakes a blocked handshake. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeConnection();
        transport.release();
        handshake.completeExceptionally(new DtlsHandshakeException(DtlsHandshakeException.Reason.CLOSED,
                "transport closed before the handshake completed", null));
    }

    /** Named counters: datagrams in and out, and drops by reason. */
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("dtls.datagrams_received", datagramsReceived.get());
        m.put("dtls.datagrams_sent", datagramsSent.get());
        m.put("dtls.dropped_queue_full", droppedQueueFull.get());
        m.put("dtls.dropped_too_large", droppedTooLarge.get());
        m.put("dtls.dropped_after_close", droppedAfterClose.get());
        m.put("dtls.application_data_dropped", applicationDataDropped.get());
        return m;
    }

    private void handshake() {
        DTLSTransport established;
        SrtpKeyMaterial keys;
        try {
            if (role == Role.SERVER) {
                established = new DTLSServerProtocol().accept(new DtlsServer(state), transport);
            } else {
                established = new DTLSClientProtocol().connect(new DtlsClient(state), transport);
            }
            keys = Objects.requireNonNull(state.keys, "no SRTP keys after the handshake");
        } catch (IOException | RuntimeException e) {
            DtlsHandshakeException failure = classify(e);
            LOG.debug("DTLS {} handshake failed: {}", role, failure.getMessage());
            transport.release();
            handshake.completeExceptionally(failure);
            return;
        }
        connection = established;
        if (closed.get()) {
            // close() ran while the handshake was finishing: it may not have seen the connection.
            closeConnection();
            return;
        }
        LOG.debug("DTLS {} handshake done, SRTP profile {}", role, keys.profile());
        handshake.complete(keys);
        if (!transport.queue.isEmpty()) {
            scheduleDrain();
        }
    }

    private DtlsHandshakeException classify(Throwable e) {
        DtlsHandshakeException.Reason reason;
        if (state.fingerprintMismatch) {
            reason = DtlsHandshakeException.Reason.FINGERPRINT_MISMATCH;
        } else if (state.noSrtpProfile) {
            reason = DtlsHandshakeException.Reason.NO_SRTP_PROFILE;
        } else if (closed.get()) {
            reason = DtlsHandshakeException.Reason.CLOSED;
        } else if (e instanceof TlsFatalAlertReceived) {
            reason = DtlsHandshakeException.Reason.ALERT_RECEIVED;
        } else if (e instanceof TlsTimeoutException) {
            reason = DtlsHandshakeException.Reason.TIMEOUT;
        } else {
            reason = DtlsHandshakeException.Reason.FAILED;
        }
        return new DtlsHandshakeException(reason, String.valueOf(e.getMessage()), e);
    }

    private void alertReceived(short level, short description) {
        if (HandshakeState.endsConnection(level, description)) {
            peerClosed = true;
        }
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException e) {
                drainScheduled.set(false);
                LOG.warn("DTLS record processing rejected by the executor", e);
            }
        }
    }

    /** Lets Bouncy Castle process queued records after the handshake; runs on the executor, never concurrently. */
    private void drain() {
        DTLSTransport c = connection;
        byte[] plaintext = new byte[RECEIVE_LIMIT];
        while (true) {
            recordLock.lock();
            try {
                while (!closed.get() && !peerClosed && !transport.queue.isEmpty()) {
                    // Handshake retransmissions and alerts are handled inside; only application data returns.
                    if (c.receive(plaintext, 0, plaintext.length, DRAIN_WAIT_MILLIS) >= 0) {
                        applicationDataDropped.incrementAndGet();
                    }
                    while (c.receivePending(plaintext, 0, plaintext.length) >= 0) {
                        applicationDataDropped.incrementAndGet();
                    }
                }
            } catch (IOException | RuntimeException e) {
                // A fatal alert received, or a record we could not process: the association is over either way.
                LOG.debug("DTLS {} connection ended: {}", role, e.toString());
                peerClosed = true;
            } finally {
                recordLock.unlock();
            }
            if (peerClosed) {
                reportPeerClosed();
                return;
            }
            drainScheduled.set(false);
            // A datagram may have arrived after the loop looked but before the flag was cleared.
            if (closed.get() || transport.queue.isEmpty() || !drainScheduled.compareAndSet(false, true)) {
                return;
            }
        }
    }

    private void reportPeerClosed() {
        if (!closedReported.compareAndSet(false, true)) {
            return;
        }
        close();
        runOnClosed();
    }

    private void runOnClosed() {
        Runnable callback = onClosed;
        if (callback != null && callbackRun.compareAndSet(false, true)) {
            try {
                callback.run();
            } catch (RuntimeException e) {
                LOG.warn("onClosed callback failed", e);
            }
        }
    }

    private void closeConnection() {
        DTLSTransport c = connection;
        if (c == null) {
            return;
        }
        recordLock.lock();
        try {
            c.close();   // sends close_notify unless the connection already failed or was closed
        } catch (IOException | RuntimeException e) {
            LOG.debug("DTLS close failed: {}", e.toString());
        } finally {
            recordLock.unlock();
        }
    }

    /**
     * Bouncy Castle's view of the ICE path: reads the queue {@link #receive} fills, with Bouncy Castle's
     * timeout semantics (0 = wait until data or close; otherwise at most that many milliseconds, -1 on timeout),
     * and writes to the {@link DatagramSender}.
     */
    private final class QueueTransport implements DatagramTransport {
        private final byte[] wakeUp = new byte[0];
        final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
        private volatile boolean released;

        @Override
        public int getReceiveLimit() {
            return RECEIVE_LIMIT;
        }

        @Override
        public int getSendLimit() {
            return SEND_LIMIT;
        }

        @Override
        public int receive(byte[] buf, int off, int len, int waitMillis) throws IOException {
            if (released) {
                throw new IOException("DTLS transport closed");
            }
            byte[] datagram;
            try {
                datagram = waitMillis > 0 ? queue.poll(waitMillis, TimeUnit.MILLISECONDS) : queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for a DTLS datagram");
            }
            if (released || datagram == wakeUp) {
                throw new IOException("DTLS transport closed");
            }
            if (datagram == null) {
                return -1;
            }
            int n = Math.min(len, datagram.length);
            System.arraycopy(datagram, 0, buf, off, n);
            return n;
        }

        @Override
        public void send(byte[] buf, int off, int len) throws IOException {
            if (released) {
                return;
            }
            sender.send(buf, off, len);
            datagramsSent.incrementAndGet();
        }

        /** Called by Bouncy Castle when its record layer closes (ours, or the peer's close_notify/fatal alert). */
        @Override
        public void close() {
            // Keep the queue: the caller's close() releases it. Bouncy Castle may still send its close_notify.
        }

        void release() {
            released = true;
            queue.clear();
            queue.offer(wakeUp);
        }
    }
}
