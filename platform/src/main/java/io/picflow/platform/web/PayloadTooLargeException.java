package io.picflow.platform.web;

import java.io.IOException;

/** Thrown while reading a request body that grows past the configured limit (no or a false Content-Length). */
public class PayloadTooLargeException extends IOException {

    public PayloadTooLargeException(long limit) {
        super("The request body exceeds the limit of " + limit + " bytes");
    }
}
