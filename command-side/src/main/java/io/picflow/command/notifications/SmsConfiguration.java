package io.picflow.command.notifications;

import io.picflow.command.outbound.DeliveryOutcome;
import io.picflow.command.users.UserContacts;
import io.picflow.platform.resilience.Breakers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code sms} channel: its transport exists only where SMS can be sent, since the available channels are those of
 * the transports (a channel without one is skipped, {@code CHANNEL_UNAVAILABLE}). That is with a provider configured
 * ({@code picflow.notifications.sms.account-sid}, and an optional fallback under {@code .fallback.*}), or in the
 * embedded run without one, where the {@link DevOutbox} stands in for the provider.
 */
@Configuration(proxyBeanMethods = false)
class SmsConfiguration {

    static final String PREFIX = "picflow.notifications.sms";
    static final String BREAKER = "sms";
    static final String FALLBACK_BREAKER = "sms-fallback";

    @Bean
    @Conditional(SmsAvailable.class)
    SmsTransport smsTransport(Environment environment, ObjectProvider<DevOutbox> outbox, UserContacts contacts,
            ContactVerification verification, NotificationLetters letters, DeliveryOutcomes outcomes, Breakers breakers, JsonMapper json) {
        int maxInFlight = environment.getProperty(PREFIX + ".max-in-flight", Integer.class, 50);
        Duration timeout = environment.getProperty(PREFIX + ".timeout", Duration.class, Duration.ofSeconds(10));
        OkHttpClient http = new OkHttpClient.Builder()
                .connectTimeout(timeout.compareTo(Duration.ofSeconds(5)) < 0 ? timeout : Duration.ofSeconds(5))
                .readTimeout(timeout).writeTimeout(timeout).callTimeout(timeout)
                .connectionPool(new ConnectionPool(maxInFlight, 5, TimeUnit.MINUTES))
                // A failed request is the engine's to retry (and the breaker's to count), not repeated unseen here.
                .retryOnConnectionFailure(false).followRedirects(false)
                .build();
        List<SmsProvider> providers = new ArrayList<>();
        TwilioSms.Account primary = account(environment, PREFIX);
        if (primary != null) {
            providers.add(new TwilioSms(BREAKER, primary, http, json));
            TwilioSms.Account fallback = account(environment, PREFIX + ".fallback");
            if (fallback != null) {
                providers.add(new TwilioSms(FALLBACK_BREAKER, fallback, http, json));
            }
        } else {
            providers.add(new DevOutboxSms(outbox.getObject()));
        }
        return new SmsTransport(providers, maxInFlight, contacts, verification, letters, outcomes, breakers, json, () -> {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
        });
    }

    /** The provider configured under {@code prefix}, or null when it has no account sid. */
    private static TwilioSms.Account account(Environment environment, String prefix) {
        String sid = environment.getProperty(prefix + ".account-sid", "");
        if (!StringUtils.hasText(sid)) {
            return null;
        }
        String token = environment.getProperty(prefix + ".auth-token", "");
        String from = environment.getProperty(prefix + ".from", "");
        if (!StringUtils.hasText(token) || !StringUtils.hasText(from)) {
            throw new IllegalStateException(prefix + ".auth-token and " + prefix + ".from must be set with " + prefix + ".account-sid");
        }
        return new TwilioSms.Account(environment.getProperty(prefix + ".base-url", "https://api.twilio.com"), sid.strip(), token.strip(),
                from.strip());
    }

    /** A provider is configured, or this is the embedded run (dev tokens on), where the dev outbox stands in. */
    static final class SmsAvailable implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            Environment environment = context.getEnvironment();
            return StringUtils.hasText(environment.getProperty(PREFIX + ".account-sid"))
                    || "true".equals(environment.getProperty("picflow.security.dev-tokens"));
        }
    }

    /** The embedded run's stand-in provider: records what would have been sent ({@code GET /api/dev/outbox}). */
    static final class DevOutboxSms implements SmsProvider {

        private final DevOutbox outbox;

        DevOutboxSms(DevOutbox outbox) {
            this.outbox = outbox;
        }

        @Override
        public String breaker() {
            return BREAKER;
        }

        @Override
        public DeliveryOutcome send(String deliveryId, String to, String text) {
            outbox.record(SmsTransport.CHANNEL, "dev-outbox", deliveryId, to, null, text);
            return new DeliveryOutcome.Sent(null, null, "dev-outbox: recorded, not sent (GET /api/dev/outbox)");
        }
    }
}
