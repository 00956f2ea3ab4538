namespace Nattt.Packets;

/// <summary>
/// The five-tuple of a flow as seen in one packet. For ICMP/ICMPv6 echo both ports hold the echo identifier; for other
/// ICMP both are 0. Immutable; equality and hashing are allocation-free, so it can key a dictionary on the packet path.
/// </summary>
public readonly record struct FlowTuple(
    IpProtocol Protocol,
    IpAddressValue Source,
    ushort SourcePort,
    IpAddressValue Destination,
    ushort DestinationPort)
{
    /// <summary>The tuple of the reply direction: source and destination swapped.</summary>
    public FlowTuple Reverse() => new(Protocol, Destination, DestinationPort, Source, SourcePort);

    /// <summary>One xxHash pass (seeded per process, so flow tables keyed on tuples chosen by the network resist hash
    /// flooding) over every field; cheaper than the generated combination of per-field hashes. Allocation-free.</summary>
    public override int GetHashCode() => HashCode.Combine(
        Source.High, Source.Low, Destination.High, Destination.Low,
        (uint)SourcePort << 16 | DestinationPort,
        (int)Protocol | (Source.IsIPv6 ? 0x100 : 0) | (Destination.IsIPv6 ? 0x200 : 0));

    /// <summary>Presentation form, e.g. <c>Udp 192.0.2.1:5000 -> 198.51.100.2:53</c> (IPv6 in brackets).</summary>
    public override string ToString() =>
        $"{Protocol} {Format(Source, SourcePort)} -> {Format(Destination, DestinationPort)}";

    private static string Format(IpAddressValue address, ushort port) =>
        address.IsIPv4 ? $"{address}:{port}" : $"[{address}]:{port}";
}
