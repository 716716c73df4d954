package dev.jlb.jetty.config;

import dev.jlb.DurationFormat;
import dev.jlb.jetty.StickyCookie;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.eclipse.jetty.http.HttpCookie;

/**
 * Sticky sessions by cookie (the {@code sticky:} section of a route; see {@link StickyCookie}). Off
 * without the section. Immutable. {@link #toString()} never shows a secret.
 *
 * @param enabled whether the route sets and honours the cookie (default true when the section is present)
 * @param cookie the cookie name (default {@value #DEFAULT_COOKIE})
 * @param secret the secret that signs the tokens, or null for a random one per process (the default)
 * @param secretEnv the environment variable {@code secret} was read from, or null when it was written
 *     in the file (or there is none)
 * @param fallbackSecrets earlier secrets whose cookies are still honoured (and replaced), default none
 * @param sameSite the {@code SameSite} attribute (default {@code Lax})
 * @param maxAge the {@code Max-Age}, or null for a session cookie (the default)
 * @param path the {@code Path} attribute, or null for the route's path (the default)
 * @param domain the {@code Domain} attribute, or null for none (the default)
 * @param forwardToBackends whether backends receive the cookie (default false)
 */
public record StickyConfig(boolean enabled, String cookie, String secret, String secretEnv,
        List<String> fallbackSecrets, HttpCookie.SameSite sameSite, Duration maxAge, String path, String domain,
        boolean forwardToBackends) {

    public static final String DEFAULT_COOKIE = StickyCookie.DEFAULT_NAME;

    /** Off: no {@code sticky:} section. */
    public static final StickyConfig DISABLED = new StickyConfig(false, DEFAULT_COOKIE, null, null, List.of(),
            StickyCookie.DEFAULT_SAME_SITE, null, null, null, StickyCookie.DEFAULT_FORWARD_TO_BACKENDS);

    public StickyConfig {
        Objects.requireNonNull(cookie, "cookie");
        fallbackSecrets = List.copyOf(Objects.requireNonNull(fallbackSecrets, "fallbackSecrets"));
        Objects.requireNonNull(sameSite, "sameSite");
    }

    /** The settings, with secrets replaced by where they come from. */
    @Override
    public String toString() {
        if (!enabled) {
            return "StickyConfig{disabled}";
        }
        String from = secret == null ? "random per process" : secretEnv != null ? "from $" + secretEnv : "configured";
        return "StickyConfig{cookie=" + cookie + ", secret=" + from
                + (fallbackSecrets.isEmpty() ? "" : ", fallbackSecrets=" + fallbackSecrets.size()) + ", sameSite="
                + sameSite.getAttributeValue() + ", maxAge=" + (maxAge == null ? "session" : DurationFormat.format(maxAge))
                + (path == null ? "" : ", path=" + path) + (domain == null ? "" : ", domain=" + domain)
                + ", forwardToBackends=" + forwardToBackends + '}';
    }
}
