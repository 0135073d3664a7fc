package io.picflow.command.notifications;

import java.util.List;

/** A preferences document for the SMS tests: FAVORITED by SMS (and in-app), nothing else by SMS or email. */
final class SmsPreferences {

    private SmsPreferences() {
    }

    static String favoritedBySms(String zone) {
        return favoritedBySms(zone, "null");
    }

    /** {@code quietHours}: the document's JSON for them, or {@code null}. */
    static String favoritedBySms(String zone, String quietHours) {
        StringBuilder triggers = new StringBuilder();
        for (String trigger : List.of("FAVORITED", "MUTUAL_FAVORITE", "IMAGE_FAVORITED", "DOWNLOAD_COMPLETED", "DOWNLOAD_FAILED")) {
            triggers.append(triggers.isEmpty() ? "" : ",").append("\"").append(trigger).append("\":{\"in_app\":true,\"email\":false,\"sms\":")
                    .append(trigger.equals("FAVORITED")).append(",\"push\":false}");
        }
        String channels = "{\"in_app\":{\"enabled\":true},\"email\":{\"enabled\":true,\"digest\":\"off\",\"digestAt\":\"08:00\"},"
                + "\"sms\":{\"enabled\":true,\"digest\":\"off\",\"digestAt\":\"08:00\"},"
                + "\"push\":{\"enabled\":true,\"digest\":\"off\",\"digestAt\":\"08:00\"}}";
        return "{\"timeZone\":\"" + zone + "\",\"quietHours\":" + quietHours + ",\"channels\":" + channels + ",\"triggers\":{" + triggers + "}}";
    }
}
