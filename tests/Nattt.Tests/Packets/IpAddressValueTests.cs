using System.Net;
using CsCheck;
using Nattt.Packets;

namespace Nattt.Tests.Packets;

public class IpAddressValueTests
{
    [Theory]
    [InlineData("192.0.2.1")]
    [InlineData("0.0.0.0")]
    [InlineData("255.255.255.255")]
    [InlineData("2001:db8::1")]
    [InlineData("::ffff:192.0.2.1")]
    [InlineData("::")]
    public void FromIPAddress_RoundTrips(string text)
    {
        var address = IPAddress.Parse(text);
        var value = IpAddressValue.FromIPAddress(address);
        Assert.Equal(address, value.ToIPAddress());
        Assert.Equal(address.ToString(), value.ToString());
        Assert.Equal(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork, value.IsIPv4);
    }

    [Fact]
    public void Equals_MappedIPv6AndIPv4_Different()
    {
        Assert.NotEqual(IpAddressValue.Parse("192.0.2.1"), IpAddressValue.Parse("::ffff:192.0.2.1"));
        Assert.NotEqual(IpAddressValue.Parse("0.0.0.0"), IpAddressValue.Parse("::"));
        Assert.Equal(IpAddressValue.Parse("0.0.0.0"), default);
    }

    [Fact]
    public void ReadFromWriteTo_RandomBytes_RoundTrip()
    {
        Gen.Select(Gen.Byte.Array[4], Gen.Byte.Array[16]).Sample((v4, v6) =>
        {
            Span<byte> buffer = stackalloc byte[16];
            var a = IpAddressValue.ReadFrom(v4);
            a.WriteTo(buffer);
            var b = IpAddressValue.ReadFrom(v6);
            var ok = buffer[..4].SequenceEqual(v4) && a.IsIPv4 && a.Length == 4;
            b.WriteTo(buffer);
            return ok && buffer.SequenceEqual(v6) && b.IsIPv6 && a == IpAddressValue.ReadFrom(v4)
                   && a.GetHashCode() == IpAddressValue.ReadFrom(v4).GetHashCode();
        });
    }

    [Fact]
    public void GetHashCode_PoolOfNeighbours_Spreads()
    {
        // 4096 consecutive addresses (a stand-in pool) into 256 buckets: none should hold more than 3x its share.
        var buckets = new int[256];
        for (uint i = 0; i < 4096; i++) buckets[(uint)IpAddressValue.FromIPv4(0xC6120000 + i).GetHashCode() % 256]++;
        Assert.True(buckets.Max() < 48, $"max bucket {buckets.Max()}");
    }

    [Fact]
    public void ReadFrom_BadLength_Throws()
    {
        Assert.Throws<ArgumentException>(() => IpAddressValue.ReadFrom(new byte[5]));
    }

    [Fact]
    public void FlowTuple_Reverse_SwapsEnds()
    {
        var a = IpAddressValue.Parse("192.0.2.1");
        var b = IpAddressValue.Parse("198.51.100.1");
        var tuple = new FlowTuple(IpProtocol.Tcp, a, 1000, b, 80);
        Assert.Equal(new FlowTuple(IpProtocol.Tcp, b, 80, a, 1000), tuple.Reverse());
        Assert.Equal(tuple, tuple.Reverse().Reverse());
        Assert.Equal("Tcp 192.0.2.1:1000 -> 198.51.100.1:80", tuple.ToString());
    }

    [Fact]
    public void FlowTuple_GetHashCode_EqualTuplesEqualAndPortsSpread()
    {
        var a = IpAddressValue.Parse("192.0.2.1");
        var b = IpAddressValue.Parse("198.51.100.1");
        Assert.Equal(new FlowTuple(IpProtocol.Udp, a, 1, b, 2).GetHashCode(), new FlowTuple(IpProtocol.Udp, a, 1, b, 2).GetHashCode());
        var buckets = new int[256];
        for (var port = 0; port < 4096; port++)
            buckets[(uint)new FlowTuple(IpProtocol.Udp, a, (ushort)(40000 + port), b, 53).GetHashCode() % 256]++;
        Assert.True(buckets.Max() < 48, $"max bucket {buckets.Max()}");
    }
}
