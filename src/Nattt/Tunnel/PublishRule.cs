using System.Net;
using Nattt.Packets;

namespace Nattt.Tunnel;

/// <summary>
/// One thing a box publishes: hosts (an address or prefix), a protocol, and a port range.
/// Presentation form: <c>10.0.0.2:tcp/80</c>, <c>10.0.0.0/24:udp/5000-5100</c>, <c>10.0.0.2:icmp</c> (echo),
/// <c>10.0.0.2:any</c>, <c>[fd00::2]:tcp/22</c>. Immutable; thread-safe.
/// </summary>
public sealed record PublishRule(IPNetwork Hosts, IpProtocol? Protocol, ushort FirstPort, ushort LastPort)
{
    /// <summary>True when the rule lets a new flow to <paramref name="destination"/> through.</summary>
    public bool Matches(IPAddress destination, IpProtocol protocol, ushort port)
    {
        if (!Hosts.Contains(destination)) return false;
        if (Protocol is null) return true; // "any"
        var p = protocol == IpProtocol.IcmpV6 ? IpProtocol.Icmp : protocol;
        if (p != Protocol) return false;
        return p == IpProtocol.Icmp || (port >= FirstPort && port <= LastPort);
    }

    public static bool TryParse(string text, out PublishRule? rule, out string error)
    {
        rule = null;
        error = "";
        text = text.Trim();
        string hostPart, rest;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
            {
                error = $"'{text}': an IPv6 host is written [ADDR] or [ADDR/LEN] followed by :PROTO";
                return false;
            }
            hostPart = text[1..close];
            rest = text[(close + 2)..];
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon < 0) { error = $"'{text}': expected HOST:PROTO[/PORTS], e.g. 10.0.0.2:tcp/80"; return false; }
            hostPart = text[..colon];
            rest = text[(colon + 1)..];
        }
        IPNetwork hosts;
        if (hostPart.Contains('/'))
        {
            if (!IPNetwork.TryParse(hostPart, out hosts)) { error = $"'{hostPart}' is not an address prefix"; return false; }
        }
        else if (IPAddress.TryParse(hostPart, out var address))
            hosts = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        else { error = $"'{hostPart}' is not an IP address"; return false; }

        var slash = rest.IndexOf('/');
        var proto = (slash < 0 ? rest : rest[..slash]).ToLowerInvariant();
        var ports = slash < 0 ? null : rest[(slash + 1)..];
        IpProtocol? protocol = proto switch
        {
            "tcp" => IpProtocol.Tcp,
            "udp" => IpProtocol.Udp,
            "icmp" or "ping" => IpProtocol.Icmp,
            "any" => null,
            _ => (IpProtocol)255,
        };
        if (protocol == (IpProtocol)255) { error = $"'{proto}': protocol must be tcp, udp, icmp or any"; return false; }
        ushort first = 0, last = 65535;
        if (protocol is IpProtocol.Tcp or IpProtocol.Udp)
        {
            if (ports is null) { error = $"'{text}': give the ports, e.g. {proto}/80 or {proto}/1-65535"; return false; }
            var dash = ports.IndexOf('-');
            if (!ushort.TryParse(dash < 0 ? ports : ports[..dash], out first) ||
                !ushort.TryParse(dash < 0 ? ports : ports[(dash + 1)..], out last) || first == 0 || last < first)
            {
                error = $"'{ports}' is not a port or a range of ports (1-65535)";
                return false;
            }
        }
        else if (ports is not null) { error = $"'{text}': {proto} takes no ports"; return false; }
        rule = new PublishRule(hosts, protocol, first, last);
        return true;
    }

    public override string ToString()
    {
        var host = Hosts.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Hosts}]" : Hosts.ToString();
        if (Hosts.PrefixLength == (Hosts.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128))
            host = Hosts.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Hosts.BaseAddress}]" : Hosts.BaseAddress.ToString();
        return Protocol switch
        {
            null => $"{host}:any",
            IpProtocol.Icmp => $"{host}:icmp",
            _ => $"{host}:{Protocol.ToString()!.ToLowerInvariant()}/{(FirstPort == LastPort ? $"{FirstPort}" : $"{FirstPort}-{LastPort}")}",
        };
    }
}

/// <summary>The set of published rules. Empty by default: a box publishes nothing until told to. Thread-safe (immutable).</summary>
public sealed class ExposurePolicy(IReadOnlyList<PublishRule> rules)
{
    public IReadOnlyList<PublishRule> Rules { get; } = rules;

    public bool Allows(IPAddress destination, IpProtocol protocol, ushort port)
    {
        foreach (var r in Rules) if (r.Matches(destination, protocol, port)) return true;
        return false;
    }
}
