using System.Globalization;
using System.Text;
using Nattt.Platform.Linux;

namespace Nattt.Diagnostics;

/// <summary>
/// Renders a tunnel engine's counters as Prometheus text (exposition format 0.0.4). The source is the same
/// <see cref="Tunnel.TunnelCounters.Snapshot"/> dictionary that <c>nattt status</c> prints, so the two never disagree:
/// its keys are mapped to metric families here (tunnel_packets_in becomes nattt_tunnel_packets_total{direction="in"},
/// drop_table_full becomes nattt_drops_total{reason="table_full"}, malformed_truncated becomes
/// nattt_malformed_total{reason="truncated"}). Every family carries a role label (box or client).
/// </summary>
public static class TunnelMetrics
{
    public static string Render(string role, long flows, IReadOnlyDictionary<string, long> counters, UdpBatchCounters? socket)
    {
        var text = new StringBuilder(4096);
        var roleLabel = $"role=\"{role}\"";
        Family(text, "nattt_flows", "gauge", "Live flows (box) or stand-in mappings (client).");
        Sample(text, "nattt_flows", roleLabel, flows);

        Family(text, "nattt_tunnel_packets_total", "counter", "Tunnel datagrams by direction (in: received from the tunnel, out: sent into it).");
        Sample(text, "nattt_tunnel_packets_total", roleLabel + ",direction=\"in\"", Get(counters, "tunnel_packets_in"));
        Sample(text, "nattt_tunnel_packets_total", roleLabel + ",direction=\"out\"", Get(counters, "tunnel_packets_out"));
        Family(text, "nattt_tunnel_bytes_total", "counter", "Bytes of tunnel payloads by direction.");
        Sample(text, "nattt_tunnel_bytes_total", roleLabel + ",direction=\"in\"", Get(counters, "tunnel_bytes_in"));
        Sample(text, "nattt_tunnel_bytes_total", roleLabel + ",direction=\"out\"", Get(counters, "tunnel_bytes_out"));
        Family(text, "nattt_keepalives_total", "counter", "Empty keepalive datagrams received.");
        Sample(text, "nattt_keepalives_total", roleLabel, Get(counters, "keepalives"));
        Family(text, "nattt_flows_created_total", "counter", "Flows created.");
        Sample(text, "nattt_flows_created_total", roleLabel, Get(counters, "flows_created"));
        Family(text, "nattt_flows_expired_total", "counter", "Flows removed after their idle timeout.");
        Sample(text, "nattt_flows_expired_total", roleLabel, Get(counters, "flows_expired"));

        Family(text, "nattt_drops_total", "counter", "Packets dropped by the tunnel data plane, by reason.");
        foreach (var (key, value) in counters.Where(c => c.Key.StartsWith("drop_", StringComparison.Ordinal)).OrderBy(c => c.Key, StringComparer.Ordinal))
            Sample(text, "nattt_drops_total", $"{roleLabel},reason=\"{key["drop_".Length..]}\"", value);
        Family(text, "nattt_malformed_total", "counter", "Packets that failed to parse, by the packet layer's reason (a subset of reason=\"malformed\" drops).");
        foreach (var (key, value) in counters.Where(c => c.Key.StartsWith("malformed_", StringComparison.Ordinal)).OrderBy(c => c.Key, StringComparer.Ordinal))
            Sample(text, "nattt_malformed_total", $"{roleLabel},reason=\"{key["malformed_".Length..]}\"", value);

        if (socket is not null)
        {
            Family(text, "nattt_socket_drops_total", "counter", "Datagrams the tunnel socket dropped or skipped, by reason.");
            Sample(text, "nattt_socket_drops_total", roleLabel + ",reason=\"truncated\"", socket.Truncated);
            Sample(text, "nattt_socket_drops_total", roleLabel + ",reason=\"send_failed\"", socket.SendFailures);
            Sample(text, "nattt_socket_drops_total", roleLabel + ",reason=\"receive_error\"", socket.ReceiveErrors);
        }
        return text.ToString();
    }

    private static long Get(IReadOnlyDictionary<string, long> counters, string key) => counters.TryGetValue(key, out var v) ? v : 0;

    private static void Family(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder text, string name, string labels, long value) =>
        text.Append(name).Append('{').Append(labels).Append("} ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
}
