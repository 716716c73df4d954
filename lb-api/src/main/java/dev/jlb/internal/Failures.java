package dev.jlb.internal;

import dev.jlb.FailureKind;

/** Failures in a few words for logs and events: {@link FailureKind#describe(Throwable)}. Internal. */
public final class Failures {
    private Failures() {
    }

    /** {@code connection refused}, {@code connect timeout}, {@code connection reset}, ...: see {@link FailureKind#describe(Throwable)}. */
    public static String describe(Throwable failure) {
        return FailureKind.describe(failure);
    }
}
