using Nattt.Packets;

namespace Nattt.Tunnel;

/// <summary>
/// One flow through a box: who sent it (the outer source endpoint, i.e. the client or its legacy NAT), the inner
/// 5-tuple as the client sent it, and the source the box gave it in the private network (a NAPT mapping).
/// Mutable fields are guarded by the owning <see cref="BoxFlowTable"/>'s lock.
/// </summary>
public sealed class BoxFlow
{
    public required IpAddressValue OuterAddress { get; init; }
    public required ushort OuterPort { get; init; }
    /// <summary>The inner tuple as it arrived in the tunnel.</summary>
    public required FlowTuple Inner { get; init; }
    /// <summary>The inner source after translation (what the private host sees and answers to).</summary>
    public required IpAddressValue TranslatedAddress { get; init; }
    public required ushort TranslatedPort { get; init; }
    public required long CreatedTicks { get; init; }
    public long LastSeenTicks { get; set; }
    public long PacketsIn { get; set; }
    public long BytesIn { get; set; }
    public long PacketsOut { get; set; }
    public long BytesOut { get; set; }
    /// <summary>A TCP FIN or RST was seen: the flow expires after the short closing timeout.</summary>
    public bool Closing { get; set; }

    /// <summary>The tuple of a reply as it arrives from the private network.</summary>
    public FlowTuple LanReplyTuple => BoxFlowTable.ReplyTuple(Inner, TranslatedAddress, TranslatedPort);
}

/// <summary>What the diagnosis tool shows of a flow.</summary>
public sealed record BoxFlowSnapshot(
    string Outer, string Protocol, string InnerSource, string Destination, string TranslatedSource,
    double AgeSeconds, double IdleSeconds, long PacketsIn, long BytesIn, long PacketsOut, long BytesOut);
