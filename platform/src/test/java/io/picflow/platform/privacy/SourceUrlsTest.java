package io.picflow.platform.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.platform.security.CurrentUser;
import org.junit.jupiter.api.Test;

/** The redaction of URLs and who sees them how (the endpoints that apply it have their own tests). */
class SourceUrlsTest {

    private static final String SIGNED = "https://ann:secret@bucket.example.com:8443/a/b%20c.png?X-Amz-Signature=abc&X-Amz-Credential=k#frag";

    @Test
    void redaction_keeps_scheme_host_port_and_path_only() {
        assertThat(SourceUrls.redacted(SIGNED)).isEqualTo("https://bucket.example.com:8443/a/b%20c.png");
        assertThat(SourceUrls.redacted("https://example.com/cat.png")).isEqualTo("https://example.com/cat.png");
        assertThat(SourceUrls.redacted("http://example.com?token=1")).isEqualTo("http://example.com");
        assertThat(SourceUrls.redacted("http://[::1]:8080/x?y#z")).isEqualTo("http://[::1]:8080/x");
        assertThat(SourceUrls.redacted(null)).isNull();
    }

    @Test
    void what_java_net_uri_cannot_parse_is_cut_at_the_query_and_after_the_user_info() {
        // An unescaped '%' and a '/' in the password: not parseable, or parsed without a host.
        assertThat(SourceUrls.redacted("https://ann:se%cret@example.com/x?sig=1")).isEqualTo("https://example.com/x");
        assertThat(SourceUrls.redacted("https://ann:se/cret@example.com/x#t")).isEqualTo("https://example.com/x");
        assertThat(SourceUrls.redacted("https://exa mple.com/x?sig=1")).isEqualTo("https://exa mple.com/x");
        assertThat(SourceUrls.redacted("ann:secret@example.com/x?sig=1")).isEqualTo("example.com/x");
        assertThat(SourceUrls.redacted("?only-a-query")).isEmpty();
    }

    @Test
    void urls_inside_a_text_are_redacted_and_the_rest_of_it_kept() {
        assertThat(SourceUrls.redactedIn("Redirect to a URL that is not http(s): ftp://u:p@files.example.com/a?sig=1 (gave up)"))
                .isEqualTo("Redirect to a URL that is not http(s): ftp://files.example.com/a (gave up)");
        assertThat(SourceUrls.redactedIn("HTTP 404 from example.com")).isEqualTo("HTTP 404 from example.com");
        assertThat(SourceUrls.redactedIn(null)).isNull();
    }

    @Test
    void the_requester_sees_the_url_in_full_an_admin_redacted_anyone_else_nothing() {
        assertThat(SourceUrls.shownTo(new CurrentUser("ann", false), SIGNED, "ann")).isEqualTo(SIGNED);
        assertThat(SourceUrls.shownTo(new CurrentUser("ann", true), SIGNED, "ann")).isEqualTo(SIGNED);
        assertThat(SourceUrls.shownTo(new CurrentUser("root", true), SIGNED, "ann")).isEqualTo("https://bucket.example.com:8443/a/b%20c.png");
        assertThat(SourceUrls.shownTo(new CurrentUser("bob", false), SIGNED, "ann")).isNull();
    }
}
