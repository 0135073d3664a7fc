package io.picflow.command.notifications;

import io.picflow.command.devices.Device;
import io.picflow.command.devices.Devices;
import io.picflow.command.notifications.push.ApnsPush;
import io.picflow.command.notifications.push.FcmPush;
import io.picflow.command.notifications.push.PushHttp;
import io.picflow.command.notifications.push.PushMessage;
import io.picflow.command.notifications.push.PushProvider;
import io.picflow.command.notifications.push.PushResult;
import io.picflow.platform.resilience.Breakers;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
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
 * The {@code push} channel: its transport exists only where push can be sent, since the available channels are those
 * of the transports (a channel without one is skipped, {@code CHANNEL_UNAVAILABLE}). That is with FCM
 * ({@code picflow.notifications.fcm.project-id}) or APNs ({@code picflow.notifications.apns.team-id}) configured, or in
 * the embedded run without either, where the {@link DevOutbox} stands in for both. A device of a platform whose
 * provider is not configured fails ({@code PLATFORM_UNAVAILABLE}).
 */
@Configuration(proxyBeanMethods = false)
class PushConfiguration {

    static final String FCM = "picflow.notifications.fcm";
    static final String APNS = "picflow.notifications.apns";
    static final String PUSH = "picflow.notifications.push";

    @Bean
    @Conditional(PushAvailable.class)
    PushTransport pushTransport(Environment environment, ObjectProvider<DevOutbox> outbox, Devices devices, NotificationLetters letters,
            DeliveryOutcomes outcomes, Breakers breakers, JsonMapper json) {
        int maxInFlight = environment.getProperty(PUSH + ".max-in-flight", Integer.class, 50);
        Duration timeout = environment.getProperty(PUSH + ".timeout", Duration.class, Duration.ofSeconds(10));
        String trustStore = environment.getProperty(PUSH + ".trust-store", "");
        OkHttpClient http = PushHttp.client(timeout, maxInFlight, StringUtils.hasText(trustStore) ? Path.of(trustStore) : null,
                environment.getProperty(PUSH + ".trust-store-password", ""));
        Map<String, PushProvider> providers = new HashMap<>();
        if (StringUtils.hasText(environment.getProperty(FCM + ".project-id"))) {
            providers.put(Device.FCM, new FcmPush(new FcmPush.Settings(environment.getProperty(FCM + ".base-url", "https://fcm.googleapis.com"),
                    environment.getProperty(FCM + ".project-id").strip(), required(environment, FCM, "credentials-file")),
                    http, json, Clock.systemUTC(), maxInFlight));
        }
        if (StringUtils.hasText(environment.getProperty(APNS + ".team-id"))) {
            providers.put(Device.APNS, new ApnsPush(new ApnsPush.Settings(
                    environment.getProperty(APNS + ".base-url", "https://api.push.apple.com"), environment.getProperty(APNS + ".team-id").strip(),
                    text(environment, APNS, "key-id"), required(environment, APNS, "private-key-file"), text(environment, APNS, "topic")),
                    http, json, Clock.systemUTC(), maxInFlight));
        }
        // Each provider bounds its own requests in flight: room for all of them at once (the stand-in needs little).
        int concurrency = providers.isEmpty() ? 8 : maxInFlight * providers.size();
        if (providers.isEmpty()) {
            providers.put(Device.FCM, new DevOutboxPush(outbox.getObject(), Device.FCM));
            providers.put(Device.APNS, new DevOutboxPush(outbox.getObject(), Device.APNS));
        }
        return new PushTransport(providers, concurrency, devices, letters, outcomes, breakers, json, () -> {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
        });
    }

    private static Path required(Environment environment, String prefix, String name) {
        return Path.of(text(environment, prefix, name));
    }

    private static String text(Environment environment, String prefix, String name) {
        String value = environment.getProperty(prefix + "." + name, "");
        if (!StringUtils.hasText(value)) {
            throw new IllegalStateException(prefix + "." + name + " must be set to use " + prefix);
        }
        return value.strip();
    }

    /** A provider is configured, or this is the embedded run (dev tokens on), where the dev outbox stands in. */
    static final class PushAvailable implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            Environment environment = context.getEnvironment();
            return StringUtils.hasText(environment.getProperty(FCM + ".project-id"))
                    || StringUtils.hasText(environment.getProperty(APNS + ".team-id"))
                    || "true".equals(environment.getProperty("picflow.security.dev-tokens"));
        }
    }

    /**
     * The embedded run's stand-in for both providers: records what would have been sent ({@code GET /api/dev/outbox}),
     * to the device's id, never its token.
     */
    static final class DevOutboxPush implements PushProvider {

        private final DevOutbox outbox;
        private final String platform;

        DevOutboxPush(DevOutbox outbox, String platform) {
            this.outbox = outbox;
            this.platform = platform;
        }

        /** The platform's own breaker, which the dispatcher's gate asks about (this one never fails). */
        @Override
        public String breaker() {
            return platform;
        }

        @Override
        public PushResult send(PushMessage message, Devices.Sendable device) {
            outbox.record(PushTransport.CHANNEL, platform + "-dev-outbox", message.deliveryId(), device.deviceId(), message.title(),
                    message.body());
            return new PushResult.Accepted(null, 200);
        }
    }
}
