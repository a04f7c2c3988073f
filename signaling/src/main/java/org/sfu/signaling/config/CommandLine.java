package org.sfu.signaling.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The server's command line: {@code --help}, {@code --version}, {@code --config FILE}, and one flag per setting
 * ({@code --http-port=8000} or {@code --http-port 8000}). Anything else is refused, so a mistyped flag does not
 * start a server with a setting silently left at its default.
 *
 * @param values     the settings given as flags, by setting
 * @param configFile the file named by --config, or null
 * @param help       --help or -h
 * @param version    --version
 */
public record CommandLine(Map<Setting<?>, String> values, Path configFile, boolean help, boolean version) {
    public static final String CONFIG_FLAG = "--config";

    public CommandLine {
        values = Map.copyOf(values);
    }

    /** No arguments: every setting from the environment, the file or its default. */
    public static CommandLine none() {
        return new CommandLine(Map.of(), null, false, false);
    }

    /** @throws InvalidSettingException on an unknown option or a flag without its value */
    public static CommandLine parse(String... args) {
        Map<String, Setting<?>> byFlag = new LinkedHashMap<>();
        for (Setting<?> s : Settings.ALL) {
            byFlag.put(s.flag(), s);
        }
        Map<Setting<?>, String> values = new LinkedHashMap<>();
        Path config = null;
        boolean help = false;
        boolean version = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                help = true;
                continue;
            }
            if (arg.equals("--version")) {
                version = true;
                continue;
            }
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg : arg.substring(0, eq);
            if (!name.equals(CONFIG_FLAG) && !byFlag.containsKey(name)) {
                Setting<?> meant = Settings.closest(name, Setting::flag);
                throw new InvalidSettingException("Unknown option '" + arg + "'"
                        + (meant == null ? "" : " (did you mean " + meant.flag() + "?)")
                        + "; --help lists the options");
            }
            String value;
            if (eq >= 0) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                throw new InvalidSettingException(name + " needs a value (" + name + "=VALUE)");
            }
            if (name.equals(CONFIG_FLAG)) {
                config = Path.of(value);
            } else {
                values.put(byFlag.get(name), value);
            }
        }
        return new CommandLine(values, config, help, version);
    }
}
