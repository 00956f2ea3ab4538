using Nattt.Lab;
using Nattt.Lab.Worlds;
using Xunit.Abstractions;

namespace Nattt.IntegrationTests.Tunnel;

/// <summary>
/// What the box refuses: unpublished hosts and ports, malformed and truncated tunnel payloads, and new flows beyond
/// its limits. Each is dropped and counted, and the flows that exist keep working.
/// <code>
///   a 203.0.113.10 ── Internet ── y: nattt box (publishes 10.0.0.2 tcp/5000-5010, udp/7, icmp) ── b 10.0.0.2, b2 10.0.0.3
/// </code>
/// (full drawing: <see cref="NatttWorld.Drawing"/>)
/// </summary>
public sealed class DropTests(ITestOutputHelper output) : TunnelScenario(output, "drops", secondHome: false)
{
    [Fact]
    public void UnpublishedHostAndPort_AreDroppedAndCounted()
    {
        StartBox();
        StartClient(World.A);
        using var other = World.B2.Start("socat", "TCP-LISTEN:5001,reuseaddr", "SYSTEM:echo reached");
        using var ssh = World.B.Start("socat", "TCP-LISTEN:22,reuseaddr", "SYSTEM:echo reached");
        var toHost = World.A.Exec("socat", ["-u", $"TCP:{UnpublishedStandIn}:5001,connect-timeout=2", "STDOUT"], TimeSpan.FromSeconds(5));
        var toPort = World.A.Exec("socat", ["-u", $"TCP:{StandIn}:22,connect-timeout=2", "STDOUT"], TimeSpan.FromSeconds(5));
        var ping = World.A.Exec("ping", ["-c", "1", "-W", "1", UnpublishedStandIn]);
        Assert.False(toHost.Succeeded);
        Assert.False(toPort.Succeeded);
        Assert.False(ping.Succeeded);
        Assert.DoesNotContain("reached", toHost.StandardOutput + toPort.StandardOutput);
        Assert.True(Counter(Status("box"), "drop_not_published") >= 3);
    }

    [Fact]
    public void MalformedAndTruncatedPayloads_AreCounted_ExistingFlowKeepsWorking()
    {
        StartBox();
        StartClient(World.A);
        using var echo = StartUdpEcho();
        WaitForListener(World.B, 7, "u");
        Assert.Equal("before\n", UdpEcho(World.A, "before\n", sourcePort: 7000));

        // Garbage, an IPv4 header cut short, a header claiming more bytes than sent, and IP version 7.
        var payloads = new[]
        {
            "not an ip packet at all",
            "\\x45\\x00\\x00\\x54\\x00\\x00\\x40\\x00\\x40\\x01",
            "\\x45\\x00\\x05\\xdc\\x00\\x00\\x40\\x00\\x40\\x11\\x00\\x00\\x0a\\x00\\x00\\x02\\x0a\\x00\\x00\\x02\\x00\\x07\\x00\\x07",
            "\\x75\\x00\\x00\\x14\\x00\\x00\\x40\\x00\\x40\\x11\\x00\\x00\\x0a\\x00\\x00\\x02\\x0a\\x00\\x00\\x02",
        };
        foreach (var p in payloads)
            World.A.Sh($"printf '{p}' | socat -u - UDP:{NatttWorld.BoxPublic}:100").EnsureSuccess();
        Thread.Sleep(300);

        Assert.Equal("after\n", UdpEcho(World.A, "after\n", sourcePort: 7000));
        var box = Status("box");
        Assert.True(Counter(box, "drop_malformed") >= payloads.Length, $"drop_malformed = {Counter(box, "drop_malformed")}");
    }

    [Fact]
    public void MoreNewFlowsThanTheLimit_AreDropped_ExistingFlowKeepsWorking()
    {
        StartBox("--max-flows-per-source", "5");
        StartClient(World.A);
        using var echo = StartUdpEcho();
        WaitForListener(World.B, 7, "u");
        Assert.Equal("first\n", UdpEcho(World.A, "first\n", sourcePort: 7000));

        // 20 new flows from 20 source ports: 4 fit beside the first, the rest are refused.
        var answered = Enumerable.Range(7100, 20).Count(port => UdpEcho(World.A, "flood\n", sourcePort: port, waitSeconds: 1) == "flood\n");
        Assert.Equal(4, answered);

        Assert.Equal("still here\n", UdpEcho(World.A, "still here\n", sourcePort: 7000));
        var box = Status("box");
        Assert.True(Counter(box, "drop_source_limit") >= 16);
        Assert.Equal(5, box.GetProperty("flows").GetArrayLength());
    }
}
