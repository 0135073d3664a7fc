package io.picflow.query.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.devservices.RawHttp;
import io.picflow.devservices.TestTokens;
import io.picflow.query.support.QuerySideTest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every error after the request line and headers are parsed is problem+json, whichever layer
 * refuses the request: Tomcat (before any filter), Spring Security's firewall, Spring MVC, the
 * container's error page. The requests are sent byte for byte over a socket, as a normal client
 * would normalise these paths before sending them.
 */
class ErrorResponsesTest extends QuerySideTest {

    private static final JsonMapper json = JsonMapper.builder().build();

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # Tomcat refuses these before any filter: encoded slash, encoded backslash, null byte, bad %-escapes, '..' above the root
            GET    | /api/images/..%2F..%2Fetc%2Fpasswd/content | 400
            GET    | /api/images/a%5Cb/content                  | 400
            GET    | /api/images/%00/content                    | 400
            GET    | /api/images/%zz/content                    | 400
            GET    | /api/images/%C0%AE%C0%AE/content           | 400
            GET    | /%2e%2e/etc/passwd                         | 400
            # A backslash is not even a valid request-target character
            GET    | /api/images/a\\b/content                   | 400
            # Spring Security's firewall: encoded '.', '..' segments, '//', path parameters, an unknown method
            GET    | /api/images/%2e%2e/%2e%2e/etc/passwd/content | 400
            GET    | /api/images/../../etc/passwd               | 400
            GET    | //api/images                               | 400
            GET    | /api//images                               | 400
            GET    | /api/images;jsessionid=abc                 | 400
            GET    | /api/images/%E2%80%A8/content              | 400
            FOO    | /api/images                                | 400
            # Tomcat's 405 for TRACE, answered by the error page
            TRACE  | /api/images                                | 405
            # Spring MVC
            GET    | /no/such/path                              | 404
            DELETE | /api/images                                | 405
            GET    | /api/images?page=%zz                       | 400
            # The error page itself, asked for directly
            GET    | /error                                     | 404
            """)
    void every_refusal_is_problem_json_with_a_detail(String method, String target, int status) {
        RawHttp.Response response = send(method + " " + target + " HTTP/1.1", "Authorization: Bearer " + TestTokens.user("alice"));

        assertThat(response.status()).as(response.toString()).isEqualTo(status);
        assertThat(response.header("content-type")).as(response.toString()).startsWith("application/problem+json");
        JsonNode problem = json.readTree(response.body());
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("title").asString()).isNotBlank();
        assertThat(problem.get("detail").asString()).isNotBlank();
    }

    @Test
    void the_detail_says_what_was_refused() {
        String token = "Authorization: Bearer " + TestTokens.user("alice");

        RawHttp.Response encodedSlash = send("GET /api/images/..%2F..%2Fetc%2Fpasswd/content HTTP/1.1", token);
        assertThat(json.readTree(encodedSlash.body()).get("detail").asString())
                .startsWith("The request is malformed or its URL is not allowed")
                .endsWith(": Invalid URI: [The encoded slash character is not allowed]");

        RawHttp.Response encodedDot = send("GET /api/images/%2e%2e/%2e%2e/etc/passwd/content HTTP/1.1", token);
        assertThat(json.readTree(encodedDot.body()).get("detail").asString())
                .isEqualTo("The request was rejected because the URL contained a potentially malicious String \"%2e\"");
        assertThat(json.readTree(encodedDot.body()).get("instance").asString())
                .isEqualTo("/api/images/%2e%2e/%2e%2e/etc/passwd/content");

        RawHttp.Response badQuery = send("GET /api/images?page=%zz HTTP/1.1", token);
        assertThat(json.readTree(badQuery.body()).get("detail").asString()).contains("not correctly %-encoded");

        RawHttp.Response trace = send("TRACE /api/images HTTP/1.1", token);
        assertThat(json.readTree(trace.body()).get("detail").asString()).startsWith("The method is not allowed for this path");
        assertThat(json.readTree(trace.body()).get("instance").asString()).isEqualTo("/api/images");
    }

    @Test
    void a_header_the_firewall_refuses_is_a_400_also_when_spring_mvc_reads_it() {
        // U+0085 is a control character: Tomcat accepts it in a header value, the firewall does not.
        RawHttp.Response response = send("GET /api/images HTTP/1.1", "Authorization: Bearer " + TestTokens.user("alice"),
                "Accept: application/json\u0085");

        assertThat(response.status()).as(response.toString()).isEqualTo(400);
        assertThat(response.header("content-type")).startsWith("application/problem+json");
        assertThat(json.readTree(response.body()).get("detail").asString()).contains("header", "Accept", "not allowed");
    }

    /** Errors Tomcat finds while reading the request line and headers: its error report valve writes them. */
    @Test
    void a_request_tomcat_cannot_parse_or_serve_gets_problem_json_too() {
        String token = "Authorization: Bearer " + TestTokens.user("alice");
        record Case(int status, String requestLine, String... headers) {
        }
        List<Case> cases = List.of(
                new Case(505, "GET /api/images HTTP/2.0", token),
                new Case(400, "GET /" + "a".repeat(10_000) + " HTTP/1.1", token), // request line over the header limit
                new Case(400, "GET /api/images HTTP/1.1", token, "X-Large: " + "a".repeat(10_000)), // headers over the limit
                new Case(400, "GET /api/images HTTP/1.1", token, "X-Bad Name: x"),
                new Case(400, "POST /api/images HTTP/1.1", token, "Content-Length: abc"),
                new Case(501, "CONNECT 127.0.0.1:80 HTTP/1.1", token));

        for (Case sent : cases) {
            RawHttp.Response response = send(sent.requestLine(), sent.headers());
            String as = sent.requestLine().substring(0, Math.min(40, sent.requestLine().length())) + " -> " + response;
            assertThat(response.status()).as(as).isEqualTo(sent.status());
            assertThat(response.header("content-type")).as(as).startsWith("application/problem+json");
            assertThat(json.readTree(response.body()).get("status").asInt()).as(as).isEqualTo(sent.status());
            assertThat(json.readTree(response.body()).get("detail").asString()).as(as).isNotBlank();
        }
    }

    private RawHttp.Response send(String requestLine, String... headers) {
        return RawHttp.send(port, requestLine, headers);
    }
}
