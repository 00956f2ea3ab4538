using System.Net;
using System.Net.Sockets;

namespace Nattt.Turn.Policy;

/// <summary>Why a peer address is refused (also the label of the denial counter).</summary>
public enum TurnPeerDenial : byte
{
    None = 0,
    Unspecified,
    Loopback,
    /// <summary>RFC 1918 (10/8, 172.16/12, 192.168/16).</summary>
    Private,
    /// <summary>RFC 6598 shared address space (CGNAT), 100.64/10.</summary>
    SharedAddressSpace,
    /// <summary>169.254/16 (and with it the 169.254.169.254 cloud metadata service), fe80::/10.</summary>
    LinkLocal,
    Multicast,
    /// <summary>Reserved, benchmarking, IETF protocol assignments, broadcast, discard-only.</summary>
    Reserved,
    /// <summary>192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32 (refused unless documentation peers are allowed).</summary>
    Documentation,
    /// <summary>fc00::/7 (and deprecated site-local fec0::/10).</summary>
    UniqueLocal,
    /// <summary>::ffff:0:0/96 and ::/96: IPv4 addresses in IPv6 clothes, a classic way around IPv4 deny lists.</summary>
    Ipv4Embedded,
    /// <summary>Listed by the operator (denied-peer-ip / --deny-peer).</summary>
    OperatorDenied,
}

/// <summary>
/// Which peer addresses a TURN relay may send to. A TURN server is an open proxy for its users: without this, any
/// user can reach the server's own loopback services, the private network behind it and the cloud metadata service
/// (169.254.169.254) that hands out credentials. So everything that is not globally routable is refused by default.
/// Order: an operator allow range wins (coturn's allowed-peer-ip semantics), then operator deny ranges, then the
/// built-in deny list. Immutable and thread-safe.
/// </summary>
public sealed class TurnPeerPolicy
{
    private static readonly (IPNetwork Network, TurnPeerDenial Reason)[] BuiltIn =
    [
        (IPNetwork.Parse("0.0.0.0/8"), TurnPeerDenial.Unspecified),
        (IPNetwork.Parse("127.0.0.0/8"), TurnPeerDenial.Loopback),
        (IPNetwork.Parse("10.0.0.0/8"), TurnPeerDenial.Private),
        (IPNetwork.Parse("172.16.0.0/12"), TurnPeerDenial.Private),
        (IPNetwork.Parse("192.168.0.0/16"), TurnPeerDenial.Private),
        (IPNetwork.Parse("100.64.0.0/10"), TurnPeerDenial.SharedAddressSpace),
        (IPNetwork.Parse("169.254.0.0/16"), TurnPeerDenial.LinkLocal),
        (IPNetwork.Parse("192.0.0.0/24"), TurnPeerDenial.Reserved),
        (IPNetwork.Parse("198.18.0.0/15"), TurnPeerDenial.Reserved),
        (IPNetwork.Parse("224.0.0.0/4"), TurnPeerDenial.Multicast),
        (IPNetwork.Parse("240.0.0.0/4"), TurnPeerDenial.Reserved),
        (IPNetwork.Parse("192.0.2.0/24"), TurnPeerDenial.Documentation),
        (IPNetwork.Parse("198.51.100.0/24"), TurnPeerDenial.Documentation),
        (IPNetwork.Parse("203.0.113.0/24"), TurnPeerDenial.Documentation),
        (IPNetwork.Parse("::/128"), TurnPeerDenial.Unspecified),
        (IPNetwork.Parse("::1/128"), TurnPeerDenial.Loopback),
        (IPNetwork.Parse("::ffff:0:0/96"), TurnPeerDenial.Ipv4Embedded),
        (IPNetwork.Parse("::/96"), TurnPeerDenial.Ipv4Embedded),
        (IPNetwork.Parse("64:ff9b:1::/48"), TurnPeerDenial.Reserved),
        (IPNetwork.Parse("100::/64"), TurnPeerDenial.Reserved),
        (IPNetwork.Parse("fc00::/7"), TurnPeerDenial.UniqueLocal),
        (IPNetwork.Parse("fec0::/10"), TurnPeerDenial.UniqueLocal),
        (IPNetwork.Parse("fe80::/10"), TurnPeerDenial.LinkLocal),
        (IPNetwork.Parse("ff00::/8"), TurnPeerDenial.Multicast),
        (IPNetwork.Parse("2001:db8::/32"), TurnPeerDenial.Documentation),
    ];

    private readonly IPNetwork[] _allowed;
    private readonly IPNetwork[] _denied;
    private readonly bool _allowDocumentation;

    /// <param name="allowed">Operator allow ranges: relayed even if a deny rule matches.</param>
    /// <param name="denied">Operator deny ranges, on top of the built-in list.</param>
    /// <param name="allowDocumentation">Relay to the documentation ranges (labs and tests only).</param>
    public TurnPeerPolicy(IEnumerable<IPNetwork>? allowed = null, IEnumerable<IPNetwork>? denied = null, bool allowDocumentation = false)
    {
        _allowed = allowed?.ToArray() ?? [];
        _denied = denied?.ToArray() ?? [];
        _allowDocumentation = allowDocumentation;
    }

    /// <summary>The default policy: every built-in deny rule, no operator ranges.</summary>
    public static TurnPeerPolicy Default { get; } = new();

    /// <summary>The built-in deny list, for documentation and `--help`.</summary>
    public static IEnumerable<(IPNetwork Network, TurnPeerDenial Reason)> BuiltInDenials => BuiltIn;

    /// <summary><see cref="TurnPeerDenial.None"/> if relaying to <paramref name="address"/> is allowed.</summary>
    public TurnPeerDenial Check(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0)
            address = new IPAddress(address.GetAddressBytes()); // a zone does not change what the address is
        // IPNetwork.Contains sees ::ffff:a.b.c.d as a.b.c.d; a relay socket of the IPv6 family would still send to it
        // through the IPv4 stack, so v4-mapped peers are refused outright.
        if (address.IsIPv4MappedToIPv6) return TurnPeerDenial.Ipv4Embedded;
        foreach (var n in _allowed) if (n.Contains(address)) return TurnPeerDenial.None;
        foreach (var n in _denied) if (n.Contains(address)) return TurnPeerDenial.OperatorDenied;
        foreach (var (n, reason) in BuiltIn)
        {
            if (!n.Contains(address)) continue;
            if (reason == TurnPeerDenial.Documentation && _allowDocumentation) continue;
            return reason;
        }
        return TurnPeerDenial.None;
    }
}
