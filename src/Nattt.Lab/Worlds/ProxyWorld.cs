namespace Nattt.Lab.Worlds;

/// <summary>
/// Figure 5 of the NATTT paper: a NATTT proxy t, an ordinary host (not a router of anyone) inside a private network
/// whose gateway y either is a legacy NAT (kernel masquerade) forwarding only UDP 100 to t, or is itself a NATTT box
/// that publishes t's tunnel port (the proxy nested under a gateway box). b's default route points at y, never at t.
/// Both families except in x's home network: IPv6 2001:db8:1::/64 outside, fd00:10::/64 inside (t fd00:10::5,
/// b fd00:10::2); y's legacy NAT forwards udp/100 to t in both.
/// </summary>
public sealed class ProxyWorld
{
    public const string Drawing = """
                            "Internet" 203.0.113.0/24
        a 203.0.113.10 ------+-----------------------+------ y: legacy NAT (masquerade, forwards udp/100 to t)
        + 2001:db8:1::10     |   + 2001:db8:1::/64   |        (IPv6 too: 2001:db8:1::1 outside, fd00:10::/64 inside)
        (public client)      |                       |        or a NATTT box publishing 10.0.0.5:udp/100
                             |                       |        wan0 203.0.113.1   lan0 10.0.0.1/24
        x: home NAT, masquerade                               |
        wan0 203.0.113.2  lan0 192.168.1.1/24                 +-- t 10.0.0.5: nattt box --source-nat self (the proxy)
           |                                                  +-- b 10.0.0.2 (server, default route via y)
        a1 192.168.1.10 (client behind a legacy NAT)
        """;

    public const string YPublic = "203.0.113.1";
    public const string ProxyAddress = "10.0.0.5";
    public const string ServerAddress = "10.0.0.2";
    public const string YPublic6 = "2001:db8:1::1";
    public const string ProxyAddress6 = "fd00:10::5";
    public const string ServerAddress6 = "fd00:10::2";

    public required LabHost A { get; init; }
    public required LabHost X { get; init; }
    public required LabHost A1 { get; init; }
    public required LabHost Y { get; init; }
    public required LabHost T { get; init; }
    public required LabHost B { get; init; }

    /// <param name="gatewayIsBox">False: y is a legacy NAT with a port forward of udp/100 to t (figure 5 alone).
    /// True: y only accepts udp/100 for itself, where a NATTT box is to run (the proxy nested under it).</param>
    public static ProxyWorld Build(LabNetwork net, bool gatewayIsBox)
    {
        var inet = net.AddSwitch("inet");
        var lan = net.AddSwitch("lan");
        var a = net.AddHost("a");
        var x = net.AddHost("x");
        var a1 = net.AddHost("a1");
        var y = net.AddHost("y");
        var t = net.AddHost("t");
        var b = net.AddHost("b");

        net.Attach(a, "eth0", "203.0.113.10/24,2001:db8:1::10/64", inet);
        net.Attach(x, "wan0", "203.0.113.2/24", inet);
        net.Attach(y, "wan0", "203.0.113.1/24,2001:db8:1::1/64", inet);

        net.Link(x, "lan0", "192.168.1.1/24", a1, "eth0", "192.168.1.10/24");
        a1.DefaultRoute("192.168.1.1");
        x.MakeNatRouter("wan0");

        net.Attach(y, "lan0", "10.0.0.1/24,fd00:10::1/64", lan);
        net.Attach(t, "eth0", "10.0.0.5/24,fd00:10::5/64", lan);
        net.Attach(b, "eth0", "10.0.0.2/24,fd00:10::2/64", lan);
        t.DefaultRoute("10.0.0.1");
        b.DefaultRoute("10.0.0.1");
        t.DefaultRoute("fd00:10::1");
        b.DefaultRoute("fd00:10::1");
        // The proxy forwards from its TUN device to the LAN, so it needs forwarding on, but it routes for nobody else.
        t.EnableForwarding();
        if (gatewayIsBox) y.MakeNatRouter("wan0", servedUdpPorts: [100]);
        else
        {
            y.MakeNatRouter("wan0");
            y.ForwardPort("wan0", "udp", 100, ProxyAddress, 100);
            y.ForwardPort("wan0", "udp", 100, ProxyAddress6, 100);
        }
        return new ProxyWorld { A = a, X = x, A1 = a1, Y = y, T = t, B = b };
    }
}
