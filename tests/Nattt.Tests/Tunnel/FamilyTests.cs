using System.Net;
using Microsoft.Extensions.Time.Testing;
using Nattt.Packets;
using Nattt.Tunnel;

namespace Nattt.Tests.Tunnel;

/// <summary>IPv6 through the tunnel: v6 inner over v6 or v4 outer, v4 inner over v6 outer, client and box together.</summary>
public sealed class FamilyTests
{
    private readonly FakeTimeProvider _time = new();
    private static IpAddressValue Ip(string s) => IpAddressValue.FromIPAddress(IPAddress.Parse(s));

    [Theory]
    [InlineData("2001:db8:1::10", true, "2001:db8:1::10")]  // v6 in v6: the outer address, as in figure 2
    [InlineData("203.0.113.2", true, "64:ff9b::cb00:7102")]  // v6 in v4: RFC 6052 well-known prefix + 203.0.113.2
    [InlineData("2001:db8:1::10", false, "192.0.0.8")]      // v4 in v6: RFC 7600 dummy address
    public void TranslatedSource_ByFamilies(string outer, bool innerIsIPv6, string expected)
    {
        Assert.Equal(Ip(expected), BoxFlowTable.TranslatedSource(Ip(outer), innerIsIPv4: !innerIsIPv6));
    }

    [Theory]
    [InlineData("b=[2001:db8:1::1]:100,fd00:10::2@fd6e:6174:7474::10", "2001:db8:1::1", "fd00:10::2", "2001:db8:1::10")]
    [InlineData("b=203.0.113.1:100,fd00:10::2@fd6e:6174:7474::10", "203.0.113.1", "fd00:10::2", "203.0.113.10")]
    [InlineData("b=[2001:db8:1::1]:100,10.0.0.2@198.18.0.10", "2001:db8:1::1", "10.0.0.2", "2001:db8:1::10")]
    public void FullPath_FamilyCombinations_UdpThereAndBack(string map, string hop, string destination, string clientOuter)
    {
        var table = new StandInTable(IPNetwork.Parse("198.18.0.0/15"), _time, TimeSpan.FromSeconds(300));
        StaticMapping.TryParse(map, out var sm, out var error);
        Assert.True(sm is not null, error);
        var mapping = table.AddStatic(sm!.Path, sm.Name, sm.StandIn);
        var client = new ClientEngine(table, 1400) { LocalPort = 40000 };
        PublishRule.TryParse(destination.Contains(':') ? $"[{destination}]:udp/7" : $"{destination}:udp/7", out var rule, out _);
        var box = new BoxEngine(new ExposurePolicy([rule!]), new BoxFlowLimits(), _time);

        var own = table.OwnAddressLike(mapping.StandIn);
        var buffer = new byte[ClientEngine.Headroom + 200];
        var n = PacketBuilder.BuildUdp(buffer.AsSpan(ClientEngine.Headroom), own, 5555, mapping.StandIn, 7, [1, 2, 3]);
        Assert.Equal(TunnelVerdict.Forward, client.FromApplication(buffer, ClientEngine.Headroom, n, out var start, out var length,
            out var firstHop, out _, out _));
        Assert.Equal(Ip(hop), firstHop);
        var payload = buffer.AsSpan(start, length).ToArray();
        Assert.Equal(TunnelVerdict.Forward, box.FromTunnel(payload, Ip(clientOuter), 40000, out var injected, out var reason));
        Assert.Equal(TunnelDropReason.None, reason);
        IpPacket.TryParse(payload.AsSpan(0, injected), out var atServer);
        Assert.Equal(Ip(destination), atServer.Destination);
        var translated = atServer.Source;

        var reply = new byte[200];
        var r = PacketBuilder.BuildUdp(reply, Ip(destination), 7, translated, 5555, [4, 5]);
        Assert.Equal(TunnelVerdict.Forward, box.FromLan(reply.AsSpan(0, r), out var outer, out var outerPort, out var back, out _));
        Assert.Equal(Ip(clientOuter), outer);
        Assert.Equal(TunnelVerdict.Forward, client.FromTunnel(reply.AsSpan(0, back), Ip(hop), 100, out var s2, out var l2, out _));

        var expected = new byte[200];
        var e = PacketBuilder.BuildUdp(expected, mapping.StandIn, 7, own, 5555, [4, 5]);
        Assert.Equal(expected[..e], reply.AsSpan(s2, l2).ToArray());
    }

    [Theory]
    [InlineData("2001:db8:1::1", "fd00:10::5", "fd00:11::7", "fd6e:6174:7474::20", "2001:db8:1::10")] // v6 levels, v6 inner
    [InlineData("2001:db8:1::1", "fd00:10::5", "10.1.0.7", "198.18.0.20", "2001:db8:1::10")]          // v6 level, v4 inner
    [InlineData("203.0.113.1", "10.0.0.5", "fd00:11::7", "fd6e:6174:7474::20", "203.0.113.10")]       // v4 level, v6 inner
    public void NestedDepth2_LevelsOfTheHopsFamily_ThereAndBack(string y, string t, string destination, string standIn, string clientOuter)
    {
        string Ep(string a) => a.Contains(':') ? $"[{a}]:100" : $"{a}:100";
        string Rule(string a, string proto) => a.Contains(':') ? $"[{a}]:{proto}" : $"{a}:{proto}";
        var table = new StandInTable(IPNetwork.Parse("198.18.0.0/15"), _time, TimeSpan.FromSeconds(300));
        StaticMapping.TryParse($"n={Ep(y)},{Ep(t)},{destination}@{standIn}", out var sm, out var error);
        Assert.True(sm is not null, error);
        var mapping = table.AddStatic(sm!.Path, sm.Name, sm.StandIn);
        var client = new ClientEngine(table, 1400) { LocalPort = 40000 };
        PublishRule.TryParse(Rule(t, "udp/100"), out var yRule, out _);
        PublishRule.TryParse(Rule(destination, "udp/7"), out var tRule, out _);
        var boxY = new BoxEngine(new ExposurePolicy([yRule!]), new BoxFlowLimits(), _time);
        var boxT = new BoxEngine(new ExposurePolicy([tRule!]), new BoxFlowLimits(), _time);

        var own = table.OwnAddressLike(mapping.StandIn);
        var buffer = new byte[ClientEngine.Headroom + 200];
        var n = PacketBuilder.BuildUdp(buffer.AsSpan(ClientEngine.Headroom), own, 5555, mapping.StandIn, 7, [1, 2, 3]);
        Assert.Equal(TunnelVerdict.Forward, client.FromApplication(buffer, ClientEngine.Headroom, n, out var start, out var length, out _, out _, out _));
        var toY = buffer.AsSpan(start, length).ToArray();

        // y forwards the level to t's tunnel port; t's kernel checks its UDP checksum (mandatory over IPv6).
        Assert.Equal(TunnelVerdict.Forward, boxY.FromTunnel(toY, Ip(clientOuter), 40000, out var levelLength, out var why));
        Assert.Equal(TunnelDropReason.None, why);
        IpPacket.TryParse(toY.AsSpan(0, levelLength), out var level);
        Assert.Equal(Ip(t), level.Destination);
        Assert.True(UdpChecksumValid(level), "the level's UDP checksum must survive y's translation");
        var levelSource = level.Source;
        var levelPort = level.SourcePort;
        var toT = level.Payload.ToArray();
        Assert.Equal(TunnelVerdict.Forward, boxT.FromTunnel(toT, levelSource, levelPort, out var innerLength, out why));
        Assert.Equal(TunnelDropReason.None, why);
        IpPacket.TryParse(toT.AsSpan(0, innerLength), out var atServer);
        Assert.Equal(Ip(destination), atServer.Destination);

        // b answers; t tunnels the answer from its tunnel port; y wraps that as its own flow's reply.
        var reply = new byte[200];
        var r = PacketBuilder.BuildUdp(reply, Ip(destination), 7, atServer.Source, 5555, [4, 5]);
        Assert.Equal(TunnelVerdict.Forward, boxT.FromLan(reply.AsSpan(0, r), out var tOuter, out var tOuterPort, out var back, out _));
        var fromT = new byte[300];
        var f = PacketBuilder.BuildUdp(fromT, Ip(t), 100, tOuter, tOuterPort, reply.AsSpan(0, back));
        Assert.Equal(TunnelVerdict.Forward, boxY.FromLan(fromT.AsSpan(0, f), out var yOuter, out _, out var back2, out _));
        Assert.Equal(Ip(clientOuter), yOuter);
        Assert.Equal(TunnelVerdict.Forward, client.FromTunnel(fromT.AsSpan(0, back2), Ip(y), 100, out var s2, out var l2, out _));

        var expected = new byte[200];
        var e = PacketBuilder.BuildUdp(expected, mapping.StandIn, 7, own, 5555, [4, 5]);
        Assert.Equal(expected[..e], fromT.AsSpan(s2, l2).ToArray());
    }

    private static bool UdpChecksumValid(IpPacket p)
    {
        var udp = p.Transport;
        if (p.IsIPv4 && udp[6] == 0 && udp[7] == 0) return true; // not computed (IPv4 only)
        return InternetChecksum.Compute(udp, InternetChecksum.PseudoHeaderSum(p.Source, p.Destination, IpProtocol.Udp, udp.Length)) == 0;
    }
}
