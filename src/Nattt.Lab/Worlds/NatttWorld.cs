namespace Nattt.Lab.Worlds;

/// <summary>
/// The demonstration world of the NATTT paper's figures 1 and 2, reused by the demo and the integration tests.
/// All NATs are the kernel's nftables masquerade and drop unsolicited inbound; y accepts UDP 100 (the tunnel).
/// </summary>
public sealed class NatttWorld
{
    public const string Drawing = """
                            "Internet" 203.0.113.0/24
        a 203.0.113.10 ------+----------------------+------ y: NATTT box, kernel masquerade
        (figure 1 client)    |                      |        wan0 203.0.113.1  lan0 10.0.0.1/24
                             |                      |           |
                x: carrier NAT, masquerade          |        b 10.0.0.2 (server)   b2 10.0.0.3 (unpublished)
                wan0 203.0.113.2  lan0 100.64.0.1/24
                   +-- x1: home NAT 100.64.0.2 / 192.168.1.1 -- a1 192.168.1.10 (figure 2 client)
                   +-- x2: home NAT 100.64.0.3 / 192.168.1.1 -- a2 192.168.1.10 (same address and ports as a1)
        """;

    public const string BoxPublic = "203.0.113.1";
    public const string ServerPrivate = "10.0.0.2";
    public const string UnpublishedPrivate = "10.0.0.3";
    public const string CarrierPublic = "203.0.113.2";

    /// <summary>The "Internet" switch (203.0.113.0/24), for scenarios that add hosts to it (a DNS server, say).</summary>
    public required LabHost Inet { get; init; }
    public required LabHost A { get; init; }
    public required LabHost Y { get; init; }
    public required LabHost B { get; init; }
    public required LabHost B2 { get; init; }
    public required LabHost X { get; init; }
    public required LabHost X1 { get; init; }
    public required LabHost A1 { get; init; }
    /// <summary>Null unless built with the second home.</summary>
    public LabHost? X2 { get; init; }
    public LabHost? A2 { get; init; }

    public static NatttWorld Build(LabNetwork net, bool withSecondHome = true)
    {
        var inet = net.AddSwitch("inet");
        var office = net.AddSwitch("office");
        var cgn = net.AddSwitch("cgn");
        var a = net.AddHost("a");
        var y = net.AddHost("y");
        var b = net.AddHost("b");
        var b2 = net.AddHost("b2");
        var x = net.AddHost("x");
        var x1 = net.AddHost("x1");
        var a1 = net.AddHost("a1");

        net.Attach(a, "eth0", "203.0.113.10/24", inet);
        net.Attach(y, "wan0", "203.0.113.1/24", inet);
        net.Attach(x, "wan0", "203.0.113.2/24", inet);

        net.Attach(y, "lan0", "10.0.0.1/24", office);
        net.Attach(b, "eth0", "10.0.0.2/24", office);
        net.Attach(b2, "eth0", "10.0.0.3/24", office);
        b.DefaultRoute("10.0.0.1");
        b2.DefaultRoute("10.0.0.1");
        y.MakeNatRouter("wan0", servedUdpPorts: [100]);

        net.Attach(x, "lan0", "100.64.0.1/24", cgn);
        x.MakeNatRouter("wan0");
        net.Attach(x1, "wan0", "100.64.0.2/24", cgn);
        x1.DefaultRoute("100.64.0.1");
        net.Link(x1, "lan0", "192.168.1.1/24", a1, "eth0", "192.168.1.10/24");
        a1.DefaultRoute("192.168.1.1");
        x1.MakeNatRouter("wan0");

        LabHost? x2 = null, a2 = null;
        if (withSecondHome)
        {
            x2 = net.AddHost("x2");
            a2 = net.AddHost("a2");
            net.Attach(x2, "wan0", "100.64.0.3/24", cgn);
            x2.DefaultRoute("100.64.0.1");
            net.Link(x2, "lan0", "192.168.1.1/24", a2, "eth0", "192.168.1.10/24");
            a2.DefaultRoute("192.168.1.1");
            x2.MakeNatRouter("wan0");
        }
        return new NatttWorld { Inet = inet, A = a, Y = y, B = b, B2 = b2, X = x, X1 = x1, A1 = a1, X2 = x2, A2 = a2 };
    }
}
