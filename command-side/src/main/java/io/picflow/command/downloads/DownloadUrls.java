package io.picflow.command.downloads;

import io.picflow.platform.web.ProblemException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Accepts only absolute http(s) URLs with a host and without credentials. Which addresses a URL may
 * reach (no private networks) is decided when it is fetched, on every redirect, not here.
 */
final class DownloadUrls {

    static final int MAX_LENGTH = 2048;

    private DownloadUrls() {
    }

    static String requireFetchable(String url) {
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw ProblemException.badRequest("url: not a valid URL (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || !(scheme.equals("http") || scheme.equals("https"))) {
            throw ProblemException.badRequest("url: must be an absolute http or https URL");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw ProblemException.badRequest("url: must name a host");
        }
        if (uri.getRawUserInfo() != null) {
            throw ProblemException.badRequest("url: credentials in the URL are not accepted");
        }
        return uri.toString();
    }
}
