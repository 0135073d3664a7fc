package io.picflow.platform.security;

import io.picflow.platform.web.ProblemResponseWriter;
import java.time.Clock;
import javax.crypto.SecretKey;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.oauth2.server.resource.authentication.JwtGrantedAuthoritiesConverter;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.firewall.RequestRejectedHandler;

/**
 * Stateless JWT (HS256) authentication. A token needs {@code exp}, the configured {@code iss} and a
 * lifetime within {@code picflow.security.max-token-lifetime}. The acting user is the token's subject; roles come from
 * its {@code roles} claim. The API needs the {@code user} or {@code admin} role, {@code /api/admin}
 * the {@code admin} role; health, metrics and the OpenAPI description are open.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SecurityProperties.class)
public class SecurityConfiguration {

    /** The query side's WebSocket endpoints: {@code /ws} (docs/websocket.md) and {@code /ws/admin} (docs/operations.md). */
    public static final String WEB_SOCKET_PATH = "/ws";

    @Bean
    SecretKey jwtSigningKey(SecurityProperties properties) {
        return JwtKeys.hs256(properties);
    }

    @Bean
    JwtDecoder jwtDecoder(SecretKey jwtSigningKey, SecurityProperties properties) {
        NimbusJwtDecoder decoder = NimbusJwtDecoder.withSecretKey(jwtSigningKey).macAlgorithm(MacAlgorithm.HS256).build();
        decoder.setClaimSetConverter(new ClaimsAsSent());
        // Every failing check adds its own description, which the 401 repeats: the caller learns which claim to fix.
        Clock clock = Clock.systemUTC();
        decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(
                new ExpiryValidator(clock),
                new IssuerValidator(properties.jwtIssuer()),
                new LifetimeValidator(properties.maxTokenLifetime(), clock),
                new SubjectValidator()));
        return decoder;
    }

    @Bean
    TokenAuthenticator tokenAuthenticator(JwtDecoder jwtDecoder) {
        return new TokenAuthenticator(jwtDecoder);
    }

    /** Spring Security's filter chain proxy uses the one handler in the context for every firewall refusal. */
    @Bean
    RequestRejectedHandler requestRejectedHandler(ProblemResponseWriter problems) {
        return new RejectedRequestProblems(problems);
    }

    /**
     * The WebSocket endpoint authenticates in its own handshake (a one-time ticket from
     * {@code POST /api/ws-tickets}, which is an ordinary API call, or a token in the query string or the
     * header) and answers a bad one with close code 4401, which a browser can see; an HTTP 401 from
     * this chain it could not.
     */
    @Bean
    @Order(0)
    SecurityFilterChain webSocketSecurity(HttpSecurity http) throws Exception {
        http.securityMatcher(WEB_SOCKET_PATH, WEB_SOCKET_PATH + "/**")
                .csrf(csrf -> csrf.disable())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(cache -> cache.disable())
                .authorizeHttpRequests(authorize -> authorize.anyRequest().permitAll());
        return http.build();
    }

    @Bean
    @Order(1)
    SecurityFilterChain apiSecurity(HttpSecurity http, ProblemResponseWriter problems) throws Exception {
        ProblemSecurityHandlers handlers = new ProblemSecurityHandlers(problems);
        JwtGrantedAuthoritiesConverter roles = new JwtGrantedAuthoritiesConverter();
        roles.setAuthoritiesClaimName("roles");
        roles.setAuthorityPrefix("ROLE_");
        JwtAuthenticationConverter tokens = new JwtAuthenticationConverter();
        tokens.setJwtGrantedAuthoritiesConverter(roles);

        http.csrf(csrf -> csrf.disable())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(cache -> cache.disable())
                .authorizeHttpRequests(authorize -> authorize
                        .requestMatchers(HttpMethod.POST, "/api/dev/tokens").permitAll()
                        // Local only, in the embedded run only (DevTokenController.requireLocal).
                        .requestMatchers(HttpMethod.GET, "/api/dev/mailbox").permitAll()
                        .requestMatchers(HttpMethod.GET, "/api/dev/outbox").permitAll()
                        // The link in every email: its signed t= is the authority (RFC 8058 one-click unsubscribe).
                        .requestMatchers("/api/unsubscribe").permitAll()
                        .requestMatchers("/api/admin/**").hasRole(Roles.ADMIN)
                        .requestMatchers("/api/**").hasAnyRole(Roles.USER, Roles.ADMIN)
                        .anyRequest().permitAll())
                .oauth2ResourceServer(resourceServer -> resourceServer
                        .jwt(jwt -> jwt.jwtAuthenticationConverter(tokens))
                        .authenticationEntryPoint(handlers)
                        .accessDeniedHandler(handlers))
                .exceptionHandling(exceptions -> exceptions
                        .authenticationEntryPoint(handlers)
                        .accessDeniedHandler(handlers));
        return http.build();
    }
}
