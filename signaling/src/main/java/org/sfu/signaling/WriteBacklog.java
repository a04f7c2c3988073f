package org.sfu.signaling;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the server has written to one WebSocket that has not reached the network yet. A client that stops reading (an
 * app frozen in the background, a connection dead without a FIN) leaves everything written to it in the server's
 * memory; past the limit the server stops writing and gives the connection up as lost, instead of holding more for
 * it. Thread-safe: writes come from the signaling threads, completions from the event loop.
 */
final class WriteBacklog {
    private final long limitBytes;
    private final AtomicLong pending = new AtomicLong();

    WriteBacklog(long limitBytes) {
        this.limitBytes = limitBytes;
    }

    /**
     * Counts a message about to be written.
     *
     * @return false, counting nothing, when it would take the backlog over the limit: the client is not reading
     */
    boolean add(int bytes) {
        long before;
        do {
            before = pending.get();
            if (before + bytes > limitBytes) {
                return false;
            }
        } while (!pending.compareAndSet(before, before + bytes));
        return true;
    }

    /** A message counted by {@link #add} left for the network (or its write failed). */
    void written(int bytes) {
        pending.addAndGet(-bytes);
    }

    long pendingBytes() {
        return pending.get();
    }
}
