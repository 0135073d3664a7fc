package io.picflow.command.downloads;

import io.picflow.platform.web.ProblemException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Accepts only absolute http(s) URLs with a host and without credentials. Which addresses a URL may
 * reach (no private networks) is decided when it is fetched, on every redirect, not here.
 */
final class DownloadUrls {

    static final int MAX_LENGTH = 2048;

    /** An authority whose host is digits and dots ending in DNS's root dot: {@code 127.0.0.1.}, with user info and port. */
    private static final Pattern ROOT_DOTTED_NUMERIC_HOST = Pattern.compile("([^@]*@)?([0-9.]*[0-9])\\.(:[0-9]*)?");

    private DownloadUrls() {
    }

    static String requireFetchable(String url) {
        URI uri = parse(url.trim());
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || !(scheme.equals("http") || scheme.equals("https"))) {
            throw ProblemException.badRequest("url: must be an absolute http or https URL");
        }
        URI checked = withoutRootDotOfNumericHost(uri);
        if (checked.getHost() == null || checked.getHost().isBlank()) {
            throw ProblemException.badRequest("url: must name a host");
        }
        if (checked.getRawUserInfo() != null) {
            throw ProblemException.badRequest("url: credentials in the URL are not accepted");
        }
        return uri.toString();
    }

    private static URI parse(String url) {
        try {
            return new URI(url);
        } catch (URISyntaxException e) {
            throw ProblemException.badRequest("url: not a valid URL (" + e.getReason() + ")");
        }
    }

    /**
     * {@code java.net.URI} finds no host at all in {@code http://127.0.0.1./} (its grammar wants a
     * name's last label to start with a letter). That host is the IPv4 literal 127.0.0.1 with DNS's
     * root dot: judge the URL as that literal, which the fetch then checks like any other address.
     */
    private static URI withoutRootDotOfNumericHost(URI uri) {
        if (uri.getHost() != null || uri.getRawAuthority() == null) {
            return uri;
        }
        Matcher authority = ROOT_DOTTED_NUMERIC_HOST.matcher(uri.getRawAuthority());
        if (!authority.matches()) {
            return uri;
        }
        String undotted = (authority.group(1) == null ? "" : authority.group(1)) + authority.group(2)
                + (authority.group(3) == null ? "" : authority.group(3));
        return parse(uri.getScheme() + "://" + undotted + uri.getRawPath()
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())
                + (uri.getRawFragment() == null ? "" : "#" + uri.getRawFragment()));
    }
}
