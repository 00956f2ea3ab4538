using System.Net;
using Microsoft.Extensions.Time.Testing;
using Nattt.Packets;
using Nattt.Tunnel;

namespace Nattt.Tests.Tunnel;

/// <summary>The client's data plane, and the whole path client → box → server → box → client, without sockets.</summary>
public sealed class ClientEngineTests
{
    private readonly FakeTimeProvider _time = new();
    private static IpAddressValue Ip(string s) => IpAddressValue.FromIPAddress(IPAddress.Parse(s));

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

    private static byte[] WithHeadroom(byte[] packet) => [.. new byte[ClientEngine.Headroom], .. packet];

    [Fact]
    public void FullPath_Figure2_ClientBoxServerAndBack()
    {
        var (client, _) = NewClient("b=203.0.113.1:100,10.0.0.2@198.18.0.10");
        PublishRule.TryParse("10.0.0.2:tcp/80", out var rule, out _);
        var box = new BoxEngine(new ExposurePolicy([rule!]), new BoxFlowLimits(), _time);

        // The application sends to the stand-in.
        var buffer = WithHeadroom(RawPackets.Tcp("198.18.0.1", 3456, "198.18.0.10", 80, flags: 0x02, mss: 1460));
        Assert.Equal(TunnelVerdict.Forward, client.FromApplication(buffer, ClientEngine.Headroom, buffer.Length - ClientEngine.Headroom,
            out var start, out var length, out var hop, out var hopPort, out _));
        Assert.Equal(Ip("203.0.113.1"), hop);
        Assert.Equal(100, hopPort);
        var payload = buffer.AsSpan(start, length).ToArray();
        Assert.Equal("10.0.0.2", RawPackets.Destination(payload));
        Assert.True(RawPackets.ChecksumsValid(payload));

        // A legacy NAT maps the client's socket to 203.0.113.2:5000; the box forwards into the LAN.
        Assert.Equal(TunnelVerdict.Forward, box.FromTunnel(payload, Ip("203.0.113.2"), 5000, out _, out _));
        Assert.Equal("203.0.113.2", RawPackets.Source(payload));

        // The server answers; the box tunnels the answer back; the client restores the stand-in.
        var reply = RawPackets.Tcp("10.0.0.2", 80, RawPackets.Source(payload), RawPackets.SourcePort(payload), flags: 0x12);
        Assert.Equal(TunnelVerdict.Forward, box.FromLan(reply, out var outer, out var outerPort, out _, out _));
        Assert.Equal((Ip("203.0.113.2"), (ushort)5000), (outer, outerPort));
        Assert.Equal(TunnelVerdict.Forward, client.FromTunnel(reply, Ip("203.0.113.1"), 100, out var s, out var l, out _));
        var delivered = reply.AsSpan(s, l).ToArray();
        Assert.Equal("198.18.0.10", RawPackets.Source(delivered));
        Assert.Equal("198.18.0.1", RawPackets.Destination(delivered));
        Assert.Equal(80, RawPackets.SourcePort(delivered));
        Assert.Equal(3456, RawPackets.DestinationPort(delivered));
        Assert.True(RawPackets.ChecksumsValid(delivered));
    }

    [Fact]
    public void FromApplication_NestedPath_WrapsOneLevelPerInnerHop()
    {
        var (client, _) = NewClient("deep=203.0.113.1:100,10.0.0.5:100,10.1.0.5:2000,10.2.0.7@198.18.0.20");
        var packet = RawPackets.Udp("198.18.0.1", 5555, "198.18.0.20", 7, [1, 2, 3]);
        var buffer = WithHeadroom(packet);
        Assert.Equal(TunnelVerdict.Forward, client.FromApplication(buffer, ClientEngine.Headroom, packet.Length,
            out var start, out var length, out var hop, out _, out _));
        Assert.Equal(Ip("203.0.113.1"), hop);
        Assert.Equal(packet.Length + 2 * Encapsulation.IPv4LayerOverhead, length);
        var outer = buffer.AsSpan(start, length).ToArray();
        Assert.Equal("10.0.0.5", RawPackets.Destination(outer));
        Assert.Equal(100, RawPackets.DestinationPort(outer));
        Assert.Equal(40000, RawPackets.SourcePort(outer));
        Assert.True(RawPackets.ChecksumsValid(outer));
        var middle = outer[Encapsulation.IPv4LayerOverhead..];
        Assert.Equal("10.1.0.5", RawPackets.Destination(middle));
        Assert.Equal(2000, RawPackets.DestinationPort(middle));
        var inner = middle[Encapsulation.IPv4LayerOverhead..];
        Assert.Equal("10.2.0.7", RawPackets.Destination(inner));
        Assert.True(RawPackets.ChecksumsValid(inner));
    }

    [Fact]
    public void FromTunnel_NestedReply_UnwrapsWhenHopsMatch()
    {
        var (client, _) = NewClient("deep=203.0.113.1:100,10.0.0.5:100,10.2.0.7@198.18.0.20");
        var inner = RawPackets.Udp("10.2.0.7", 7, "198.18.0.1", 5555, [9]);
        var wrapped = RawPackets.Udp("10.0.0.5", 100, "198.18.0.1", 40000, inner);
        Assert.Equal(TunnelVerdict.Forward, client.FromTunnel(wrapped, Ip("203.0.113.1"), 100, out var s, out var l, out _));
        var delivered = wrapped.AsSpan(s, l).ToArray();
        Assert.Equal("198.18.0.20", RawPackets.Source(delivered));
        Assert.True(RawPackets.ChecksumsValid(delivered));

        // The same inner packet through another middle hop belongs to no mapping.
        var other = RawPackets.Udp("10.0.0.6", 100, "198.18.0.1", 40000, RawPackets.Udp("10.2.0.7", 7, "198.18.0.1", 5555, [9]));
        Assert.Equal(TunnelVerdict.Drop, client.FromTunnel(other, Ip("203.0.113.1"), 100, out _, out _, out var reason));
        Assert.Equal(TunnelDropReason.NoFlow, reason);
    }

    [Fact]
    public void FromTunnel_UnknownPeer_Dropped()
    {
        var (client, _) = NewClient("b=203.0.113.1:100,10.0.0.2");
        var packet = RawPackets.Udp("10.0.0.2", 7, "198.18.0.1", 1, [1]);
        Assert.Equal(TunnelVerdict.Drop, client.FromTunnel(packet, Ip("203.0.113.66"), 100, out _, out _, out var reason));
        Assert.Equal(TunnelDropReason.UnknownPeer, reason);
    }

    [Fact]
    public void FromTunnel_PacketNotForOwnAddress_Dropped()
    {
        var (client, _) = NewClient("b=203.0.113.1:100,10.0.0.2");
        var packet = RawPackets.Udp("10.0.0.2", 7, "192.168.1.99", 1, [1]); // would inject traffic to another local address
        Assert.Equal(TunnelVerdict.Drop, client.FromTunnel(packet, Ip("203.0.113.1"), 100, out _, out _, out _));
    }

    [Fact]
    public void FromApplication_NoMapping_DroppedAndCounted()
    {
        var (client, _) = NewClient("b=203.0.113.1:100,10.0.0.2@198.18.0.10");
        var buffer = WithHeadroom(RawPackets.Udp("198.18.0.1", 1, "198.18.0.99", 7, [1]));
        Assert.Equal(TunnelVerdict.Drop, client.FromApplication(buffer, ClientEngine.Headroom, buffer.Length - ClientEngine.Headroom,
            out _, out _, out _, out _, out var reason));
        Assert.Equal(TunnelDropReason.NoMapping, reason);
        Assert.Equal(1, client.Counters.Drops(TunnelDropReason.NoMapping));
    }

    [Fact]
    public void FromApplication_TcpSyn_MssClampedToTunnelMtu()
    {
        var (client, _) = NewClient("deep=203.0.113.1:100,10.0.0.5:100,10.2.0.7@198.18.0.20");
        var buffer = WithHeadroom(RawPackets.Tcp("198.18.0.1", 1, "198.18.0.20", 80, flags: 0x02, mss: 1460));
        client.FromApplication(buffer, ClientEngine.Headroom, buffer.Length - ClientEngine.Headroom, out var start, out var length, out _, out _, out _);
        var inner = buffer.AsSpan(start + Encapsulation.IPv4LayerOverhead, length - Encapsulation.IPv4LayerOverhead).ToArray();
        Assert.Equal(1400 - 40 - 28, System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(inner.AsSpan(20 + 22)));
        Assert.True(RawPackets.ChecksumsValid(inner));
    }
}
