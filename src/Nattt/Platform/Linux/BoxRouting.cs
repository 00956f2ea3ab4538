using Microsoft.Extensions.Logging;
using Nattt.Tunnel;

namespace Nattt.Platform.Linux;

/// <summary>
/// The kernel side of a box: the TUN device, and the policy routing that sends replies to it. Packets the box injects
/// through the TUN device get a conntrack mark; replies of those connections arriving from any other interface get
/// the packet mark, and an ip rule routes marked packets to the TUN device. The kernel keeps doing the routing (and
/// its own NAT for everything else); the box only sees its tunnel's packets.
/// Everything is named after the TUN device, so leftovers of a crashed run are found and removed at the next start.
/// </summary>
public sealed class BoxRouting(BoxOptions options, NetworkConfig net, ILogger logger) : IDisposable
{
    private string Table => $"nattt_box_{options.TunName.Replace('-', '_')}";
    private string Mark => $"0x{options.Mark:x}";

    /// <summary>Checks what the box needs from the kernel; returns a one-line reason when it cannot run.</summary>
    public static string? WhyNotReady()
    {
        if (LinuxNative.GetEuid() != 0) return "nattt box needs root (or CAP_NET_ADMIN) to create its TUN device and routing rules";
        if (NetworkConfig.ReadSysctl("net/ipv4/ip_forward") != "1")
            return "IPv4 forwarding is off (net.ipv4.ip_forward=0): a box forwards into its private network, enable it first";
        return null;
    }

    /// <summary>Removes what a previous run may have left (idempotent).</summary>
    public void ClearLeftovers()
    {
        if (net.TryNft("delete", "table", "inet", Table)) logger.LogInformation("removed leftover nft table {Table}", Table);
        foreach (var family in new[] { "-4", "-6" })
        {
            while (net.TryIp(family, "rule", "del", "fwmark", Mark, "lookup", $"{options.RouteTable}")) { }
            net.TryIp(family, "route", "flush", "table", $"{options.RouteTable}");
        }
        if (net.TryIp("link", "del", options.TunName)) logger.LogInformation("removed leftover device {Tun}", options.TunName);
    }

    /// <summary>Configures the TUN device (already created) and the policy routing.</summary>
    public void Install()
    {
        var tun = options.TunName;
        net.Ip("link", "set", tun, "mtu", $"{options.TunMtu}", "up");
        // Packets from the tunnel carry the client's public source, which the reverse path would route elsewhere.
        net.WriteSysctl($"net/ipv4/conf/{tun}/rp_filter", "0");
        // Proxy mode (figure 5): what leaves the TUN device toward the network gets this host's address, so that the
        // destination answers here even though its default route is another router; conntrack undoes the masquerade
        // on the reply, which keeps the connection's mark and is steered back into the TUN device below.
        var selfNat = options.SourceNat == BoxSourceNat.Self
            ? $$"""
              chain postrouting {
                type nat hook postrouting priority srcnat; policy accept;
                iifname "{{tun}}" masquerade
              }
              """
            : "";
        net.Nft($$"""
            table inet {{Table}} {
              chain prerouting {
                type filter hook prerouting priority mangle; policy accept;
                iifname "{{tun}}" ct mark set {{Mark}}
                iifname != "{{tun}}" ct mark {{Mark}} meta mark set {{Mark}}
              }
              # ICMP errors this host's own kernel sends about tunnelled packets (TTL exceeded, fragmentation needed
              # on the way into the network) belong to the tunnelled connection: route them to the TUN device too,
              # or they would go to the client's public address outside the tunnel and match nothing there.
              chain output {
                type route hook output priority mangle; policy accept;
                ct mark {{Mark}} meta mark set {{Mark}}
              }
              {{selfNat}}
            }
            """);
        net.Ip("-4", "rule", "add", "fwmark", Mark, "lookup", $"{options.RouteTable}", "priority", "100");
        net.Ip("-4", "route", "add", "default", "dev", tun, "table", $"{options.RouteTable}");
        // IPv6 may be disabled on this host; then the box serves IPv4 only.
        if (!net.TryIp("-6", "rule", "add", "fwmark", Mark, "lookup", $"{options.RouteTable}", "priority", "100") ||
            !net.TryIp("-6", "route", "add", "default", "dev", tun, "table", $"{options.RouteTable}"))
            logger.LogWarning("IPv6 policy routing could not be installed; IPv6 inner packets will not get replies");
        logger.LogInformation("replies with mark {Mark} are routed to {Tun} (table {Table})", Mark, tun, options.RouteTable);
    }

    public void Dispose() => ClearLeftovers();
}
