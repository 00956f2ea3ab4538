using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Nattt.Packets;
using Nattt.Tunnel;

namespace Nattt.Tests.Tunnel;

public sealed class StandInTableTests
{
    private readonly FakeTimeProvider _time = new();
    private static TunnelPath Path(string hop, string dest) => new([IPEndPoint.Parse(hop)], IPAddress.Parse(dest));

    private StandInTable NewTable(string pool = "198.18.0.0/15") => new(IPNetwork.Parse(pool), _time, TimeSpan.FromSeconds(300));

    [Fact]
    public void OwnAddress_IsThePoolsFirstHost()
    {
        Assert.Equal("198.18.0.1", NewTable().OwnAddress.ToString());
    }

    [Fact]
    public void MapOrRefresh_SamePathTwice_ReturnsTheSameStandIn()
    {
        var table = NewTable();
        var a = table.MapOrRefresh(Path("203.0.113.1:100", "10.0.0.2"), "b.example.", AddressFamily.InterNetwork, TimeSpan.FromSeconds(60));
        var b = table.MapOrRefresh(Path("203.0.113.1:100", "10.0.0.2"), "b.example.", AddressFamily.InterNetwork, TimeSpan.FromSeconds(60));
        var c = table.MapOrRefresh(Path("203.0.113.9:100", "10.0.0.2"), "c.example.", AddressFamily.InterNetwork, TimeSpan.FromSeconds(60));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c); // same private address behind another box is another host
        Assert.True(table.TryGetName(c!, out var name));
        Assert.Equal("c.example.", name);
    }

    [Fact]
    public void MapOrRefresh_AaaaForIPv4Destination_ReturnsNull()
    {
        Assert.Null(NewTable().MapOrRefresh(Path("203.0.113.1:100", "10.0.0.2"), "b.", AddressFamily.InterNetworkV6, TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public void MapOrRefresh_IPv6Destination_GetsAStandInFromTheIPv6Pool()
    {
        var table = NewTable();
        var a = table.MapOrRefresh(Path("[2001:db8:1::1]:100", "fd00:10::2"), "b6.", AddressFamily.InterNetworkV6, TimeSpan.FromSeconds(60));
        var b = table.MapOrRefresh(Path("203.0.113.1:100", "fd00:10::3"), "c6.", AddressFamily.InterNetworkV6, TimeSpan.FromSeconds(60));
        Assert.Equal("fd6e:6174:7474::2", a!.ToString());
        Assert.Equal("fd6e:6174:7474::3", b!.ToString());
        Assert.Equal("fd6e:6174:7474::1", table.OwnAddress6.ToString());
        Assert.Null(table.MapOrRefresh(Path("203.0.113.1:100", "fd00:10::3"), "c6.", AddressFamily.InterNetwork, TimeSpan.FromSeconds(60)));
        Assert.NotNull(table.FindByStandIn(IpAddressValue.FromIPAddress(a), 0));
    }

    [Fact]
    public void AddStatic_IPv6StandInOutsidePoolOrOfOtherFamily_Refused()
    {
        var table = NewTable();
        Assert.Throws<ArgumentException>(() => table.AddStatic(Path("203.0.113.1:100", "fd00:10::2"), "x", IPAddress.Parse("fd00:99::2")));
        Assert.Throws<ArgumentException>(() => table.AddStatic(Path("203.0.113.1:100", "fd00:10::2"), "x", IPAddress.Parse("198.18.0.9")));
        Assert.Throws<ArgumentException>(() => table.AddStatic(Path("203.0.113.1:100", "fd00:10::2"), "x", IPAddress.Parse("fd6e:6174:7474::1")));
        Assert.Equal("fd6e:6174:7474::9", table.AddStatic(Path("203.0.113.1:100", "fd00:10::2"), "x", IPAddress.Parse("fd6e:6174:7474::9")).StandIn.ToString());
    }

    [Fact]
    public void MapOrRefresh_SmallPool_ExhaustsAndReturnsNull()
    {
        var table = NewTable("198.18.0.0/30"); // .0 network, .1 own, .2 usable, .3 broadcast
        Assert.NotNull(table.MapOrRefresh(Path("203.0.113.1:100", "10.0.0.2"), "a.", AddressFamily.InterNetwork, TimeSpan.FromSeconds(5)));
        Assert.Null(table.MapOrRefresh(Path("203.0.113.1:100", "10.0.0.3"), "b.", AddressFamily.InterNetwork, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Expire_AfterTtlAndIdle_RemovesDynamicButKeepsStatic()
    {
        var table = NewTable();
        var dynamic = table.MapOrRefresh(Path("203.0.113.1:100", "10.0.0.2"), "d.", AddressFamily.InterNetwork, TimeSpan.FromSeconds(60))!;
        var fixedOne = table.AddStatic(Path("203.0.113.1:100", "10.0.0.3"), "s", IPAddress.Parse("198.18.0.50"));
        _time.Advance(TimeSpan.FromSeconds(200));
        Assert.Equal(0, table.Expire()); // TTL passed but not yet idle for 300 s
        _time.Advance(TimeSpan.FromSeconds(200));
        Assert.Equal(1, table.Expire());
        Assert.False(table.TryGetName(dynamic, out _));
        Assert.True(table.TryGetName(fixedOne.StandIn.ToIPAddress(), out _));
    }

    [Fact]
    public void Expire_MappingInUse_StaysAfterTtl()
    {
        var table = NewTable();
        var standIn = table.MapOrRefresh(Path("203.0.113.1:100", "10.0.0.2"), "d.", AddressFamily.InterNetwork, TimeSpan.FromSeconds(10))!;
        for (var i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(100));
            Assert.NotNull(table.FindByStandIn(IpAddressValue.FromIPAddress(standIn), 100));
            Assert.Equal(0, table.Expire());
        }
    }

    [Fact]
    public void AddStatic_StandInOutsidePool_Throws()
    {
        Assert.Throws<ArgumentException>(() => NewTable().AddStatic(Path("203.0.113.1:100", "10.0.0.2"), "x", IPAddress.Parse("10.9.9.9")));
        Assert.Throws<ArgumentException>(() => NewTable().AddStatic(Path("203.0.113.1:100", "10.0.0.2"), "x", IPAddress.Parse("198.18.0.1")));
    }

    [Fact]
    public void StaticMapping_TryParse_ReadsHopsDestinationAndStandIn()
    {
        Assert.True(StaticMapping.TryParse("deep=203.0.113.1,10.0.0.5:2000,10.1.0.7@198.18.0.10", out var m, out var error), error);
        Assert.Equal("deep", m!.Name);
        Assert.Equal([IPEndPoint.Parse("203.0.113.1:100"), IPEndPoint.Parse("10.0.0.5:2000")], m.Path.Hops);
        Assert.Equal(IPAddress.Parse("10.1.0.7"), m.Path.Destination);
        Assert.Equal(IPAddress.Parse("198.18.0.10"), m.StandIn);
        Assert.False(StaticMapping.TryParse("10.1.0.7", out _, out _));
        Assert.False(StaticMapping.TryParse("203.0.113.1:x,10.1.0.7", out _, out _));
    }
}
