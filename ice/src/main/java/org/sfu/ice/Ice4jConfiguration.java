package org.sfu.ice;

import java.util.List;
import org.ice4j.ice.harvest.HarvestConfig;
import org.jitsi.config.JitsiConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * One-time, process-wide ice4j configuration. ice4j reads its settings (Typesafe config, keys under {@code ice4j.})
 * once, so they are set as system properties before any ice4j class reads them; {@link IceEndpoint#open} calls
 * {@link #apply()} before it creates a harvester or an Agent.
 *
 * <p>What is set and why:
 * <ul>
 *   <li>{@code ice4j.harvest.mapping.aws.enabled=false}: on by default, it sends an HTTP request to the cloud
 *       metadata address 169.254.169.254 at start-up. Public addresses are configured explicitly instead
 *       ({@link IceEndpoint.Options#publicAddresses()}).</li>
 *   <li>{@code ice4j.ice.termination-delay}: ice4j moves from COMPLETED to TERMINATED after it (3 s by default) and
 *       then answers checks on non-selected pairs with 403, which makes a browser that nominated another pair fail
 *       ICE. One day unless the operator set it.</li>
 *   <li>{@code ice4j.consent-freshness.interval}: 5 s as RFC 7675 §5.1 suggests (ice4j's default is 15 s), so a
 *       peer that sends no media still proves its consent well inside the 30 s a path may live without it.</li>
 *   <li>{@code org.ice4j.MAX_RETRANSMISSIONS}: 10 instead of ice4j's 6, so the server's own checks toward a client's
 *       candidates last ≈ 12 s instead of ≈ 5 s before its check list fails. Behind a NAT those checks cannot arrive;
 *       what connects is the client's checks, and ice4j ends an agent whose check list failed even if the client's
 *       checks would have come a moment later. Seen once in six runs of an ICE restart behind a NAT: the restarted
 *       agent failed 5 s in, before any check of the browser had reached it.</li>
 *   <li>{@code ice4j.harvest.udp.receive-buffer-size}: 4 MiB (the kernel caps it at {@code net.core.rmem_max}). The
 *       shared port's one socket takes every participant's packets; with the kernel's default (≈ 208 KiB, ≈ 170
 *       video packets) a pause of the reading thread of a few milliseconds under load already drops datagrams.</li>
 *   <li>STUN mapping addresses and static mappings are left at their empty defaults and verified empty: they would
 *       make every Agent contact outside servers or advertise addresses we did not choose.</li>
 * </ul>
 * ice4j logs through java.util.logging; that is routed to SLF4J.
 */
final class Ice4jConfiguration {
    private static final Logger log = LoggerFactory.getLogger(Ice4jConfiguration.class);

    static final String AWS_ENABLED = "ice4j.harvest.mapping.aws.enabled";
    static final String TERMINATION_DELAY = "ice4j.ice.termination-delay";
    static final String DEFAULT_TERMINATION_DELAY = "1 day";
    static final String CONSENT_INTERVAL = "ice4j.consent-freshness.interval";
    static final String STUN_MAX_RETRANSMISSIONS = "org.ice4j.MAX_RETRANSMISSIONS";
    static final String DEFAULT_STUN_MAX_RETRANSMISSIONS = "10";
    static final String DEFAULT_CONSENT_INTERVAL = "5 seconds";
    static final String RECEIVE_BUFFER_SIZE = "ice4j.harvest.udp.receive-buffer-size";
    static final String DEFAULT_RECEIVE_BUFFER_SIZE = Integer.toString(4 * 1024 * 1024);

    private static boolean applied;

    private Ice4jConfiguration() {
    }

    static synchronized void apply() {
        if (applied) {
            return;
        }
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
        System.setProperty(AWS_ENABLED, "false");
        if (System.getProperty(STUN_MAX_RETRANSMISSIONS) == null) {
            System.setProperty(STUN_MAX_RETRANSMISSIONS, DEFAULT_STUN_MAX_RETRANSMISSIONS);
        }
        if (System.getProperty(CONSENT_INTERVAL) == null) {
            System.setProperty(CONSENT_INTERVAL, DEFAULT_CONSENT_INTERVAL);
        }
        if (System.getProperty(RECEIVE_BUFFER_SIZE) == null) {
            System.setProperty(RECEIVE_BUFFER_SIZE, DEFAULT_RECEIVE_BUFFER_SIZE);
        }
        if (System.getProperty(TERMINATION_DELAY) == null) {
            System.setProperty(TERMINATION_DELAY, DEFAULT_TERMINATION_DELAY);
        }
        // In case something read the configuration before us: make ice4j see the properties just set.
        JitsiConfig.Companion.reloadNewConfig();

        HarvestConfig harvest = HarvestConfig.config;
        List<String> stun = harvest.getStunMappingCandidateHarvesterAddresses();
        if (harvest.getEnableAwsHarvester() || !stun.isEmpty() || !harvest.getStaticMappings().isEmpty()) {
            throw new IllegalStateException("ice4j mapping harvesters must be off (aws="
                    + harvest.getEnableAwsHarvester() + ", stun=" + stun + ", static mappings="
                    + harvest.getStaticMappings().size() + "); advertise public addresses through IceEndpoint.Options");
        }
        applied = true;
        log.debug("ice4j configured: {}=false, {}={}", AWS_ENABLED, TERMINATION_DELAY,
                System.getProperty(TERMINATION_DELAY));
    }
}
