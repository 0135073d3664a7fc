package io.picflow.command.downloads.fetch;

import java.net.UnknownHostException;

/** A URL's host resolves to (or is) an address the {@link AddressPolicy} refuses. */
class ForbiddenAddressException extends UnknownHostException {

    ForbiddenAddressException(String message) {
        super(message);
    }
}
