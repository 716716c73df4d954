package dev.jlb.jetty;

import java.io.IOException;

/** Adapter code threw inside a listener: not the backend's fault. */
final class InternalProxyException extends IOException {
    private static final long serialVersionUID = 1L;

    InternalProxyException(Throwable cause) {
        super("proxy failure", cause);
    }
}
