package dev.jlb.standalone;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The version of this build and the commit it was built from, as the build wrote them into
 * {@code version.properties}: {@code "unknown"} where it could not tell (no git, a source archive,
 * classes that did not go through Maven's resource filtering). Immutable.
 *
 * @param version the project version, such as {@code 0.1.0}
 * @param commit the abbreviated commit id, or {@code unknown}
 */
record Version(String version, String commit) {

    static final String UNKNOWN = "unknown";
    private static final String RESOURCE = "version.properties";

    /** This build's version. */
    static Version current() {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // reported as unknown below
        }
        return new Version(known(p.getProperty("version")), known(p.getProperty("commit")));
    }

    /** A value the build filled in, or {@code unknown} (missing, or still a ${...} placeholder). */
    private static String known(String value) {
        return value == null || value.isBlank() || value.startsWith("${") ? UNKNOWN : value.trim();
    }

    /** {@code jlb 0.1.0 (commit 0123456789ab)}: what {@code --version} prints. */
    @Override
    public String toString() {
        return "jlb " + version + " (commit " + commit + ")";
    }
}
