package dev.jlb.discovery;

import java.util.Objects;

/**
 * What a {@link Discovery} did since it started. Immutable; a point-in-time copy.
 *
 * @param source the discovery's {@link Discovery#source()}
 * @param resolutions lookups that got an answer (including answers of no address)
 * @param failures lookups that failed (timeouts, server failures, refused or dropped connections)
 * @param lastSuccessEpochMillis when the last lookup got an answer, in milliseconds since the epoch; -1 before the first
 * @param lastError the last failure in a few words, or empty
 * @param backends how many backends the last snapshot held
 */
public record DiscoveryStats(String source, long resolutions, long failures, long lastSuccessEpochMillis,
        String lastError, int backends) {

    /**
     * Creates the value from its components, checked as the description above says.
     *
     * @param source the discovery's {@link Discovery#source()}
     * @param resolutions lookups that got an answer (including answers of no address)
     * @param failures lookups that failed (timeouts, server failures, refused or dropped connections)
     * @param lastSuccessEpochMillis when the last lookup got an answer, in milliseconds since the epoch; -1 before the first
     * @param lastError the last failure in a few words, or empty
     * @param backends how many backends the last snapshot held
     */
    public DiscoveryStats {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(lastError, "lastError");
    }
}
