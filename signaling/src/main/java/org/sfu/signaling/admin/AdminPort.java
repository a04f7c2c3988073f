package org.sfu.signaling.admin;

/**
 * Where the operator's endpoints ({@code /metrics}, {@code /health}, {@code /ready}, the admin API under {@code /api})
 * are served besides, or instead of, the signaling port: a second listener on loopback (127.0.0.1), so scrapers and
 * scripts on the host reach them and nothing from the network does, whatever the firewall says.
 *
 * <p>It speaks plain HTTP: traffic on loopback never leaves the machine, and whoever can read it there is root
 * already; plain HTTP lets a Prometheus on the host scrape without trusting (or skipping the check of) a self-signed
 * certificate. The admin API's rules ({@link AdminAccess}) hold on it as on the signaling port.
 *
 * @param port       the loopback port, or 0 for no admin listener (the default)
 * @param onMainPort whether the signaling port also serves {@code /metrics} and {@code /api} (as it does without an
 *                   admin port); {@code /health} and {@code /ready} stay on it either way, since load balancers and
 *                   Kubernetes probe the port they send calls to, and those two show nothing
 */
public record AdminPort(int port, boolean onMainPort) {
    /** No admin listener: everything on the signaling port, as before there was one. */
    public static final AdminPort OFF = new AdminPort(0, true);

    public AdminPort {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("admin.port (SFU_ADMIN_PORT) must be 0 (off) or a port, not " + port);
        }
        if (port == 0 && !onMainPort) {
            throw new IllegalArgumentException("admin.on-main-port (SFU_ADMIN_ON_MAIN_PORT) false needs admin.port "
                    + "(SFU_ADMIN_PORT): without it /metrics and the admin API would be served nowhere");
        }
    }

    /** The loopback port only, the signaling port serving none of the operator's endpoints but the probes. */
    public static AdminPort only(int port) {
        return new AdminPort(port, false);
    }

    /** The loopback port besides the signaling port. */
    public static AdminPort also(int port) {
        return new AdminPort(port, true);
    }

    public boolean enabled() {
        return port > 0;
    }
}
