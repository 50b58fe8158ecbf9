package io.kfrelay.perf;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code kfrelay serve} options the harness adds, decided from what this relay's {@code serve --help} lists
 * (the QUIC listener, the admin server and the per-address limits arrived separately; an older relay has none).
 *
 * <ul>
 *   <li>WebSocket on 127.0.0.1, port 0 (the startup line tells the real one);</li>
 *   <li>QUIC on a free loopback UDP port for {@code --transport quic}, else off (its default port would collide
 *       with other relays on the machine);</li>
 *   <li>the admin server on a free loopback port, for /metrics;</li>
 *   <li>limits meant for one client per address lifted: every load client comes from 127.0.0.1, so per-address
 *       join rates and pending-connection caps would throttle the harness, not protect the relay; per-connection
 *       ingress rates would cap the saturation publisher; the room cap is raised to the plan's largest room.</li>
 * </ul>
 *
 * @param error non-null when the run cannot go ahead (e.g. QUIC asked of a relay without it)
 */
public record ServeArgs(List<String> args, URI quicUrl, URI metricsUrl, List<String> notes, String error) {

    static final int DEFAULT_ROOM_CAP = 1000;

    public static ServeArgs plan(String help, String transport, int largestRoom, int adminPort, int quicPort) {
        List<String> args = new ArrayList<>(List.of("--ws-listen", "127.0.0.1:0"));
        List<String> notes = new ArrayList<>();
        URI quic = null;
        if (transport.equals("quic")) {
            if (!help.contains("--quic-listen")) {
                return new ServeArgs(List.of(), null, null, List.of(),
                        "this relay has no QUIC listener (serve has no --quic-listen option)");
            }
            args.addAll(List.of("--quic-listen", "127.0.0.1:" + quicPort));
            quic = URI.create("quic://127.0.0.1:" + quicPort);
        } else if (help.contains("--quic-listen")) {
            args.addAll(List.of("--quic-listen", "off"));
        }
        URI metrics = null;
        if (help.contains("--admin-listen")) {
            args.addAll(List.of("--admin-listen", "127.0.0.1:" + adminPort));
            metrics = URI.create("http://127.0.0.1:" + adminPort + "/metrics");
        } else {
            notes.add("offheap_cache_bytes is null: this relay has no admin /metrics endpoint (serve has no "
                    + "--admin-listen option); relay_cpu_us_per_egress_packet counts packets delivered to subscribers");
        }
        List<String> lifted = new ArrayList<>();
        for (String limit : List.of("--join-rate-per-address", "--max-pending-per-address", "--ingress-packet-rate",
                "--ingress-byte-rate")) {
            if (help.contains(limit)) {
                args.addAll(List.of(limit, "0"));
                lifted.add(limit + " 0");
            }
        }
        if (help.contains("--max-participants-per-room") && largestRoom > DEFAULT_ROOM_CAP) {
            args.addAll(List.of("--max-participants-per-room", Integer.toString(largestRoom)));
            lifted.add("--max-participants-per-room " + largestRoom);
        }
        if (!lifted.isEmpty()) {
            notes.add("all load clients share one address, so the relay ran with " + String.join(", ", lifted));
        }
        return new ServeArgs(List.copyOf(args), quic, metrics, List.copyOf(notes), null);
    }
}
