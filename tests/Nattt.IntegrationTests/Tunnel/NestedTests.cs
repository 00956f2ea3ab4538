using Nattt.Lab.Worlds;
using Xunit.Abstractions;

namespace Nattt.IntegrationTests.Tunnel;

/// <summary>
/// Figure 3 of the NATTT paper, nested boxes with the kernel's masquerade as every NAT, 1500-byte links everywhere:
/// <code>
///   a ──┐                        y (box) ── t (box) ──┬── b1 10.1.0.7 (depth 2)
///       ├── "Internet" ──────────┘                    └── u (box) ── b 10.2.0.2 (depth 3)
///   a1 ── x (home NAT) ┘
/// </code>
/// (full drawing: <see cref="NestedWorld.Drawing"/>)
/// </summary>
public sealed class NestedTests : WorldScenario
{
    private const string StandIn2 = "198.18.0.20";
    private const string StandIn3 = "198.18.0.30";
    private readonly NestedWorld _world;

    public NestedTests(ITestOutputHelper output) : base(output, "figure-3-nested", NestedWorld.Drawing) =>
        _world = NestedWorld.Build(Net);

    [Fact]
    public void Depth2_ClientBehindLegacyNat_TcpUdpPing()
    {
        StartBoxes();
        StartClient(_world.A1, NestedWorld.Depth2Map(StandIn2), NestedWorld.Depth3Map(StandIn3));
        Exchange(_world.A1, _world.B1, StandIn2);
    }

    [Fact]
    public void Depth3_PublicClient_TcpUdpPing()
    {
        StartBoxes();
        StartClient(_world.A, NestedWorld.Depth2Map(StandIn2), NestedWorld.Depth3Map(StandIn3));
        Exchange(_world.A, _world.B, StandIn3);
    }

    [Fact]
    public void Depth3_ClientBehindLegacyNat_BulkTcpBothWaysOver1500ByteLinks()
    {
        StartBoxes();
        StartClient(_world.A1, NestedWorld.Depth2Map(StandIn2), NestedWorld.Depth3Map(StandIn3));
        var file = MakeFile("up", 20);
        Assert.Equal(Sha256(file), UploadAndHash(_world.A1, _world.B, StandIn3, file, 5001));
        Assert.Equal(Sha256(file), Download(_world.A1, _world.B, StandIn3, file, 5002));
    }

    [Fact]
    public void Depth3_IPv6AtEveryLevel_TcpUdpPing()
    {
        StartBoxes(["--listen", "[::]:100"]);
        StartClient(_world.A, NestedWorld.Depth3Map6(StandIn6));
        Exchange(_world.A, _world.B, StandIn6);
        var file = MakeFile("bulk", 10);
        Assert.Equal(Sha256(file), Download(_world.A, _world.B, StandIn6, file, 5002));
    }

    private const string StandIn6 = "fd6e:6174:7474::30";

    private void StartBoxes(string[]? extra = null)
    {
        extra ??= [];
        StartBox(_world.U, extra, $"{NestedWorld.Depth3Server}:any", "[fd00:12::2]:any");
        StartBox(_world.T, extra, $"{NestedWorld.UAddress}:udp/100", "[fd00:11::5]:udp/100", $"{NestedWorld.Depth2Server}:any");
        StartBox(_world.Y, extra, $"{NestedWorld.TAddress}:udp/100", "[fd00:10::5]:udp/100");
    }
}
