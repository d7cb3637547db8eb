package org.reachwatch.detector;

import java.util.Map;

import org.reachwatch.detector.lifecycle.TrackerKey;
import org.reachwatch.detector.lifecycle.TrackerState;

/** The trackers as a restart finds them: each written to and read back from the trackers store's serde. */
public final class StoredStates {
    private StoredStates() {
    }

    public static void roundTrip(Map<TrackerKey, TrackerState> states) {
        var serde = JsonSerde.of(TrackerState.class);
        states.replaceAll((key, st) -> serde.deserializer().deserialize("trackers",
                serde.serializer().serialize("trackers", st)));
    }
}
