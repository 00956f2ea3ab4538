using Nattt.Packets;

namespace Nattt.Tunnel;

/// <summary>
/// A stand-in address handed to applications for one <see cref="TunnelPath"/>. Mutable fields are guarded by the
/// owning <see cref="StandInTable"/>'s lock.
/// </summary>
public sealed class StandInMapping
{
    public required IpAddressValue StandIn { get; init; }
    public required TunnelPath Path { get; init; }
    public required string Name { get; init; }
    /// <summary>The path's hops and destination as packet-layer values (no allocation on the data path).</summary>
    public required IpAddressValue[] HopAddresses { get; init; }
    public required ushort[] HopPorts { get; init; }
    public required IpAddressValue Destination { get; init; }
    /// <summary>True for mappings from configuration: they never expire.</summary>
    public required bool Static { get; init; }
    public required long CreatedTicks { get; init; }
    /// <summary>The DNS records' validity; after it (and idle time) the mapping may go.</summary>
    public long ValidUntilTicks { get; set; }
    public long LastUsedTicks { get; set; }
    public long PacketsOut { get; set; }
    public long BytesOut { get; set; }
    public long PacketsIn { get; set; }
    public long BytesIn { get; set; }
}

/// <summary>What the diagnosis tool shows of a mapping.</summary>
public sealed record StandInSnapshot(
    string Name, string StandIn, string Path, IReadOnlyList<string> Hops, string Destination, bool Static,
    double AgeSeconds, double IdleSeconds, double? ValidForSeconds, long PacketsOut, long BytesOut, long PacketsIn, long BytesIn);
