using System.Net;

namespace Nattt.Tunnel;

/// <summary>A destination given by configuration: a name, its tunnel path, and optionally a fixed stand-in.</summary>
public sealed record StaticMapping(string Name, TunnelPath Path, IPAddress? StandIn)
{
    /// <summary>Parses <c>[NAME=]HOP[:PORT],...,DEST[@STANDIN]</c>, e.g. <c>web=203.0.113.1:100,10.0.0.2</c>: every
    /// element but the last is a hop (outermost first; port 100 when omitted), the last is the destination host.</summary>
    public static bool TryParse(string text, out StaticMapping? mapping, out string error)
    {
        mapping = null;
        error = "";
        var name = "";
        var eq = text.IndexOf('=');
        if (eq >= 0) { name = text[..eq].Trim(); text = text[(eq + 1)..]; }
        IPAddress? standIn = null;
        var at = text.LastIndexOf('@');
        if (at >= 0)
        {
            if (!IPAddress.TryParse(text[(at + 1)..], out standIn)) { error = $"'{text[(at + 1)..]}' is not a stand-in address"; return false; }
            text = text[..at];
        }
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2) { error = $"'{text}': give at least one hop and the destination, e.g. 203.0.113.1:100,10.0.0.2"; return false; }
        var hops = new List<IPEndPoint>();
        foreach (var hop in parts[..^1])
        {
            if (IPAddress.TryParse(hop, out var bare)) hops.Add(new IPEndPoint(bare, Encapsulation.DefaultPort));
            else if (IPEndPoint.TryParse(hop, out var ep) && ep.Port != 0) hops.Add(ep);
            else { error = $"'{hop}' is not a hop (ADDRESS or ADDRESS:PORT, [IPv6]:PORT)"; return false; }
        }
        if (!IPAddress.TryParse(parts[^1], out var destination)) { error = $"'{parts[^1]}' is not a destination address"; return false; }
        var path = new TunnelPath(hops, destination);
        mapping = new StaticMapping(name.Length > 0 ? name : path.ToString(), path, standIn);
        return true;
    }
}

/// <summary>Options of <c>nattt client</c>.</summary>
public sealed record ClientOptions
{
    /// <summary>Destinations given by configuration. Defaults to none (DNS adds them as names are looked up).</summary>
    public IReadOnlyList<StaticMapping> Mappings { get; init; } = [];

    /// <summary>The stand-in pool routed to the TUN device. Defaults to 198.18.0.0/15 (RFC 2544's benchmarking range,
    /// as fake-IP systems use): never routed on the Internet, not loopback, so applications treat it as remote.</summary>
    public IPNetwork Pool { get; init; } = IPNetwork.Parse("198.18.0.0/15");

    /// <summary>The IPv6 stand-in pool. Defaults to fd6e:6174:7474::/64 (a ULA /64, docs/encapsulation.md section 7).</summary>
    public IPNetwork Pool6 { get; init; } = StandInTable.DefaultPool6;

    /// <summary>The client's TUN device. Defaults to "nattt0".</summary>
    public string TunName { get; init; } = "nattt0";

    /// <summary>The TUN MTU. Defaults to 1400: room for three IPv4 nesting levels inside a 1500-byte path.</summary>
    public int TunMtu { get; init; } = 1400;

    /// <summary>The local UDP port of the tunnel socket. Defaults to 0 (an ephemeral port).</summary>
    public int LocalPort { get; init; }

    /// <summary>How often an empty datagram goes to each active first hop, so that a legacy NAT in front of the client
    /// keeps its mapping. Defaults to 25 s (below the 30 s some NATs use). 0 disables.</summary>
    public TimeSpan Keepalive { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>How long a mapping learnt from DNS stays after its TTL while unused. Defaults to 300 s.</summary>
    public TimeSpan MappingIdle { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>The control socket for <c>nattt status</c>. Defaults to /run/nattt/client.sock.</summary>
    public string ControlSocket { get; init; } = "/run/nattt/client.sock";

    /// <summary>How the tunnel socket moves datagrams. Defaults to <see cref="Platform.Linux.UdpBatchMode.Auto"/>
    /// (recvmmsg/sendmmsg where the kernel has them, else one datagram per call); <c>--no-batching</c> forces plain.</summary>
    public Platform.Linux.UdpBatchMode UdpBatching { get; init; } = Platform.Linux.UdpBatchMode.Auto;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (TunName.Length is 0 or > 15) problems.Add($"--tun '{TunName}' must be 1 to 15 characters");
        if (TunMtu is < 576 or > 65535) problems.Add($"--tun-mtu {TunMtu} must be between 576 and 65535");
        if (Pool.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || Pool.PrefixLength > 30)
            problems.Add($"--pool {Pool} must be an IPv4 prefix of length 30 or shorter");
        if (Pool6.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 || Pool6.PrefixLength is < 64 or > 120)
            problems.Add($"--pool6 {Pool6} must be an IPv6 prefix of length 64 to 120");
        if (LocalPort is < 0 or > 65535) problems.Add($"--port {LocalPort} must be 0 to 65535");
        foreach (var m in Mappings)
            if (m.StandIn is not null && !Pool.Contains(m.StandIn) && !Pool6.Contains(m.StandIn))
                problems.Add($"stand-in {m.StandIn} of {m.Name} is outside the pools {Pool} and {Pool6}");
        return problems;
    }
}
