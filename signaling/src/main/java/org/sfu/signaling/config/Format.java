package org.sfu.signaling.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The text a setting accepts and the value it becomes. The same text is read from a flag, an environment variable
 * or the configuration file, so a value means the same wherever it is written.
 *
 * @param <T> the value's type
 */
public interface Format<T> {

    /** @throws IllegalArgumentException when the text is not allowed (the message, if any, says why) */
    T parse(String text);

    /** What is allowed, for --help, docs/CONFIGURATION.md and the refusal of a wrong value: "0 to 65535". */
    String allowed();

    /** A whole number from min to max, both included. Decimal digits only: "1e4", "0x50", "256k" are refused. */
    static Format<Long> range(long min, long max) {
        return new Format<>() {
            @Override
            public Long parse(String text) {
                long n;
                try {
                    n = Long.parseLong(text);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("not a whole number");
                }
                if (n < min || n > max) {
                    throw new IllegalArgumentException("out of range");
                }
                return n;
            }

            @Override
            public String allowed() {
                return "a whole number from " + min + " to " + max;
            }
        };
    }

    /** {@link #range} as an int (ports, counts). */
    static Format<Integer> intRange(int min, int max) {
        Format<Long> longs = range(min, max);
        return new Format<>() {
            @Override
            public Integer parse(String text) {
                return longs.parse(text).intValue();
            }

            @Override
            public String allowed() {
                return longs.allowed();
            }
        };
    }

    /** 0 for "off", or a whole number from min to max (a ping every 500 ms would be a flood, not a keep-alive). */
    static Format<Long> offOrRange(long min, long max) {
        Format<Long> on = range(min, max);
        return new Format<>() {
            @Override
            public Long parse(String text) {
                return text.equals("0") ? 0L : on.parse(text);
            }

            @Override
            public String allowed() {
                return "0 (off) or a whole number from " + min + " to " + max;
            }
        };
    }

    /** A fraction from 0 to below 1. */
    static Format<Double> fraction() {
        return new Format<>() {
            @Override
            public Double parse(String text) {
                double d;
                try {
                    d = Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("not a number");
                }
                if (!(d >= 0 && d < 1)) {
                    throw new IllegalArgumentException("out of range");
                }
                return d;
            }

            @Override
            public String allowed() {
                return "a fraction from 0 to below 1";
            }
        };
    }

    /**
     * An IP address literal or a host name, resolved now so that a typo fails at start, not later inside ICE.
     * Malformed literals ("::zz") are refused without a DNS query.
     */
    static Format<InetAddress> address() {
        return new Format<>() {
            @Override
            public InetAddress parse(String text) {
                try {
                    return InetAddress.getByName(text);
                } catch (UnknownHostException e) {
                    throw new IllegalArgumentException("not an address");
                }
            }

            @Override
            public String allowed() {
                return "an IP address or a host name";
            }
        };
    }

    /** "host:port", "[v6]:port" or "host" (then {@code defaultPort}). */
    static Format<InetSocketAddress> hostAndPort(int defaultPort) {
        Format<InetAddress> address = address();
        return new Format<>() {
            @Override
            public InetSocketAddress parse(String text) {
                String host = text;
                int port = defaultPort;
                int colon = text.lastIndexOf(':');
                boolean bracketed = text.startsWith("[");
                if (colon > 0 && (bracketed ? colon > text.indexOf(']') : text.indexOf(':') == colon)) {
                    host = text.substring(0, colon);
                    try {
                        port = Integer.parseInt(text.substring(colon + 1));
                    } catch (NumberFormatException e) {
                        port = -1;
                    }
                    if (port < 1 || port > 65535) {
                        throw new IllegalArgumentException("bad port");
                    }
                }
                if (bracketed) {
                    if (!host.endsWith("]")) {
                        throw new IllegalArgumentException("unclosed [");
                    }
                    host = host.substring(1, host.length() - 1);
                }
                return new InetSocketAddress(address.parse(host), port);
            }

            @Override
            public String allowed() {
                return "host:port, [IPv6]:port or host (port " + defaultPort + ")";
            }
        };
    }

    /** A network in CIDR notation (10.0.0.0/8, ::1/128); a bare address is the network of that one address. */
    static Format<String> network() {
        Format<InetAddress> address = address();
        return new Format<>() {
            @Override
            public String parse(String cidr) {
                int slash = cidr.indexOf('/');
                InetAddress base = address.parse(slash < 0 ? cidr : cidr.substring(0, slash));
                int max = base.getAddress().length * 8;
                int prefix;
                try {
                    prefix = slash < 0 ? max : Integer.parseInt(cidr.substring(slash + 1));
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > max) {
                    throw new IllegalArgumentException("bad prefix length");
                }
                return cidr;
            }

            @Override
            public String allowed() {
                return "networks like 10.0.0.0/8";
            }
        };
    }

    /** A web origin, scheme://host[:port], as browsers send it in the Origin header (RFC 6454 §6.1). */
    static Format<String> origin() {
        return text("origins like https://app.example.com", s -> s.matches("https?://[^/\\s]+"));
    }

    /** A stun:, turn: or turns: URL (RFC 7064, RFC 7065). */
    static Format<String> iceServerUrl() {
        return text("stun:, turn: or turns: URLs",
                s -> s.startsWith("stun:") || s.startsWith("turn:") || s.startsWith("turns:"));
    }

    /** A file path; whether it can be read is checked by whoever reads it at start. */
    static Format<Path> path() {
        return map(text("a file path", s -> true), Path::of);
    }

    /** true or false, exactly (HOCON's booleans read as these words). */
    static Format<Boolean> bool() {
        return map(oneOf("true", "false"), Boolean::valueOf);
    }

    /** One of these words, exactly. */
    static Format<String> oneOf(String... words) {
        List<String> allowed = List.of(words);
        return text(String.join(" or ", allowed), allowed::contains);
    }

    /** Text that passes {@code check}. */
    static Format<String> text(String allowed, java.util.function.Predicate<String> check) {
        return new Format<>() {
            @Override
            public String parse(String text) {
                if (!check.test(text)) {
                    throw new IllegalArgumentException((String) null);
                }
                return text;
            }

            @Override
            public String allowed() {
                return allowed;
            }
        };
    }

    /** Text of at least {@code minBytes} UTF-8 bytes (shared secrets and tokens, too short ones being guessable). */
    static Format<String> secret(int minBytes, String why) {
        return text("at least " + minBytes + " " + why,
                s -> s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length >= minBytes);
    }

    /**
     * Comma-separated items, each in {@code item}'s format; empty items are skipped. In a file, a list too.
     *
     * @param allowed what the list may hold, for the help ("comma-separated " is put before it)
     */
    static <T> Format<List<T>> list(Format<T> item, String allowed) {
        return new Format<>() {
            @Override
            public List<T> parse(String text) {
                List<T> out = new ArrayList<>();
                for (String s : text.split(",")) {
                    if (!s.isBlank()) {
                        try {
                            out.add(item.parse(s.trim()));
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException("'" + s.trim() + "' is not allowed");
                        }
                    }
                }
                return List.copyOf(out);
            }

            @Override
            public String allowed() {
                return "comma-separated " + allowed;
            }
        };
    }

    /** This format's text, turned into another value (which may refuse it too). */
    static <A, B> Format<B> map(Format<A> format, Function<A, B> f) {
        return new Format<>() {
            @Override
            public B parse(String text) {
                return f.apply(format.parse(text));
            }

            @Override
            public String allowed() {
                return format.allowed();
            }
        };
    }
}
