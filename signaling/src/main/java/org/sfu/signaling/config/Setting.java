package org.sfu.signaling.config;

import java.util.Locale;

/**
 * One setting of the server, written the same way in three places: as {@code key} in the configuration file (under
 * {@code sfu}), as the environment variable {@code env}, and as the flag {@code --name} made from the variable's
 * name ({@code SFU_HTTP_PORT} is {@code --http-port}). {@link Settings} holds every one.
 *
 * @param key          HOCON path under {@code sfu}, e.g. {@code network.http-port}
 * @param env          the environment variable, e.g. {@code SFU_HTTP_PORT}
 * @param format       the text it accepts
 * @param defaultValue the value when no source gives one (null: none)
 * @param defaultText  how the default reads in --help and in the docs
 * @param description  one line on what it does
 * @param secret       never printed: the effective configuration shows it as set or not, nothing more
 * @param <T>          the value's type
 */
public record Setting<T>(String key, String env, Format<T> format, T defaultValue, String defaultText,
                         String description, boolean secret) {

    static final String ENV_PREFIX = "SFU_";

    public Setting {
        if (!env.startsWith(ENV_PREFIX)) {
            throw new IllegalArgumentException(env + " must start with " + ENV_PREFIX);
        }
    }

    /** The command-line flag: {@code SFU_HTTP_PORT} is {@code --http-port}. */
    public String flag() {
        return "--" + env.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The path in a configuration file: {@code sfu.network.http-port}. */
    public String fileKey() {
        return Settings.FILE_ROOT + "." + key;
    }

    @Override
    public String toString() {
        return key;
    }
}
