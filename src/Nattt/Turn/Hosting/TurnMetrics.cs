using System.Globalization;
using System.Text;
using Nattt.Turn.Policy;
using Nattt.Turn.Server;

namespace Nattt.Turn.Hosting;

/// <summary>The TURN server's counters in the Prometheus text exposition format (version 0.0.4).</summary>
public static class TurnMetrics
{
    public static string Render(TurnServerCounters c, int activeAllocations)
    {
        var b = new StringBuilder(4096);
        Gauge(b, "nattt_turn_allocations", "Allocations alive now.", activeAllocations);
        Counter(b, "nattt_turn_allocations_created_total", "Allocations created.", c.AllocationsCreated);
        Counter(b, "nattt_turn_allocations_expired_total", "Allocations that expired without refresh.", c.AllocationsExpired);
        Counter(b, "nattt_turn_allocations_deleted_total", "Allocations deleted by the client (Refresh 0 or connection closed).", c.AllocationsDeleted);
        Counter(b, "nattt_turn_permissions_created_total", "Permissions installed.", c.PermissionsCreated);
        Counter(b, "nattt_turn_channels_bound_total", "Channel bindings made.", c.ChannelsBound);
        Counter(b, "nattt_turn_requests_total", "STUN/TURN requests received.", c.Requests);
        Header(b, "nattt_turn_relayed_packets_total", "Packets relayed, by direction.", "counter");
        Line(b, "nattt_turn_relayed_packets_total{direction=\"to_peer\"}", c.PacketsToPeer);
        Line(b, "nattt_turn_relayed_packets_total{direction=\"to_client\"}", c.PacketsToClient);
        Header(b, "nattt_turn_relayed_bytes_total", "Application bytes relayed, by direction.", "counter");
        Line(b, "nattt_turn_relayed_bytes_total{direction=\"to_peer\"}", c.BytesToPeer);
        Line(b, "nattt_turn_relayed_bytes_total{direction=\"to_client\"}", c.BytesToClient);
        Header(b, "nattt_turn_auth_failures_total", "Requests that failed authentication, by reason (challenge: the normal first 401).", "counter");
        foreach (var r in Enum.GetValues<TurnAuthFailure>())
            Line(b, $"nattt_turn_auth_failures_total{{reason=\"{Snake(r.ToString())}\"}}", c.AuthFailures[(int)r]);
        Header(b, "nattt_turn_drops_total", "Packets dropped, by reason.", "counter");
        foreach (var r in Enum.GetValues<TurnDropReason>())
            Line(b, $"nattt_turn_drops_total{{reason=\"{Snake(r.ToString())}\"}}", Interlocked.Read(ref c.Drops[(int)r]));
        Header(b, "nattt_turn_peer_denied_total", "Permissions, channels and sends refused by the peer address policy, by reason.", "counter");
        foreach (var r in Enum.GetValues<TurnPeerDenial>())
            if (r != TurnPeerDenial.None) Line(b, $"nattt_turn_peer_denied_total{{reason=\"{Snake(r.ToString())}\"}}", c.PeerDenials[(int)r]);
        Header(b, "nattt_turn_error_responses_total", "Error responses sent, by code.", "counter");
        for (int code = 300; code < c.Errors.Length; code++)
            if (c.Errors[code] != 0) Line(b, $"nattt_turn_error_responses_total{{code=\"{code}\"}}", c.Errors[code]);
        return b.ToString();
    }

    private static void Gauge(StringBuilder b, string name, string help, long value) { Header(b, name, help, "gauge"); Line(b, name, value); }
    private static void Counter(StringBuilder b, string name, string help, long value) { Header(b, name, help, "counter"); Line(b, name, value); }
    private static void Header(StringBuilder b, string name, string help, string type) =>
        b.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n').Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    private static void Line(StringBuilder b, string series, long value) =>
        b.Append(series).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

    /// <summary>"NoPermission" to "no_permission".</summary>
    private static string Snake(string name)
    {
        var b = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0 && !char.IsUpper(name[i - 1])) b.Append('_');
            b.Append(char.ToLowerInvariant(name[i]));
        }
        return b.ToString();
    }
}
