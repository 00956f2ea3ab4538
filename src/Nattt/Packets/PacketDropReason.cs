namespace Nattt.Packets;

/// <summary>
/// Why a packet was not accepted. Each value is a distinct counter in <see cref="PacketDropCounters"/>; docs/packets.md
/// has the table of what triggers which. Values are appended, never renumbered, so counters stay comparable.
/// </summary>
public enum PacketDropReason
{
    /// <summary>Not dropped.</summary>
    None = 0,

    /// <summary>The buffer ends before the IP header, or before the length the IP header announces.</summary>
    Truncated,

    /// <summary>The IP version nibble is neither 4 nor 6.</summary>
    UnsupportedVersion,

    /// <summary>IPv4 IHL below 5 (20 bytes).</summary>
    BadHeaderLength,

    /// <summary>IPv4 Total Length smaller than the header it contains.</summary>
    LengthMismatch,

    /// <summary>A fragment other than the first: it carries no transport header, so no ports to map.</summary>
    NonFirstFragment,

    /// <summary>A transport protocol other than TCP, UDP, ICMP (IPv4) or ICMPv6 (IPv6), including ESP/AH and No Next
    /// Header.</summary>
    UnsupportedProtocol,

    /// <summary>The transport header does not fit in the packet, or its own length field is inconsistent (TCP data
    /// offset, UDP length, ICMP shorter than 8 bytes).</summary>
    BadTransportHeader,

    /// <summary>The IPv4 header checksum does not verify.</summary>
    BadHeaderChecksum,

    /// <summary>An IPv6 extension header overruns the packet, a hop-by-hop header is not first, or the chain is longer
    /// than the limit (8).</summary>
    BadExtensionHeader,

    /// <summary>An IPv6 routing header with segments left: the transport checksum then covers the final destination,
    /// not the Destination field, so rewriting it in place would be wrong.</summary>
    UnsupportedExtensionHeader,

    /// <summary><see cref="IpPacket.TryGetEmbedded"/> on a packet that is not an ICMP error.</summary>
    NotIcmpError,

    /// <summary>The packet quoted in an ICMP error is unusable: truncated below its header plus 8 bytes, of the other IP
    /// family, a non-first fragment, or malformed in any way the reasons above describe.</summary>
    BadEmbeddedPacket,

    /// <summary><see cref="IpPacket.TryGetEmbedded"/> on a packet that is itself the view of an embedded packet.</summary>
    NestedIcmpError,

    /// <summary>The hop limit (IPv4 TTL) would reach zero; see <see cref="IpPacket.DecrementHopLimit"/>.</summary>
    HopLimitExceeded,
}
