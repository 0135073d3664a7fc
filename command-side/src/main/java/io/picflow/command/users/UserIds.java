package io.picflow.command.users;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Aggregate identifiers of the social contexts. User ids are token subjects of up to 255 characters,
 * and a pair of them does not fit the event store's 255-character identifier: identifiers are a type
 * prefix and a SHA-256 of the ids instead (events carry the ids themselves in clear).
 */
public final class UserIds {

    private UserIds() {
    }

    public static String user(String userId) {
        return "user-" + sha256(userId);
    }

    /** The same for (a, b) and (b, a). */
    public static String pair(String a, String b) {
        return a.compareTo(b) <= 0 ? "pair-" + sha256(joined(a, b)) : "pair-" + sha256(joined(b, a));
    }

    public static String imageFavorite(String userId, String imageId) {
        return "imagefav-" + sha256(joined(userId, imageId));
    }

    /** The notification that {@code sourceEventId} gives {@code recipientId}: at most one per source event and recipient. */
    public static String notification(String sourceEventId, String recipientId) {
        return "notif-" + sha256(joined(sourceEventId, recipientId));
    }

    /** A user's notification settings: their preferences, and where their inbox was last read up to. */
    public static String notificationSettings(String userId) {
        return "notifset-" + sha256(userId);
    }

    /** Length-prefixed, so that no choice of ids (a subject may contain any character) makes two pairs collide. */
    private static String joined(String first, String second) {
        return first.length() + ":" + first + second.length() + ":" + second;
    }

    /** The SHA-256 of the text's UTF-8, in hex: the hash the derived ids use (also an email's Message-ID). */
    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
