namespace Nattt.Tunnel;

/// <summary>Why the tunnel data plane dropped a packet. Each value has an always-on counter.</summary>
public enum TunnelDropReason
{
    None = 0,
    /// <summary>The packet (inner or from TUN) failed to parse; the packet layer's own reason is counted too.</summary>
    Malformed,
    /// <summary>A new flow to a host, protocol or port the box does not publish.</summary>
    NotPublished,
    /// <summary>The flow table holds its total limit of flows.</summary>
    TableFull,
    /// <summary>The outer source address holds its per-source limit of flows.</summary>
    SourceLimit,
    /// <summary>No free translated port for a new flow.</summary>
    PortsExhausted,
    /// <summary>A packet from the private network that belongs to no tunnel flow.</summary>
    NoFlow,
    /// <summary>Inner and outer address families differ where a translation needs them equal.</summary>
    FamilyMismatch,
    /// <summary>A packet from the application to an address that is not a mapped stand-in.</summary>
    NoMapping,
    /// <summary>A tunnel packet from an endpoint that is not a hop of any mapping (client side).</summary>
    UnknownPeer,
    /// <summary>An ICMP error or other packet type not forwarded in this direction.</summary>
    Unsupported,
    /// <summary>The packet does not fit in the buffer after encapsulation.</summary>
    TooBig,
    /// <summary>The kernel refused a write to the TUN device or the socket.</summary>
    WriteFailed,
}

/// <summary>Always-on counters of a tunnel engine. Thread-safe (Interlocked).</summary>
public sealed class TunnelCounters
{
    private readonly long[] _drops = new long[Enum.GetValues<TunnelDropReason>().Length];
    private readonly long[] _packetDrops = new long[Enum.GetValues<Packets.PacketDropReason>().Length];
    private long _tunnelPacketsIn, _tunnelBytesIn, _tunnelPacketsOut, _tunnelBytesOut, _keepalives, _flowsCreated, _flowsExpired;
    private long _icmpErrorsRelayed;

    public void Drop(TunnelDropReason reason) => Interlocked.Increment(ref _drops[(int)reason]);
    public void Malformed(Packets.PacketDropReason reason)
    {
        Interlocked.Increment(ref _drops[(int)TunnelDropReason.Malformed]);
        Interlocked.Increment(ref _packetDrops[(int)reason]);
    }
    public void TunnelIn(int bytes) { Interlocked.Increment(ref _tunnelPacketsIn); Interlocked.Add(ref _tunnelBytesIn, bytes); }
    public void TunnelOut(int bytes) { Interlocked.Increment(ref _tunnelPacketsOut); Interlocked.Add(ref _tunnelBytesOut, bytes); }
    public void Keepalive() => Interlocked.Increment(ref _keepalives);
    public void FlowCreated() => Interlocked.Increment(ref _flowsCreated);
    public void FlowsExpired(int n) => Interlocked.Add(ref _flowsExpired, n);
    /// <summary>An ICMP error about a tunnel flow, translated and passed on.</summary>
    public void IcmpErrorRelayed() => Interlocked.Increment(ref _icmpErrorsRelayed);

    public long Drops(TunnelDropReason reason) => Interlocked.Read(ref _drops[(int)reason]);

    /// <summary>A point-in-time copy for status output and metrics.</summary>
    public Dictionary<string, long> Snapshot()
    {
        var d = new Dictionary<string, long>
        {
            ["tunnel_packets_in"] = Interlocked.Read(ref _tunnelPacketsIn),
            ["tunnel_bytes_in"] = Interlocked.Read(ref _tunnelBytesIn),
            ["tunnel_packets_out"] = Interlocked.Read(ref _tunnelPacketsOut),
            ["tunnel_bytes_out"] = Interlocked.Read(ref _tunnelBytesOut),
            ["keepalives"] = Interlocked.Read(ref _keepalives),
            ["flows_created"] = Interlocked.Read(ref _flowsCreated),
            ["flows_expired"] = Interlocked.Read(ref _flowsExpired),
            ["icmp_errors_relayed"] = Interlocked.Read(ref _icmpErrorsRelayed),
        };
        foreach (var r in Enum.GetValues<TunnelDropReason>())
            if (r != TunnelDropReason.None) d["drop_" + ToSnake(r.ToString())] = Interlocked.Read(ref _drops[(int)r]);
        foreach (var r in Enum.GetValues<Packets.PacketDropReason>())
            if (r != Packets.PacketDropReason.None && Interlocked.Read(ref _packetDrops[(int)r]) is var n && n > 0)
                d["malformed_" + ToSnake(r.ToString())] = n;
        return d;
    }

    private static string ToSnake(string s) =>
        string.Concat(s.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
