namespace Nattt.Lab;

/// <summary>How a kernel NAT box chooses the public port of a new mapping (RFC 4787 terms).</summary>
public enum NatMapping
{
    /// <summary>nftables <c>masquerade</c>: keeps the source port when free. Endpoint-independent mapping in
    /// practice, address-and-port-dependent filtering (conntrack lets back only the exact remote endpoint).</summary>
    PortPreserving,

    /// <summary>nftables <c>masquerade random,fully-random</c>: a new random port per flow, i.e. a symmetric NAT
    /// (address-and-port-dependent mapping).</summary>
    Symmetric,
}

/// <summary>Turns lab hosts into NAT boxes with the Linux kernel's own NAT (nftables + conntrack).</summary>
public static class KernelNat
{
    /// <summary>
    /// Makes <paramref name="router"/> a home-router-like NAT: forwarding on, masquerade out of
    /// <paramref name="wanInterface"/>, unsolicited inbound dropped both to the LAN (except port forwards) and to the
    /// router itself (except <paramref name="servedUdpPorts"/>), as OpenWrt does (see FACTS.md on hole punching).
    /// Tables live in the router's own namespace and are named <c>lab_nat</c>.
    /// </summary>
    public static void MakeNatRouter(this LabHost router, string wanInterface, NatMapping mapping = NatMapping.PortPreserving,
        bool dropUnsolicited = true, IEnumerable<int>? servedUdpPorts = null)
    {
        router.EnableForwarding();
        var flags = mapping == NatMapping.Symmetric ? " random,fully-random" : "";
        var served = servedUdpPorts?.ToArray() ?? [];
        var allow = served.Length > 0 ? $"iifname \"{wanInterface}\" udp dport {{ {string.Join(", ", served)} }} accept" : "";
        var drop = dropUnsolicited
            ? $$"""
               chain forward_filter { type filter hook forward priority filter; policy accept;
                 iifname "{{wanInterface}}" ct state new ct status & dnat == 0 drop
               }
               chain input_filter { type filter hook input priority filter; policy accept;
                 iifname "{{wanInterface}}" ct state established,related accept
                 {{allow}}
                 iifname "{{wanInterface}}" meta l4proto icmp accept
                 iifname "{{wanInterface}}" ct state new drop
               }
               """
            : "";
        router.Nft($$"""
            table inet lab_nat {
              chain prerouting { type nat hook prerouting priority dstnat; policy accept; }
              chain postrouting { type nat hook postrouting priority srcnat; policy accept;
                oifname "{{wanInterface}}" masquerade{{flags}}
              }
              {{drop}}
            }
            """);
    }

    /// <summary>Adds a port forward (DNAT) from <paramref name="wanInterface"/>:<paramref name="port"/> to a LAN host.</summary>
    public static void ForwardPort(this LabHost router, string wanInterface, string protocol, int port, string toAddress, int toPort)
    {
        var family = toAddress.Contains(':') ? "ip6" : "ip";
        var target = family == "ip6" ? $"[{toAddress}]:{toPort}" : $"{toAddress}:{toPort}";
        router.Nft($"add rule inet lab_nat prerouting iifname \"{wanInterface}\" {protocol} dport {port} dnat {family} to {target}\n");
    }
}
