package io.picflow.query.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.picflow.query.support.QuerySideTest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The page at / and its assets are served without a token (the page signs in itself). */
class WebPageTest extends QuerySideTest {

    @Test
    void the_page_and_its_script_and_style_are_served_at_the_root() {
        HttpResponse<String> page = api().get("/", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(page.body()).contains("app.js").contains("app.css");

        HttpResponse<String> script = api().get("/app.js", null);
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.body()).contains("/ws?scope=mine").contains("/api/downloads").contains("/api/dev/tokens");
        // The socket opens with a one-time ticket: the token never goes into a URL (and so into access logs).
        assertThat(script.body()).contains("api('/api/ws-tickets', { method: 'POST' })").contains("{ scope: 'mine', ticket }")
                .doesNotContain("access_token");
        assertThat(api().get("/app.css", null).statusCode()).isEqualTo(200);
    }
}
