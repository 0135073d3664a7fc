package io.picflow.platform.wakeups;

/** The LISTEN/NOTIFY channels picflow uses (WakeUpListener, WakeUpNotifier). */
public final class WakeUpChannels {

    /** Events were appended to the event store. */
    public static final String EVENTS = "picflow_events";
    /** Frames were appended to the live feed ({@code live_feed}). */
    public static final String LIVE_FEED = "picflow_live_feed";

    private WakeUpChannels() {
    }
}
