using System.Text.Json;
using Nattt.Lab.Worlds;
using Xunit.Abstractions;

namespace Nattt.IntegrationTests.Tunnel;

/// <summary>
/// The box as a real NAPT: two clients behind one carrier NAT, with the same private address (192.168.1.10 behind two
/// home NATs) and the same tunnel and application ports, reach the same server at once without crossing; and one
/// client keeps several flows to one server.
/// <code>
///   a1 192.168.1.10 ── x1 ─┐
///                          ├── x (carrier NAT 203.0.113.2) ── Internet ── y: nattt box ── b 10.0.0.2
///   a2 192.168.1.10 ── x2 ─┘
/// </code>
/// (full drawing: <see cref="NatttWorld.Drawing"/>)
/// </summary>
public sealed class NaptTests(ITestOutputHelper output) : TunnelScenario(output, "napt")
{
    [Fact]
    public void TwoClientsSameAddressAndPorts_ConcurrentTransfers_DoNotCross()
    {
        StartBox();
        StartClient(World.A1, "--port", "40000");
        StartClient(World.A2!, "--port", "40000");
        using var hasher = World.B.Start("socat", "TCP-LISTEN:5004,reuseaddr,fork", "SYSTEM:sha256sum");
        WaitForListener(World.B, 5004);
        var f1 = MakeFile("from-a1", 8);
        var f2 = MakeFile("from-a2", 8);

        var t1 = Task.Run(() => HashEcho(World.A1, f1, 5004, 6000));
        var t2 = Task.Run(() => HashEcho(World.A2!, f2, 5004, 6000));
        var r1 = t1.GetAwaiter().GetResult();
        var r2 = t2.GetAwaiter().GetResult();
        Assert.True(r1.Succeeded, r1.StandardError);
        Assert.True(r2.Succeeded, r2.StandardError);
        Assert.Equal(Sha256(f1), r1.StandardOutput.Split(' ')[0].Trim().ToUpperInvariant());
        Assert.Equal(Sha256(f2), r2.StandardOutput.Split(' ')[0].Trim().ToUpperInvariant());

        // UDP too: the same inner 5-tuple from both clients, each gets its own answer.
        using var echo = StartUdpEcho();
        WaitForListener(World.B, 7, "u");
        var u1 = Task.Run(() => UdpEcho(World.A1, "I am a1\n", sourcePort: 6001));
        var u2 = Task.Run(() => UdpEcho(World.A2!, "I am a2\n", sourcePort: 6001));
        Assert.Equal("I am a1\n", u1.GetAwaiter().GetResult());
        Assert.Equal("I am a2\n", u2.GetAwaiter().GetResult());

        var flows = Status("box").GetProperty("flows").EnumerateArray()
            .Where(f => f.GetProperty("destination").GetString() == "10.0.0.2:5004").ToList();
        Assert.Equal(2, flows.Count);
        // Same inner source (the clients' own inner address and port), two outer endpoints of the carrier NAT,
        // two distinct translated sources.
        Assert.Equal(flows[0].GetProperty("inner_source").GetString(), flows[1].GetProperty("inner_source").GetString());
        Assert.All(flows, f => Assert.StartsWith(NatttWorld.CarrierPublic + ":", f.GetProperty("outer").GetString()));
        Assert.NotEqual(flows[0].GetProperty("outer").GetString(), flows[1].GetProperty("outer").GetString());
        Assert.NotEqual(flows[0].GetProperty("translated_source").GetString(), flows[1].GetProperty("translated_source").GetString());
    }

    [Fact]
    public void OneClient_SeveralConcurrentFlows_AllComplete()
    {
        StartBox();
        StartClient(World.A1);
        using var hasher = World.B.Start("socat", "TCP-LISTEN:5005,reuseaddr,fork", "SYSTEM:sha256sum");
        WaitForListener(World.B, 5005);
        var files = Enumerable.Range(0, 4).Select(i => MakeFile($"flow{i}", 4)).ToArray();
        var tasks = files.Select((f, i) => Task.Run(() => HashEcho(World.A1, f, 5005, 6100 + i))).ToArray();
        for (var i = 0; i < files.Length; i++)
        {
            var r = tasks[i].GetAwaiter().GetResult();
            Assert.True(r.Succeeded, r.StandardError);
            Assert.Equal(Sha256(files[i]), r.StandardOutput.Split(' ')[0].Trim().ToUpperInvariant());
        }
        var flows = Status("box").GetProperty("flows").EnumerateArray()
            .Where(f => f.GetProperty("destination").GetString() == "10.0.0.2:5005").ToList();
        Assert.Equal(4, flows.Count);
        Assert.Single(flows.Select(f => f.GetProperty("outer").GetString()).Distinct());
    }
}
