package io.picflow.command.support;

import io.picflow.events.EncryptedText;
import io.picflow.platform.privacy.PersonalData;
import io.picflow.platform.privacy.PersonalTextCipher;
import io.picflow.platform.privacy.UserKeySource;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.axonframework.eventhandling.EventMessage;
import org.hamcrest.Description;
import org.hamcrest.Matcher;
import org.hamcrest.TypeSafeMatcher;

/**
 * Personal text for aggregate fixtures, which run without a database: users' keys in memory, and event
 * expectations compared with every {@link EncryptedText} opened (a sealed text is different each time it is
 * sealed, by design).
 */
public final class SealedTexts {

    private final Map<String, byte[]> keys = new ConcurrentHashMap<>();
    private final PersonalData personalData = new PersonalData(new UserKeySource() {
        @Override
        public byte[] getOrCreate(String userId) {
            return keys.computeIfAbsent(userId, id -> PersonalTextCipher.newKey());
        }

        @Override
        public Optional<byte[]> find(String userId) {
            return Optional.ofNullable(keys.get(userId));
        }
    });

    /** The service as aggregates get it (register it with {@code fixture.registerInjectableResource}). */
    public PersonalData personalData() {
        return personalData;
    }

    public EncryptedText seal(String ownerId, String text) {
        return personalData.seal(ownerId, text);
    }

    public EncryptedText sealAbout(String authorId, String subjectId, String text) {
        return personalData.sealAbout(authorId, subjectId, text);
    }

    /** Forgets the user's key, as an erasure does. */
    public void erase(String userId) {
        keys.remove(userId);
    }

    /** Exactly these events, in order, comparing encrypted texts by what they open to. */
    public Matcher<List<EventMessage<?>>> exactly(Object... expected) {
        List<String> wanted = new ArrayList<>();
        for (Object event : expected) {
            wanted.add(opened(event));
        }
        return new TypeSafeMatcher<>() {
            @Override
            protected boolean matchesSafely(List<EventMessage<?>> events) {
                return events.stream().map(event -> opened(event.getPayload())).toList().equals(wanted);
            }

            @Override
            public void describeTo(Description description) {
                description.appendValue(wanted);
            }

            @Override
            protected void describeMismatchSafely(List<EventMessage<?>> events, Description description) {
                description.appendText("was ").appendValue(events.stream().map(event -> opened(event.getPayload())).toList());
            }
        };
    }

    /**
     * The record as text, its encrypted components opened: a text about another user with the keys of its
     * {@code actorId} and {@code targetId}, any other with the key of its {@code userId} or {@code actorId}.
     */
    private String opened(Object event) {
        if (!event.getClass().isRecord()) {
            return event.toString();
        }
        String owner = component(event, "userId").or(() -> component(event, "actorId")).map(String::valueOf).orElse(null);
        String subject = component(event, "targetId").map(String::valueOf).orElse(null);
        StringBuilder text = new StringBuilder(event.getClass().getSimpleName()).append('[');
        for (RecordComponent part : event.getClass().getRecordComponents()) {
            Object value = value(event, part);
            if (value instanceof EncryptedText sealed) {
                Optional<String> plain = subject == null ? personalData.open(owner, sealed) : personalData.openAbout(owner, subject, sealed);
                value = "sealed(" + plain.orElse("<unreadable>") + ")";
            }
            text.append(part.getName()).append('=').append(value).append(", ");
        }
        return text.append(']').toString();
    }

    private static Optional<Object> component(Object record, String name) {
        for (RecordComponent part : record.getClass().getRecordComponents()) {
            if (part.getName().equals(name)) {
                return Optional.ofNullable(value(record, part));
            }
        }
        return Optional.empty();
    }

    private static Object value(Object record, RecordComponent part) {
        try {
            return part.getAccessor().invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
