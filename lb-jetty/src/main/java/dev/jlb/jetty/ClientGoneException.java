package dev.jlb.jetty;

import java.io.IOException;

/** The client went away (a response write failed, or the adapter saw the connection fail). */
final class ClientGoneException extends IOException {
    private static final long serialVersionUID = 1L;

    ClientGoneException(Throwable cause) {
        super("client went away", cause);
    }
}
