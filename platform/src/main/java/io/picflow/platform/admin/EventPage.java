package io.picflow.platform.admin;

import java.util.List;

/**
 * A page of the event browser, in the shape every picflow list answers with: the items, the 0-based
 * {@code page}, the page {@code size} and the {@code total} number of matching events.
 */
public record EventPage(List<EventView> items, int page, int size, long total) {
}
