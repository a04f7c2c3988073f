package org.sfu.signaling.config;

/** What {@code --help} prints: made from {@link Settings#ALL}, so it lists exactly the settings the server reads. */
public final class HelpText {
    private HelpText() {
    }

    public static String render() {
        StringBuilder out = new StringBuilder();
        out.append("""
                usage: java -jar sfu-server.jar [--config FILE] [--SETTING=VALUE ...]
                       java -jar sfu-server.jar token --room NAME --identity WHO [--ttl SECONDS] [--no-publish] \
                [--no-subscribe] [--config FILE]
                       java -jar sfu-server.jar --help | --version

                Every setting has a flag, an environment variable and a key in the configuration file (HOCON, keys
                under "sfu", named by --config FILE or SFU_CONFIG_FILE). A flag wins over the environment, the
                environment over the file, the file over the default. A wrong value stops the server with a message
                naming the setting. docs/CONFIGURATION.md has the details.

                """);
        for (Setting<?> s : Settings.ALL) {
            out.append(s.flag()).append("=VALUE   ").append(s.env()).append("   ").append(Settings.FILE_ROOT)
                    .append('.').append(s.key()).append('\n');
            out.append("    ").append(s.description()).append(".\n");
            out.append("    default: ").append(s.defaultText()).append("; allowed: ").append(s.format().allowed())
                    .append(s.secret() ? "; secret: never logged" : "").append('\n');
        }
        out.append("""
                --config FILE   SFU_CONFIG_FILE
                    The configuration file. default: none
                --help     this list
                --version  the server's version
                """);
        return out.toString();
    }
}
