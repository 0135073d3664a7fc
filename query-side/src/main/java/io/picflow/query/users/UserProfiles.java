package io.picflow.query.users;

import io.picflow.events.users.UserRegistered;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.Timestamp;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import io.picflow.platform.web.ProblemException;

/**
 * Public profiles: the {@code user_profile} table (processing group {@code users}) and
 * {@code GET /api/users/{userId}}. Contact details never reach the query side.
 */
@RestController
@ProcessingGroup("users")
class UserProfiles {

    record Profile(String userId, String displayName, Instant registeredAt) {
    }

    private final JdbcClient jdbc;

    UserProfiles(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @EventHandler
    void on(UserRegistered event, @Timestamp Instant at) {
        jdbc.sql("INSERT INTO user_profile (user_id, display_name, registered_at) VALUES (:id, :name, :at) "
                        + "ON CONFLICT (user_id) DO NOTHING")
                .param("id", event.userId()).param("name", event.displayName())
                .param("at", OffsetDateTime.ofInstant(at, ZoneOffset.UTC))
                .update();
    }

    @GetMapping("/api/users/{userId}")
    ResponseEntity<Profile> profile(@PathVariable String userId) {
        Optional<Profile> profile = jdbc.sql("SELECT user_id, display_name, registered_at FROM user_profile WHERE user_id = :id")
                .param("id", userId)
                .query((rs, row) -> new Profile(rs.getString(1), rs.getString(2),
                        rs.getObject(3, OffsetDateTime.class).toInstant()))
                .optional();
        return ResponseEntity.ok(profile.orElseThrow(() -> ProblemException.notFound("No user " + userId)));
    }
}
