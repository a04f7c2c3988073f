package org.sfu.signaling.config;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The server's version: the runnable jar's manifest (Implementation-Version), else the build's version file. */
public final class Version {
    private Version() {
    }

    public static String current() {
        String manifest = Version.class.getPackage().getImplementationVersion();
        if (manifest != null) {
            return manifest;
        }
        // Outside the jar (tests, an IDE): the classes have no manifest, the build filled in this file instead.
        try (InputStream in = Version.class.getResourceAsStream("/org/sfu/signaling/version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.startsWith("${")) {
                    return v;
                }
            }
        } catch (IOException e) {
            // Fall through.
        }
        return "unknown";
    }
}
