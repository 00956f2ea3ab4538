using System.Net;
using Microsoft.Extensions.Time.Testing;
using Nattt.Packets;
using Nattt.Tunnel;

namespace Nattt.Tests.Tunnel;

/// <summary>
/// ICMP errors from inside the box's network travel back through the tunnel with their quotes translated, so that the
/// client's kernel matches them to the application's socket. Expected packets are built byte for byte with
/// <see cref="PacketBuilder"/> from what the application itself sent.
/// </summary>
public sealed class IcmpErrorTests
{
    private readonly FakeTimeProvider _time = new();
    private static readonly IpAddressValue CarrierNat = Ip("203.0.113.2");
    private static IpAddressValue Ip(string s) => IpAddressValue.FromIPAddress(IPAddress.Parse(s));

    private BoxEngine NewBox()
    {
        var rules = new[] { "10.0.0.2:udp/7", "10.0.0.2:tcp/80", "10.0.0.2:icmp" }
            .Select(t => { PublishRule.TryParse(t, out var r, out _); return r!; }).ToList();
        return new BoxEngine(new ExposurePolicy(rules), new BoxFlowLimits(), _time);
    }

    private static byte[] Error(string from, byte[] offending, byte type, byte code, uint rest = 0)
    {
        var buffer = new byte[1600];
        var n = PacketBuilder.BuildIcmpError(buffer, Ip(from), offending, type, code, rest);
        return buffer[..n];
    }

    [Fact]
    public void BoxFromLan_PortUnreachable_QuoteRestoredToClientsInnerTupleAndSentToOuterEndpoint()
    {
        var box = NewBox();
        var sent = RawPackets.Udp("198.18.0.1", 6000, "10.0.0.2", 7, [1, 2, 3]);
        var translated = (byte[])sent.Clone();
        box.FromTunnel(translated, CarrierNat, 40000, out _, out _);
        box.FromTunnel(RawPackets.Udp("198.18.0.1", 6000, "10.0.0.2", 7, [9]), Ip("203.0.113.9"), 40000, out _, out _); // another client

        var error = Error("10.0.0.2", translated, IcmpTypes.DestinationUnreachable, 3);
        Assert.Equal(TunnelVerdict.Forward, box.FromLan(error, out var outer, out var outerPort, out var length, out _));

        Assert.Equal(CarrierNat, outer);
        Assert.Equal(40000, outerPort);
        Assert.Equal(Error("10.0.0.2", sent, IcmpTypes.DestinationUnreachable, 3), error[..length]);
        Assert.Equal(1, box.Counters.Snapshot()["icmp_errors_relayed"]);
    }

    [Fact]
    public void BoxFromLan_FragmentationNeeded_KeepsMtuAndTranslatesTcpQuote()
    {
        var box = NewBox();
        var sent = RawPackets.Tcp("198.18.0.1", 3456, "10.0.0.2", 80, flags: 0x10, payload: 1400);
        var translated = (byte[])sent.Clone();
        box.FromTunnel(RawPackets.Tcp("198.18.0.1", 3456, "10.0.0.2", 80, flags: 0x02), CarrierNat, 40000, out _, out _);
        box.FromTunnel(translated, CarrierNat, 40000, out _, out _);

        var error = Error("10.0.0.1", translated, IcmpTypes.DestinationUnreachable, IcmpTypes.FragmentationNeededCode, 1280);
        Assert.Equal(TunnelVerdict.Forward, box.FromLan(error, out _, out _, out var length, out _));

        var expected = Error("10.0.0.1", sent, IcmpTypes.DestinationUnreachable, IcmpTypes.FragmentationNeededCode, 1280);
        Assert.Equal(expected, error[..length]);
        IpPacket.TryParse(error.AsSpan(0, length), out var relayed);
        Assert.True(relayed.TryGetIcmpMtu(out var mtu));
        Assert.Equal(1280u, mtu);
    }

    [Fact]
    public void BoxFromLan_ErrorAboutNoFlow_DroppedAndCounted()
    {
        var box = NewBox();
        var stranger = RawPackets.Udp("203.0.113.7", 6000, "10.0.0.2", 7, [1]);
        var error = Error("10.0.0.2", stranger, IcmpTypes.DestinationUnreachable, 3);
        Assert.Equal(TunnelVerdict.Drop, box.FromLan(error, out _, out _, out _, out var reason));
        Assert.Equal(TunnelDropReason.NoFlow, reason);
        Assert.Equal(1, box.Counters.Drops(TunnelDropReason.NoFlow));
    }

    [Fact]
    public void BoxFromLan_EveryTruncatedError_IsACountedDropNeverAnException()
    {
        var box = NewBox();
        var translated = RawPackets.Udp("198.18.0.1", 6000, "10.0.0.2", 7, [1, 2, 3]);
        box.FromTunnel(translated, CarrierNat, 40000, out _, out _);
        var error = Error("10.0.0.2", translated, IcmpTypes.DestinationUnreachable, 3);
        for (var cut = 0; cut < error.Length; cut++)
        {
            var prefix = error[..cut];
            // A prefix that keeps the IP total length would lie; the packet layer rejects it as truncated.
            Assert.Equal(TunnelVerdict.Drop, box.FromLan(prefix, out _, out _, out _, out var reason));
            Assert.NotEqual(TunnelDropReason.None, reason);
        }
    }

    [Fact]
    public void ClientFromTunnel_PortUnreachableFromDestination_ComesFromStandInAboutStandIn()
    {
        var (client, _) = NewClient("b=203.0.113.1:100,10.0.0.2@198.18.0.10");
        var sentToStandIn = RawPackets.Udp("198.18.0.1", 6000, "198.18.0.10", 7, [1, 2, 3]);
        var sentToHost = RawPackets.Udp("198.18.0.1", 6000, "10.0.0.2", 7, [1, 2, 3]);
        var error = Error("10.0.0.2", sentToHost, IcmpTypes.DestinationUnreachable, 3);

        Assert.Equal(TunnelVerdict.Forward, client.FromTunnel(error, Ip("203.0.113.1"), 100, out var start, out var length, out _));

        Assert.Equal(Error("198.18.0.10", sentToStandIn, IcmpTypes.DestinationUnreachable, 3), error.AsSpan(start, length).ToArray());
    }

    [Fact]
    public void ClientFromTunnel_TimeExceededFromRouterAtDepth2_KeepsRouterQuotesStandIn()
    {
        var (client, _) = NewClient("n=203.0.113.1:100,10.0.0.5:100,10.1.0.7@198.18.0.20");
        var sentToStandIn = RawPackets.Udp("198.18.0.1", 33434, "198.18.0.20", 33434, [0, 0]);
        var sentToHost = RawPackets.Udp("198.18.0.1", 33434, "10.1.0.7", 33434, [0, 0]);
        var error = Error("10.1.0.1", sentToHost, IcmpTypes.TimeExceeded, 0);
        // t tunnels the error from its tunnel port; y passes the level on unchanged but for the addresses.
        var level = new byte[Encapsulation.IPv4LayerOverhead + error.Length];
        error.CopyTo(level, Encapsulation.IPv4LayerOverhead);
        Encapsulation.WriteIPv4UdpLayer(level, Encapsulation.IPv4LayerOverhead, error.Length, Ip("10.0.0.5"), 100, Ip("198.18.0.1"), 40000);

        Assert.Equal(TunnelVerdict.Forward, client.FromTunnel(level, Ip("203.0.113.1"), 100, out var start, out var length, out _));

        Assert.Equal(Error("10.1.0.1", sentToStandIn, IcmpTypes.TimeExceeded, 0), level.AsSpan(start, length).ToArray());
    }

    [Fact]
    public void ClientFromTunnel_EveryTruncatedOrCorruptedError_IsACountedDropNeverAnException()
    {
        var (client, _) = NewClient("b=203.0.113.1:100,10.0.0.2@198.18.0.10");
        var error = Error("10.0.0.2", RawPackets.Udp("198.18.0.1", 6000, "10.0.0.2", 7, [1, 2, 3]), IcmpTypes.DestinationUnreachable, 3);
        for (var cut = 1; cut < error.Length; cut++)
        {
            Assert.Equal(TunnelVerdict.Drop, client.FromTunnel(error[..cut], Ip("203.0.113.1"), 100, out _, out _, out var reason));
            Assert.NotEqual(TunnelDropReason.None, reason);
        }
        var random = new Random(7);
        for (var i = 0; i < 2000; i++)
        {
            var corrupted = (byte[])error.Clone();
            corrupted[20 + random.Next(error.Length - 20)] = (byte)random.Next(256);
            client.FromTunnel(corrupted, Ip("203.0.113.1"), 100, out _, out _, out _); // must not throw
        }
    }

    [Fact]
    public void ClientFromTunnel_ErrorQuotingAnotherSource_Dropped()
    {
        var (client, _) = NewClient("b=203.0.113.1:100,10.0.0.2@198.18.0.10");
        var notOurs = RawPackets.Udp("198.18.0.99", 6000, "10.0.0.2", 7, [1]);
        // The error is addressed to the client's own inner address, but quotes a packet the client never sent.
        var buffer = new byte[1600];
        var n = PacketBuilder.BuildIcmp(buffer, Ip("10.0.0.2"), Ip("198.18.0.1"), IcmpTypes.DestinationUnreachable, 3, 0, notOurs);
        Assert.Equal(TunnelVerdict.Drop, client.FromTunnel(buffer.AsSpan(0, n), Ip("203.0.113.1"), 100, out _, out _, out var reason));
        Assert.Equal(TunnelDropReason.NoFlow, reason);
    }

    private (ClientEngine Engine, StandInTable Table) NewClient(params string[] maps)
    {
        var table = new StandInTable(IPNetwork.Parse("198.18.0.0/15"), _time, TimeSpan.FromSeconds(300));
        foreach (var m in maps)
        {
            StaticMapping.TryParse(m, out var sm, out _);
            table.AddStatic(sm!.Path, sm.Name, sm.StandIn);
        }
        return (new ClientEngine(table, 1400) { LocalPort = 40000 }, table);
    }
}
