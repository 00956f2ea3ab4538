using System.Net;
using System.Net.Sockets;
using Nattt.Platform.Linux;

namespace Nattt.Tests.Platform.Linux;

public sealed class UdpEndpointTests
{
    [Theory]
    [InlineData("203.0.113.1", 100)]
    [InlineData("0.0.0.0", 0)]
    [InlineData("255.255.255.255", 65535)]
    [InlineData("2001:db8::1", 100)]
    [InlineData("::ffff:192.0.2.4", 53)]
    [InlineData("fe80::1%3", 51820)]
    public void FromIPEndPoint_RoundTrip_SameEndpoint(string address, int port)
    {
        var ep = new IPEndPoint(IPAddress.Parse(address), port);
        var value = UdpEndpoint.FromIPEndPoint(ep);
        Assert.Equal(ep, value.ToIPEndPoint());
        Assert.Equal(ep.AddressFamily, value.Family);
        Assert.Equal(value, UdpEndpoint.FromIPEndPoint(ep));
        Assert.Equal(value.GetHashCode(), UdpEndpoint.FromIPEndPoint(ep).GetHashCode());
    }

    [Fact]
    public void Unmapped_IPv4MappedIPv6_BecomesIPv4AndBack()
    {
        var mapped = UdpEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("::ffff:198.51.100.2"), 9));
        Assert.True(mapped.IsIPv4MappedToIPv6);
        var v4 = mapped.Unmapped;
        Assert.Equal(AddressFamily.InterNetwork, v4.Family);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.2"), 9), v4.ToIPEndPoint());
        Assert.Equal(mapped, v4.MappedToIPv6);
    }

    [Fact]
    public void Equals_DifferentPortOrScope_NotEqual()
    {
        var a = UdpEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("fe80::1%1"), 1));
        Assert.NotEqual(a, UdpEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("fe80::1%2"), 1)));
        Assert.NotEqual(a, UdpEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("fe80::1%1"), 2)));
        Assert.NotEqual(UdpEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("0.0.0.1"), 1)),
            UdpEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("::1"), 1)));
    }

    [Fact]
    public void Default_IsUnspecified()
    {
        Assert.Equal(AddressFamily.Unspecified, default(UdpEndpoint).Family);
        Assert.Equal("(none)", default(UdpEndpoint).ToString());
    }
}
