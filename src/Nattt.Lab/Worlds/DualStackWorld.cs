namespace Nattt.Lab.Worlds;

/// <summary>
/// Figure 1 in both address families: the "Internet" carries IPv4 (203.0.113.0/24) and IPv6 (2001:db8:1::/64, the
/// documentation prefix), the box's private network IPv4 (10.0.0.0/24) and a ULA IPv6 network (fd00:10::/64). y is a
/// kernel NAT (masquerade, both families) and runs the box; b's default routes (both families) point at y.
/// </summary>
public sealed class DualStackWorld
{
    public const string Drawing = """
                              "Internet" 203.0.113.0/24 + 2001:db8:1::/64
        a 203.0.113.10, 2001:db8:1::10 ---+--- y: NATTT box on [::]:100, kernel masquerade (v4 and v6)
        (client)                                wan0 203.0.113.1, 2001:db8:1::1
                                                lan0 10.0.0.1/24, fd00:10::1/64
                                                  |
                                                b 10.0.0.2, fd00:10::2 (server)
        """;

    public const string YPublic4 = "203.0.113.1";
    public const string YPublic6 = "2001:db8:1::1";
    public const string Server4 = "10.0.0.2";
    public const string Server6 = "fd00:10::2";

    public required LabHost A { get; init; }
    public required LabHost Y { get; init; }
    public required LabHost B { get; init; }

    public static DualStackWorld Build(LabNetwork net)
    {
        var inet = net.AddSwitch("inet");
        var lan = net.AddSwitch("lan");
        var a = net.AddHost("a");
        var y = net.AddHost("y");
        var b = net.AddHost("b");
        net.Attach(a, "eth0", "203.0.113.10/24,2001:db8:1::10/64", inet);
        net.Attach(y, "wan0", "203.0.113.1/24,2001:db8:1::1/64", inet);
        net.Attach(y, "lan0", "10.0.0.1/24,fd00:10::1/64", lan);
        net.Attach(b, "eth0", "10.0.0.2/24,fd00:10::2/64", lan);
        b.DefaultRoute("10.0.0.1");
        b.DefaultRoute("fd00:10::1");
        y.MakeNatRouter("wan0", servedUdpPorts: [100]);
        return new DualStackWorld { A = a, Y = y, B = b };
    }
}
