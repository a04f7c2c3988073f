package org.sfu.signaling;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small simulated internet made of network namespaces, so that tests can put browsers behind NATs and firewalls
 * (the machine's own network is never used; traffic stays on these links).
 *
 * <pre>
 *  root namespace (the server, 10.77.0.1)
 *     | veth
 *  sfut-inet (the "internet" router, 10.77.0.2; 10.77.N.1 toward site N)
 *     | veth                      | veth
 *  sfut-natN (site N's NAT: 10.77.N.2 outside, 192.168.N.1 inside; MASQUERADE)
 *     | veth
 *  sfut-hostN (a client: 192.168.N.2, default route through its NAT)
 * </pre>
 *
 * A NAT forwards nothing inward that its inside did not start (a "port-restricted" NAT as home routers are), except
 * TCP to the chromedriver port, which is how the test drives the browser inside. Names start with {@code sfut}: at
 * creation, leftovers of an earlier run that was killed are removed first. Needs root, {@code ip} and
 * {@code iptables} (which .ci/run installs).
 */
final class TestNetwork implements AutoCloseable {
    static final String PREFIX = "sfut";
    static final String INET = PREFIX + "-inet";
    static final int CHROMEDRIVER_PORT = 9515;
    /** The server's address, in the root namespace. */
    static final String SERVER = "10.77.0.1";
    /** The server's address as a 1:1 NAT in front of it publishes it (TEST-NET-3, RFC 5737; only in the namespaces). */
    static final String PUBLISHED_SERVER = "203.0.113.10";
    private static final String INET_TOWARD_SERVER = "10.77.0.2";

    /** A client namespace behind its own NAT. */
    record Site(int index, String host, String nat, String hostAddress, String natPublicAddress) {
    }

    private final List<Site> sites = new ArrayList<>();
    private boolean closed;

    private TestNetwork() {
    }

    static TestNetwork create() throws IOException {
        assertTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")),
                "iproute2 is required");
        assertTrue(Files.isExecutable(Path.of("/usr/sbin/iptables")) || Files.isExecutable(Path.of("/sbin/iptables")),
                "iptables is required: apt-get install -y iptables");
        removeLeftovers();
        TestNetwork net = new TestNetwork();
        try {
            run("ip", "netns", "add", INET);
            withoutIpv6(INET);
            run("ip", "link", "add", PREFIX + "-srv", "type", "veth", "peer", "name", PREFIX + "-srv-i");
            run("sysctl", "-q", "-w", "net.ipv6.conf." + PREFIX + "-srv.disable_ipv6=1");
            run("ip", "link", "set", PREFIX + "-srv-i", "netns", INET);
            run("ip", "addr", "add", SERVER + "/24", "dev", PREFIX + "-srv");
            run("ip", "link", "set", PREFIX + "-srv", "up");
            // Everything of the simulated internet is reached through the router namespace.
            run("ip", "route", "add", "10.77.0.0/16", "via", INET_TOWARD_SERVER);
            run("ip", "route", "add", "192.168.0.0/16", "via", INET_TOWARD_SERVER);
            ns(INET, "ip", "addr", "add", INET_TOWARD_SERVER + "/24", "dev", PREFIX + "-srv-i");
            ns(INET, "ip", "link", "set", PREFIX + "-srv-i", "up");
            ns(INET, "ip", "link", "set", "lo", "up");
            ns(INET, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        } catch (IOException | RuntimeException e) {
            net.close();
            throw e;
        }
        return net;
    }

    /**
     * The simulated networks are IPv4 only. With IPv6 on, each interface brought up gets a link-local address a second
     * or two later, when duplicate address detection ends, and Chromium, which watches its namespace's addresses,
     * fails a navigation under way with ERR_NETWORK_CHANGED: the likely cause of a namespaced browser's first page
     * ending on chrome-error://chromewebdata/ (NatTraversalIT and DownlinkAllocationIT, in about 1 run of 4). Set
     * before any interface is moved in, so that none gets an IPv6 address at all.
     */
    private static void withoutIpv6(String namespace) throws IOException {
        ns(namespace, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
    }

    /** Adds site {@code n} (1..9): a client namespace behind a NAT namespace, hung off the router. */
    Site addSite(int n) throws IOException {
        String nat = PREFIX + "-nat" + n;
        String host = PREFIX + "-host" + n;
        String outside = "10.77." + n + ".2";
        String hostAddress = "192.168." + n + ".2";
        run("ip", "netns", "add", nat);
        run("ip", "netns", "add", host);
        withoutIpv6(nat);
        withoutIpv6(host);
        // router <-> NAT
        run("ip", "link", "add", PREFIX + n + "-w", "type", "veth", "peer", "name", PREFIX + n + "-wi");
        run("ip", "link", "set", PREFIX + n + "-w", "netns", nat);
        run("ip", "link", "set", PREFIX + n + "-wi", "netns", INET);
        ns(INET, "ip", "addr", "add", "10.77." + n + ".1/24", "dev", PREFIX + n + "-wi");
        ns(INET, "ip", "link", "set", PREFIX + n + "-wi", "up");
        ns(INET, "ip", "route", "add", "192.168." + n + ".0/24", "via", outside);
        ns(nat, "ip", "addr", "add", outside + "/24", "dev", PREFIX + n + "-w");
        ns(nat, "ip", "link", "set", PREFIX + n + "-w", "up");
        ns(nat, "ip", "link", "set", "lo", "up");
        ns(nat, "ip", "route", "add", "default", "via", "10.77." + n + ".1");
        // NAT <-> client
        run("ip", "link", "add", PREFIX + n + "-l", "type", "veth", "peer", "name", PREFIX + n + "-h");
        run("ip", "link", "set", PREFIX + n + "-l", "netns", nat);
        run("ip", "link", "set", PREFIX + n + "-h", "netns", host);
        ns(nat, "ip", "addr", "add", "192.168." + n + ".1/24", "dev", PREFIX + n + "-l");
        ns(nat, "ip", "link", "set", PREFIX + n + "-l", "up");
        ns(host, "ip", "addr", "add", hostAddress + "/24", "dev", PREFIX + n + "-h");
        ns(host, "ip", "link", "set", PREFIX + n + "-h", "up");
        ns(host, "ip", "link", "set", "lo", "up");
        ns(host, "ip", "route", "add", "default", "via", "192.168." + n + ".1");
        // The NAT: outgoing connections get the outside address; inward only what the inside started.
        ns(nat, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        ns(nat, "iptables", "-t", "nat", "-A", "POSTROUTING", "-o", PREFIX + n + "-w", "-j", "MASQUERADE");
        ns(nat, "iptables", "-A", "FORWARD", "-i", PREFIX + n + "-w", "-m", "conntrack", "--ctstate",
                "ESTABLISHED,RELATED", "-j", "ACCEPT");
        ns(nat, "iptables", "-A", "FORWARD", "-i", PREFIX + n + "-w", "-p", "tcp", "-s", SERVER, "--dport",
                Integer.toString(CHROMEDRIVER_PORT), "-j", "ACCEPT");
        ns(nat, "iptables", "-A", "FORWARD", "-i", PREFIX + n + "-w", "-j", "DROP");
        Site site = new Site(n, host, nat, hostAddress, outside);
        sites.add(site);
        return site;
    }

    /** The client of the site may no longer send or receive UDP (a firewall that only lets TCP through). */
    void blockUdp(Site site) throws IOException {
        ns(site.host(), "iptables", "-A", "OUTPUT", "-p", "udp", "-j", "DROP");
        ns(site.host(), "iptables", "-A", "INPUT", "-p", "udp", "-j", "DROP");
    }

    /**
     * The site's NAT drops every packet to and from its client except the test's own control connection: the
     * client's network is gone (it walked out of Wi-Fi range).
     */
    void cutOff(Site site) throws IOException {
        ns(site.nat(), "iptables", "-I", "FORWARD", "1", "-j", "DROP");
        ns(site.nat(), "iptables", "-I", "FORWARD", "1", "-p", "tcp", "--sport", Integer.toString(CHROMEDRIVER_PORT),
                "-j", "ACCEPT");
        ns(site.nat(), "iptables", "-I", "FORWARD", "1", "-p", "tcp", "--dport", Integer.toString(CHROMEDRIVER_PORT),
                "-j", "ACCEPT");
    }

    /**
     * The site's NAT gets a new outside address (a phone moving from one network to another): its existing
     * translations are gone, so the client's old path to the server is dead.
     */
    Site renumber(Site site, String newOutside) throws IOException {
        String wan = PREFIX + site.index() + "-w";
        // Deleting the address makes the kernel forget the MASQUERADE translations made with it.
        ns(site.nat(), "ip", "addr", "del", site.natPublicAddress() + "/24", "dev", wan);
        ns(site.nat(), "ip", "addr", "add", newOutside + "/24", "dev", wan);
        ns(site.nat(), "ip", "route", "replace", "default", "via", "10.77." + site.index() + ".1");
        ns(INET, "ip", "route", "replace", "192.168." + site.index() + ".0/24", "via", newOutside);
        // The kernel forgets the old translations asynchronously (a work queue). Until it has, a client's packets
        // still leave under the old address, and the server takes a restarted client's checks for its old path.
        String old = "=" + site.natPublicAddress() + " ";
        try {
            Poll.until(Duration.ofSeconds(5), () -> !conntrackMentions(site.nat(), old));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the NAT forgot " + site.natPublicAddress(), e);
        }
        Site moved = new Site(site.index(), site.host(), site.nat(), site.hostAddress(), newOutside);
        sites.set(sites.indexOf(site), moved);
        return moved;
    }

    /**
     * The server is only reachable under {@code publicAddress}, translated by the router to its real address (a
     * cloud VM's 1:1 NAT): UDP sent to the real address directly is dropped.
     */
    void publishServer(String publicAddress) throws IOException {
        ns(INET, "iptables", "-t", "nat", "-A", "PREROUTING", "-d", publicAddress, "-j", "DNAT",
                "--to-destination", SERVER);
        ns(INET, "iptables", "-A", "FORWARD", "-d", SERVER, "-p", "udp", "-m", "conntrack", "!", "--ctstate", "DNAT",
                "-j", "DROP");
    }

    static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    /** Runs a command inside a namespace; fails the test on a non-zero exit. */
    static void ns(String namespace, String... command) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(List.of(command));
        run(full.toArray(String[]::new));
    }

    /** Starts a long-running process inside a namespace (it dies with the namespace's cleanup). */
    static Process spawn(String namespace, Path log, String... command) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(List.of(command));
        return new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    static void run(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = outputOf(p, command);
        if (p.exitValue() != 0) {
            throw new IOException("'" + String.join(" ", command) + "' exited with " + p.exitValue() + ": " + output);
        }
    }

    /** Whether the namespace's connection tracking table holds an entry with this text. */
    private static boolean conntrackMentions(String namespace, String text) {
        try {
            return output("ip", "netns", "exec", namespace, "cat", "/proc/net/nf_conntrack").contains(text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** What a command printed (stdout and stderr), once it has exited, whatever its exit code. */
    private static String output(String... command) throws IOException {
        return outputOf(new ProcessBuilder(command).redirectErrorStream(true).start(), command);
    }

    private static String outputOf(Process p, String... command) throws IOException {
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + String.join(" ", command));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
        return output;
    }

    private static void quietly(String... command) {
        try {
            run(command);
        } catch (IOException e) {
            // Cleanup of something that may not exist.
        }
    }

    /** Kills what runs in our namespaces, deletes them and the root end of the server link. */
    private static void removeLeftovers() throws IOException {
        for (String line : output("ip", "netns", "list").split("\n")) {
            String name = line.trim().split(" ")[0];
            if (name.startsWith(PREFIX + "-")) {
                removeNamespace(name);
            }
        }
        quietly("ip", "link", "del", PREFIX + "-srv");
    }

    private static void removeNamespace(String name) {
        try {
            for (String pid : output("ip", "netns", "pids", name).split("\\s+")) {
                if (!pid.isBlank()) {
                    ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Best effort: deleting the namespace still detaches it.
        }
        quietly("ip", "netns", "del", name);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Site s : sites) {
            removeNamespace(s.host());
            removeNamespace(s.nat());
        }
        removeNamespace(INET);
        // Deleting the link also removes the routes through it.
        quietly("ip", "link", "del", PREFIX + "-srv");
    }
}
