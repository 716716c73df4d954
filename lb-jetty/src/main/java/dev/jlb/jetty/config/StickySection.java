package dev.jlb.jetty.config;

import dev.jlb.jetty.StickyCookie;
import dev.jlb.jetty.config.Node.ListNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpCookie;

/**
 * Reads a route's {@code sticky:} section into {@link StickyCookie.Builder}, which judges every
 * value. The file adds where a secret comes from ({@code secret}, or {@code secret_env} naming an
 * environment variable, not both), and never shows a secret in a problem: only its length.
 */
final class StickySection {

    private StickySection() {
    }

    /** The route's sticky cookie; {@link StickyCookie#disabled()} without the section. */
    static StickyCookie sticky(MapReader r, Function<String, String> environment) {
        MapReader k = r.map("sticky");
        if (k == null) {
            return StickyCookie.disabled();
        }
        Boolean enabled = k.bool("enabled");
        StickyCookie.Builder b = StickyCookie.builder();
        String cookieName = "a cookie name (an HTTP token) such as JLB_STICKY";
        k.string("cookie", cookieName, cookieName, b::name);
        Node secretNode = k.node("secret");
        Node envNode = k.node("secret_env");
        if (secretNode != null) {
            String secret = k.stringValue("secret", secretNode, "a secret as text");
            secret(k, "secret", secretNode, secret, null, b::secret);
        }
        if (envNode != null) {
            String name = k.stringValue("secret_env", envNode, "the name of an environment variable");
            String value = name == null ? null : environment.apply(name.strip());
            if (name != null && secretNode != null) {
                k.invalid("secret_env", envNode, "either secret or secret_env, not both");
            } else if (name != null && value == null) {
                k.invalid("secret_env", envNode, "the name of an environment variable that is set");
            } else if (name != null) {
                secret(k, "secret_env", envNode, value, name.strip(), b::secret);
            }
        }
        ListNode list = k.list("fallback_secrets", "a list of earlier secrets");
        if (list != null) {
            List<String> fallbacks = new ArrayList<>();
            for (int i = 0; i < list.items().size(); i++) {
                String key = "fallback_secrets[" + i + "]";
                Node item = list.items().get(i);
                String value = k.stringValue(key, item, "a secret as text");
                secret(k, key, item, value, null, v -> StickyCookie.builder().fallbackSecrets(v));
                if (k.valid(key)) {
                    fallbacks.add(value);
                }
            }
            b.fallbackSecrets(fallbacks.toArray(new String[0]));
        }
        String sameSite = k.choice("same_site", "lax", "lax", "strict", "none");
        b.sameSite(HttpCookie.SameSite.valueOf(sameSite.toUpperCase(Locale.ROOT)));
        k.duration("max_age", b::maxAge);
        k.string("path", "a path such as /", "a path starting with /, without spaces or ;", b::path);
        k.string("domain", "a host name such as example.com", b::domain);
        k.bool("forward_to_backends", b::forwardToBackends);
        k.finish();
        return Boolean.FALSE.equals(enabled) ? StickyCookie.disabled() : b.build();
    }

    /**
     * Gives a secret to the builder; a refusal says how long the secret is, never what it is
     * (problems are logged).
     */
    private static void secret(MapReader k, String key, Node node, String value, String env, Consumer<String> setter) {
        if (value == null) {
            return;
        }
        k.call(key, node, () -> {
            setter.accept(value);
            return Boolean.TRUE;
        }, r -> (env == null ? "" : env + " holds ") + r.value() + " (expected: a secret of " + r.constraint() + ")");
    }
}
