package io.picflow.platform.privacy;

import io.picflow.platform.security.CurrentUser;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who may see a download's URL. A URL may carry credentials (a pre-signed query string, a token in the
 * fragment, {@code user:pass@}), so it is shown in full only to the user who requested it; an admin sees
 * anyone's URL without its user info, query and fragment; other users do not see it at all.
 */
public final class SourceUrls {

    /** Absolute URLs inside free text, such as an error message: a scheme, "://", then up to a space or a quote. */
    private static final Pattern URL_IN_TEXT = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://[^\\s\"'<>]+");

    private SourceUrls() {
    }

    /**
     * {@code url} as {@code caller} may see it: in full if the caller requested it, {@link #redacted redacted}
     * for an admin, otherwise null (not shown).
     */
    public static String shownTo(CurrentUser caller, String url, String requestedBy) {
        if (caller.id().equals(requestedBy)) {
            return url;
        }
        return caller.admin() ? redacted(url) : null;
    }

    /**
     * The URL without user info, query and fragment: scheme, host, port and path. Stored URLs passed
     * validation when they were requested, but whatever cannot be parsed is cut conservatively rather
     * than shown as it is. Null stays null.
     */
    public static String redacted(String url) {
        if (url == null) {
            return null;
        }
        try {
            URI uri = new URI(url);
            if (uri.getScheme() != null && uri.getHost() != null && !uri.isOpaque()) {
                return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort())
                        + (uri.getRawPath() == null ? "" : uri.getRawPath());
            }
        } catch (URISyntaxException e) {
            // cut below
        }
        return cut(url);
    }

    /** {@code text} with every absolute URL in it {@link #redacted redacted}: for messages that may quote one. */
    public static String redactedIn(String text) {
        if (text == null) {
            return null;
        }
        Matcher urls = URL_IN_TEXT.matcher(text);
        return urls.replaceAll(match -> Matcher.quoteReplacement(redacted(match.group())));
    }

    /**
     * For what {@link URI} cannot parse (or parses without a host): everything from the first '?' or '#'
     * goes, and so does everything from "://" (or the start) up to the last '@', which may be more than
     * the user info, never less.
     */
    private static String cut(String url) {
        int end = url.length();
        for (char c : new char[] {'?', '#'}) {
            int at = url.indexOf(c);
            if (at >= 0 && at < end) {
                end = at;
            }
        }
        String kept = url.substring(0, end);
        int separator = kept.indexOf("://");
        int start = separator < 0 ? 0 : separator + 3;
        int at = kept.lastIndexOf('@');
        return at >= start ? kept.substring(0, start) + kept.substring(at + 1) : kept;
    }
}
