package dev.jlb.jetty;

import java.io.IOException;

/** Another attempt of a hedged request answered first: this one is cancelled. */
final class HedgeLostException extends IOException {
    private static final long serialVersionUID = 1L;

    HedgeLostException() {
        super("another attempt answered first", null);
    }
}
