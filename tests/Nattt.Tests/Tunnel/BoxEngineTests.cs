using Microsoft.Extensions.Time.Testing;
using Nattt.Packets;
using Nattt.Tunnel;

namespace Nattt.Tests.Tunnel;

/// <summary>The box's data plane without sockets or TUN: figures 1 and 2, the NAPT, the policy, limits and expiry.</summary>
public sealed class BoxEngineTests
{
    private readonly FakeTimeProvider _time = new();
    private static readonly IpAddressValue CarrierNat = Ip("203.0.113.2");

    private static IpAddressValue Ip(string s) => IpAddressValue.FromIPAddress(System.Net.IPAddress.Parse(s));

    private BoxEngine NewBox(BoxFlowLimits? limits = null, params string[] publish)
    {
        var rules = (publish.Length == 0 ? ["10.0.0.2:tcp/80", "10.0.0.2:udp/7", "10.0.0.2:icmp"] : publish)
            .Select(t => { PublishRule.TryParse(t, out var r, out _); return r!; }).ToList();
        return new BoxEngine(new ExposurePolicy(rules), limits ?? new BoxFlowLimits(), _time);
    }

    [Fact]
    public void FromTunnel_ClientBehindNat_InnerSourceBecomesOuterSource()
    {
        var box = NewBox();
        var packet = RawPackets.Tcp("198.18.0.1", 3456, "10.0.0.2", 80, flags: 0x02);
        Assert.Equal(TunnelVerdict.Forward, box.FromTunnel(packet, CarrierNat, 5000, out var length, out _));
        Assert.Equal(packet.Length, length);
        Assert.Equal("203.0.113.2", RawPackets.Source(packet));
        Assert.Equal(3456, RawPackets.SourcePort(packet)); // port kept while free
        Assert.Equal("10.0.0.2", RawPackets.Destination(packet));
        Assert.True(RawPackets.ChecksumsValid(packet));
    }

    [Fact]
    public void FromLan_Reply_RestoresInnerDestinationAndNamesOuterEndpoint()
    {
        var box = NewBox();
        box.FromTunnel(RawPackets.Tcp("198.18.0.1", 3456, "10.0.0.2", 80, flags: 0x02), CarrierNat, 5000, out _, out _);
        var reply = RawPackets.Tcp("10.0.0.2", 80, "203.0.113.2", 3456, flags: 0x12);
        Assert.Equal(TunnelVerdict.Forward, box.FromLan(reply, out var outer, out var outerPort, out var length, out _));
        Assert.Equal(CarrierNat, outer);
        Assert.Equal(5000, outerPort);
        Assert.Equal(reply.Length, length);
        Assert.Equal("198.18.0.1", RawPackets.Destination(reply));
        Assert.Equal(3456, RawPackets.DestinationPort(reply));
        Assert.True(RawPackets.ChecksumsValid(reply));
    }

    [Fact]
    public void TwoClientsSameInnerTuple_GetDistinctTranslations_AndRepliesDoNotCross()
    {
        var box = NewBox();
        var p1 = RawPackets.Udp("198.18.0.1", 6000, "10.0.0.2", 7, [1]);
        var p2 = RawPackets.Udp("198.18.0.1", 6000, "10.0.0.2", 7, [2]);
        box.FromTunnel(p1, CarrierNat, 40000, out _, out _);
        box.FromTunnel(p2, CarrierNat, 40001, out _, out _);
        Assert.Equal(RawPackets.Source(p1), RawPackets.Source(p2));
        Assert.NotEqual(RawPackets.SourcePort(p1), RawPackets.SourcePort(p2));

        var r2 = RawPackets.Udp("10.0.0.2", 7, "203.0.113.2", RawPackets.SourcePort(p2), [2]);
        var r1 = RawPackets.Udp("10.0.0.2", 7, "203.0.113.2", RawPackets.SourcePort(p1), [1]);
        box.FromLan(r2, out _, out var port2, out _, out _);
        box.FromLan(r1, out _, out var port1, out _, out _);
        Assert.Equal(40001, port2);
        Assert.Equal(40000, port1);
        Assert.Equal(6000, RawPackets.DestinationPort(r1));
        Assert.Equal(6000, RawPackets.DestinationPort(r2));
        Assert.True(RawPackets.ChecksumsValid(r1) && RawPackets.ChecksumsValid(r2));
    }

    [Fact]
    public void IcmpEcho_IdentifierTranslatedBothWays()
    {
        var box = NewBox();
        var a = RawPackets.Echo("198.18.0.1", "10.0.0.2", id: 77);
        var b = RawPackets.Echo("198.18.0.1", "10.0.0.2", id: 77);
        box.FromTunnel(a, CarrierNat, 1, out _, out _);
        box.FromTunnel(b, CarrierNat, 2, out _, out _);
        Assert.NotEqual(RawPackets.EchoId(a), RawPackets.EchoId(b));
        var reply = RawPackets.Echo("10.0.0.2", "203.0.113.2", RawPackets.EchoId(b), reply: true);
        Assert.Equal(TunnelVerdict.Forward, box.FromLan(reply, out _, out var port, out _, out _));
        Assert.Equal(2, port);
        Assert.Equal(77, RawPackets.EchoId(reply));
        Assert.True(RawPackets.ChecksumsValid(reply));
    }

    [Theory]
    [InlineData("10.0.0.3", 80)] // unpublished host
    [InlineData("10.0.0.2", 22)] // unpublished port
    public void FromTunnel_Unpublished_DroppedAndCounted(string host, ushort port)
    {
        var box = NewBox();
        var verdict = box.FromTunnel(RawPackets.Tcp("198.18.0.1", 1, host, port, flags: 0x02), CarrierNat, 1, out _, out var reason);
        Assert.Equal(TunnelVerdict.Drop, verdict);
        Assert.Equal(TunnelDropReason.NotPublished, reason);
        Assert.Equal(1, box.Counters.Drops(TunnelDropReason.NotPublished));
        Assert.Equal(0, box.FlowCount);
    }

    [Fact]
    public void FromTunnel_EchoReplyWithoutFlow_DoesNotOpenOne()
    {
        var box = NewBox();
        Assert.Equal(TunnelVerdict.Drop, box.FromTunnel(RawPackets.Echo("198.18.0.1", "10.0.0.2", 5, reply: true), CarrierNat, 1, out _, out _));
    }

    [Fact]
    public void FromTunnel_EveryTruncatedPrefix_DroppedAsMalformedNeverThrows()
    {
        var box = NewBox();
        var valid = RawPackets.Tcp("198.18.0.1", 3456, "10.0.0.2", 80, flags: 0x02);
        for (var n = 1; n < valid.Length; n++)
        {
            var prefix = valid[..n];
            Assert.Equal(TunnelVerdict.Drop, box.FromTunnel(prefix, CarrierNat, 1, out _, out var reason));
            Assert.Equal(TunnelDropReason.Malformed, reason);
        }
        Assert.Equal(valid.Length - 1, box.Counters.Drops(TunnelDropReason.Malformed));
        Assert.Equal(TunnelVerdict.Keepalive, box.FromTunnel([], CarrierNat, 1, out _, out _));
    }

    [Fact]
    public void Limits_PerSourceAndTotal_RefuseNewFlowsButKeepExisting()
    {
        var box = NewBox(new BoxFlowLimits { MaxFlows = 3, MaxFlowsPerSource = 2 });
        TunnelVerdict Send(string outer, ushort sport) =>
            box.FromTunnel(RawPackets.Udp("198.18.0.1", sport, "10.0.0.2", 7, [0]), Ip(outer), 9, out _, out _);
        Assert.Equal(TunnelVerdict.Forward, Send("203.0.113.2", 1));
        Assert.Equal(TunnelVerdict.Forward, Send("203.0.113.2", 2));
        Assert.Equal(TunnelVerdict.Drop, Send("203.0.113.2", 3));
        Assert.Equal(1, box.Counters.Drops(TunnelDropReason.SourceLimit));
        Assert.Equal(TunnelVerdict.Forward, Send("203.0.113.3", 1));
        Assert.Equal(TunnelVerdict.Drop, Send("203.0.113.4", 1));
        Assert.Equal(1, box.Counters.Drops(TunnelDropReason.TableFull));
        Assert.Equal(TunnelVerdict.Forward, Send("203.0.113.2", 1)); // existing flow still forwarded
    }

    [Fact]
    public void ExpireIdle_UdpAfterTimeout_TcpSoonAfterFin()
    {
        var box = NewBox();
        box.FromTunnel(RawPackets.Udp("198.18.0.1", 1, "10.0.0.2", 7, [0]), CarrierNat, 9, out _, out _);
        box.FromTunnel(RawPackets.Tcp("198.18.0.1", 2, "10.0.0.2", 80, flags: 0x02), CarrierNat, 9, out _, out _);
        box.FromTunnel(RawPackets.Tcp("198.18.0.1", 3, "10.0.0.2", 80, flags: 0x02), CarrierNat, 9, out _, out _);
        box.FromTunnel(RawPackets.Tcp("198.18.0.1", 3, "10.0.0.2", 80, flags: 0x11), CarrierNat, 9, out _, out _); // FIN
        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(1, box.ExpireIdle()); // the closed TCP flow
        _time.Advance(TimeSpan.FromSeconds(300));
        Assert.Equal(1, box.ExpireIdle()); // the UDP flow
        Assert.Equal(1, box.FlowCount);    // the open TCP flow lives 7440 s
        var reply = RawPackets.Udp("10.0.0.2", 7, "203.0.113.2", 1, [0]);
        Assert.Equal(TunnelVerdict.Drop, box.FromLan(reply, out _, out _, out _, out var reason));
        Assert.Equal(TunnelDropReason.NoFlow, reason);
    }

    [Fact]
    public void FromLan_PacketOfNoFlow_DroppedAndCounted()
    {
        var box = NewBox();
        Assert.Equal(TunnelVerdict.Drop, box.FromLan(RawPackets.Tcp("10.0.0.2", 80, "203.0.113.9", 1), out _, out _, out _, out var reason));
        Assert.Equal(TunnelDropReason.NoFlow, reason);
    }
}
