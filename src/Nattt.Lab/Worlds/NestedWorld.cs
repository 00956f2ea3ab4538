namespace Nattt.Lab.Worlds;

/// <summary>
/// Figure 3 of the NATTT paper: boxes nested three deep, each inner box a kernel NAT router inside the outer box's
/// private network whose tunnel port (UDP 100) the outer box publishes. One client is public, the other sits behind a
/// legacy home NAT (kernel masquerade). Every NAT drops unsolicited inbound; each box accepts UDP 100. Every network
/// but the home one also has IPv6: the "Internet" 2001:db8:1::/64, then ULA networks fd00:10::/64 (y's), fd00:11::/64
/// (t's) and fd00:12::/64 (u's); each host's IPv6 address ends like its IPv4 one (t fd00:10::5, b fd00:12::2).
/// </summary>
public sealed class NestedWorld
{
    public const string Drawing = """
                            "Internet" 203.0.113.0/24
        a 203.0.113.10 ------+-----------------------+------ y: NATTT box (depth 1), kernel masquerade
        + 2001:db8:1::10     |   + 2001:db8:1::/64   |        (every network but x's also IPv6: fd00:10::/64 in
                             |                       |         y's, fd00:11::/64 in t's, fd00:12::/64 in u's)
        (public client)      |                       |        wan0 203.0.113.1   lan0 10.0.0.1/24
                             |                       |          |
        x: home NAT, masquerade                      |        t: NATTT box (depth 2), kernel masquerade
        wan0 203.0.113.2  lan0 192.168.1.1/24        |           wan0 10.0.0.5   lan0 10.1.0.1/24
           |                                                      |
        a1 192.168.1.10 (client behind a legacy NAT)            b1 10.1.0.7 (server at depth 2)
                                                                  |
                                                                u: NATTT box (depth 3), kernel masquerade
                                                                   wan0 10.1.0.5   lan0 10.2.0.1/24
                                                                   |
                                                                b 10.2.0.2 (server at depth 3)
        """;

    public const string YPublic = "203.0.113.1";
    public const string TAddress = "10.0.0.5";
    public const string UAddress = "10.1.0.5";
    public const string Depth2Server = "10.1.0.7";
    public const string Depth3Server = "10.2.0.2";
    public const string HomeNatPublic = "203.0.113.2";

    /// <summary>The "Internet" switch, for scenarios that add hosts to it (a DNS server, say).</summary>
    public required LabHost Inet { get; init; }
    public required LabHost A { get; init; }
    public required LabHost X { get; init; }
    public required LabHost A1 { get; init; }
    public required LabHost Y { get; init; }
    public required LabHost T { get; init; }
    public required LabHost B1 { get; init; }
    public required LabHost U { get; init; }
    public required LabHost B { get; init; }

    /// <summary>The --map text of the depth-2 server through y and t, or of the depth-3 server through y, t and u.</summary>
    public static string Depth2Map(string standIn) => $"n2={YPublic}:100,{TAddress}:100,{Depth2Server}@{standIn}";
    public static string Depth3Map(string standIn) => $"n3={YPublic}:100,{TAddress}:100,{UAddress}:100,{Depth3Server}@{standIn}";
    /// <summary>The depth-3 server over IPv6 at every level (outer, both nesting levels and the innermost packet).</summary>
    public static string Depth3Map6(string standIn) => $"n3v6=[2001:db8:1::1]:100,[fd00:10::5]:100,[fd00:11::5]:100,fd00:12::2@{standIn}";

    /// <summary>Builds the world; every link is 1500 bytes unless <paramref name="mtu"/> says otherwise, and the
    /// innermost link (u to b) is <paramref name="innermostMtu"/> bytes.</summary>
    public static NestedWorld Build(LabNetwork net, int mtu = 1500, int innermostMtu = 1500)
    {
        var inet = net.AddSwitch("inet");
        var ylan = net.AddSwitch("ylan");
        var tlan = net.AddSwitch("tlan");
        var a = net.AddHost("a");
        var x = net.AddHost("x");
        var a1 = net.AddHost("a1");
        var y = net.AddHost("y");
        var t = net.AddHost("t");
        var b1 = net.AddHost("b1");
        var u = net.AddHost("u");
        var b = net.AddHost("b");

        net.Attach(a, "eth0", "203.0.113.10/24,2001:db8:1::10/64", inet, mtu);
        net.Attach(x, "wan0", "203.0.113.2/24", inet, mtu);
        net.Attach(y, "wan0", "203.0.113.1/24,2001:db8:1::1/64", inet, mtu);

        net.Link(x, "lan0", "192.168.1.1/24", a1, "eth0", "192.168.1.10/24", mtu);
        a1.DefaultRoute("192.168.1.1");
        x.MakeNatRouter("wan0");

        net.Attach(y, "lan0", "10.0.0.1/24,fd00:10::1/64", ylan, mtu);
        y.MakeNatRouter("wan0", servedUdpPorts: [100]);

        net.Attach(t, "wan0", "10.0.0.5/24,fd00:10::5/64", ylan, mtu);
        t.DefaultRoute("10.0.0.1");
        t.DefaultRoute("fd00:10::1");
        net.Attach(t, "lan0", "10.1.0.1/24,fd00:11::1/64", tlan, mtu);
        t.MakeNatRouter("wan0", servedUdpPorts: [100]);

        net.Attach(b1, "eth0", "10.1.0.7/24,fd00:11::7/64", tlan, mtu);
        b1.DefaultRoute("10.1.0.1");
        b1.DefaultRoute("fd00:11::1");

        net.Attach(u, "wan0", "10.1.0.5/24,fd00:11::5/64", tlan, mtu);
        u.DefaultRoute("10.1.0.1");
        u.DefaultRoute("fd00:11::1");
        net.Link(u, "lan0", "10.2.0.1/24,fd00:12::1/64", b, "eth0", "10.2.0.2/24,fd00:12::2/64", innermostMtu);
        b.DefaultRoute("10.2.0.1");
        b.DefaultRoute("fd00:12::1");
        u.MakeNatRouter("wan0", servedUdpPorts: [100]);

        return new NestedWorld { Inet = inet, A = a, X = x, A1 = a1, Y = y, T = t, B1 = b1, U = u, B = b };
    }
}
